import type { Db } from '../db/connection';
import { GeographyStore } from '../db/geography';
import { KeptGeography, type GeographyReads } from './keptGeography';
import { areaDeprivation, type AreaDeprivation } from '../domain/geography/deprivation';
import { assignByRepresentativePoint } from '../domain/geography/lsoaAssignment';

export type DeprivationLevel = 'ward' | 'district';

export interface AreaWithDeprivation extends AreaDeprivation {
  name: string;
  districtCode: string | null;
}

export interface DeprivationAnswer {
  level: DeprivationLevel;
  /** The boundary vintage of the areas (unless asked: the latest with a lookup, else the latest loaded), or null when none is loaded. */
  vintage: string | null;
  /** False when no loaded area has deprivation figures; `missing` then says why. */
  available: boolean;
  missing: string | null;
  source: string;
  /** How LSOAs were given to areas: an ONS lookup, their representative point, or the IoD's district code. */
  method: 'lookup' | 'representative point' | 'district code' | null;
  /** The caveat of that method. */
  caveat: string | null;
  areas: AreaWithDeprivation[];
  /** Loaded areas without figures, each with the reason (a Welsh area, no LSOA assigned). */
  areasWithout: { code: string; name: string; reason: string }[];
}

const SOURCE = 'English Indices of Deprivation 2019 (MHCLG), LSOA 2011; population mid-2015 excluding prisoners';
const NOT_LOADED = 'the English Indices of Deprivation 2019 are not loaded: import iod2019-lsoa-england.csv (every English LSOA) with npm run import';
const WALES = 'a Welsh area: the English Indices of Deprivation do not cover Wales, and the Welsh Index of Multiple Deprivation is not read by harmgrid';
const CAVEATS = {
  lookup: 'ONS best-fit lookup: an LSOA straddling wards counts wholly in the one holding most of its population',
  'representative point':
    'no ONS lookup for this ward vintage: each LSOA counts wholly in the ward holding its centroid (or a point on its surface), an approximation of the ONS best fit',
  'district code': 'each LSOA counts in the district the Indices give it (the 2019 districts)',
} as const;

/**
 * Deprivation of the loaded wards or districts (any vintage), from the LSOAs of the Indices of
 * Deprivation: by the ONS LSOA → ward lookup of that vintage when one is loaded, else by each LSOA's
 * representative point in the loaded outlines (assignByRepresentativePoint). Every loaded area is
 * answered for: with figures, or listed in `areasWithout` with the reason, so a map or pack can say
 * plainly what is missing instead of drawing an empty layer.
 */
export class DeprivationService {
  private readonly geo: GeographyReads;
  constructor(db: Db | GeographyReads) {
    this.geo = db instanceof GeographyStore || db instanceof KeptGeography ? db : new GeographyStore(db as Db);
  }

  async areas(level: DeprivationLevel, opts: { vintage?: string | undefined } = {}): Promise<DeprivationAnswer> {
    const vintages = (await this.geo.vintages()).filter((v) => v.kind === level).map((v) => v.vintage);
    // Default: the latest ward vintage with an ONS lookup (the official best fit), else the latest loaded.
    const withLookup = level === 'ward' ? (await this.geo.lookupVintages()).filter((v) => vintages.includes(v)) : [];
    const vintage = opts.vintage ?? withLookup.at(-1) ?? vintages.at(-1) ?? null;
    const answer = (a: Partial<DeprivationAnswer>): DeprivationAnswer => ({
      level,
      vintage,
      available: false,
      missing: null,
      source: SOURCE,
      method: null,
      caveat: null,
      areas: [],
      areasWithout: [],
      ...a,
    });
    if (!vintage)
      return answer({ missing: `no ${level} boundaries are loaded: import the ONS ${level === 'ward' ? 'ward' : 'district'} GeoJSON with npm run import` });
    const areas = await this.geo.boundaries(level, vintage);
    if (areas.length === 0) return answer({ missing: `no ${level} boundaries of vintage ${vintage} are loaded; loaded: ${vintages.join(', ') || 'none'}` });
    const districtNames = new Map((await this.geo.boundaries('district')).map((d) => [d.code, d.name]));
    const nameOf = (a: (typeof areas)[number]) =>
      level === 'ward' && a.districtCode && districtNames.has(a.districtCode) ? `${a.name}, ${districtNames.get(a.districtCode)}` : a.name;
    const lsoas = await this.geo.deprivation();
    const without = (reason: (code: string) => string) => areas.map((a) => ({ code: a.code, name: nameOf(a), reason: reason(a.code) }));
    if (lsoas.length === 0) {
      const stored = await this.geo.deprivationRows();
      const missing =
        stored === 0
          ? NOT_LOADED
          : `none of the loaded areas' LSOAs is in the English Indices of Deprivation 2019 (${WALES.replace(/^a Welsh area: /, 'they cover England only; ')})`;
      return answer({ missing, areasWithout: without((c) => (c.startsWith('W') ? WALES : missing)) });
    }
    // LSOA → area: the lookup of this ward vintage, the IoD district code, or the representative point.
    const codes = new Set(areas.map((a) => a.code));
    let method: NonNullable<DeprivationAnswer['method']>;
    const areaOf = new Map<string, string>();
    const lookup = level === 'ward' ? await this.geo.lookup(vintage) : [];
    if (lookup.length) {
      method = 'lookup';
      for (const l of lookup) if (codes.has(l.wardCode)) areaOf.set(l.lsoaCode, l.wardCode);
    } else if (level === 'district' && lsoas.every((l) => codes.has(l.districtCode))) {
      method = 'district code';
      for (const l of lsoas) areaOf.set(l.lsoaCode, l.districtCode);
    } else {
      method = 'representative point';
      const loaded = (await this.geo.vintages()).filter((v) => v.kind === 'lsoa').map((v) => v.vintage);
      // The Indices are on 2011 LSOAs; 2021 outlines serve for the codes that did not change.
      const shapes = loaded.includes('2011')
        ? await this.geo.boundaries('lsoa', '2011')
        : loaded.length
          ? await this.geo.boundaries('lsoa', loaded.at(-1))
          : [];
      if (shapes.length === 0) {
        const missing = `no LSOA → ward lookup for wards ${vintage} and no LSOA boundaries to place the LSOAs with: import the LSOA 2011 GeoJSON or an ONS LSOA → ward lookup`;
        return answer({ missing, areasWithout: without((c) => (c.startsWith('W') ? WALES : missing)) });
      }
      const ranked = new Set(lsoas.map((l) => l.lsoaCode));
      for (const [lsoa, area] of assignByRepresentativePoint(
        shapes.filter((s) => ranked.has(s.code)),
        areas,
      ))
        areaOf.set(lsoa, area);
    }
    const byCode = new Map(areas.map((a) => [a.code, a]));
    const figures = areaDeprivation(lsoas, areaOf)
      .filter((a) => byCode.has(a.code))
      .map((a) => ({ ...a, name: nameOf(byCode.get(a.code)!), districtCode: byCode.get(a.code)!.districtCode }));
    const have = new Set(figures.map((f) => f.code));
    const areasWithout = areas
      .filter((a) => !have.has(a.code))
      .map((a) => ({
        code: a.code,
        name: nameOf(a),
        reason: a.code.startsWith('W')
          ? WALES
          : method === 'lookup'
            ? 'no LSOA is best-fitted to this ward in the ONS lookup (a small or sparsely populated ward)'
            : 'no LSOA of the Indices of Deprivation has its representative point in this area',
      }));
    return answer({
      available: figures.length > 0,
      missing: figures.length ? null : 'no loaded area has an LSOA of the Indices of Deprivation',
      method,
      caveat: CAVEATS[method],
      areas: figures,
      areasWithout,
    });
  }
}
