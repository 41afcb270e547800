import { createHash } from 'node:crypto';
import type { Db } from '../db/connection';
import { AreaQueries, type AreaSelector } from '../db/areaQueries';
import type { GeographyStore } from '../db/geography';
import type { KeptGeography } from './keptGeography';
import { PlaceStore, type SiteRecord, type ZoneRecord } from '../db/places';
import { compareWindows, offenceMix, phaseComparison, ratePerThousand } from '../domain/geography/areaStatistics';
import { arealPopulation, boxOf, pointsInside, siteOutline } from '../domain/geography/areaShape';
import { areaKm2, vintageFor, type BoundaryKind } from '../domain/geography/boundaries';
import { areaDeprivation, type AreaDeprivation, type LsoaDeprivation } from '../domain/geography/deprivation';
import { nameArea } from '../domain/geography/areaName';
import { validateSite, validateZone, zonePhases, type FieldProblem, type Polygonal } from '../domain/geography/places';
import { cellsOutline } from '../domain/hchh';
import { parseCellId } from '../domain/h3cell';
import { monthRange } from '../domain/months';
import { DomainError } from '../domain/errors';
import { round } from '../domain/round';
import type { Analysis, AnalysisParams, Protection, ResolvedParams } from './analysis';
import { cellToChildren, getResolution, polygonToCells } from 'h3-js';
import { disclosureNote, shownCount } from '../domain/disclosure';
import { PUBLIC_SOURCES } from '../domain/sources';

/** An area a user names: a boundary by code, a stored zone or site, H3 cells (an HCHH area), or an outline posted ad hoc. */
export type AreaSpec =
  | { kind: 'district' | 'ward' | 'lsoa'; code: string }
  | { kind: 'zone' | 'site'; id: number }
  | { kind: 'cells'; cells: string[] }
  | { kind: 'polygon'; geometry: Polygonal };

export interface ResolvedArea {
  kind: AreaSpec['kind'];
  id: string;
  name: string;
  selector: AreaSelector;
  outline: Polygonal | { type: 'MultiPolygon'; coordinates: number[][][][] } | null;
  areaKm2: number | null;
  boundaryVintage: string | null;
  population: { residents: number; year: string; source: string; method: string } | null;
  deprivation: AreaDeprivationOf | null;
  selection: string;
}

/** An area's deprivation: its LSOAs summed (a boundary), or the LSOAs a drawn outline overlaps, by areal weighting. */
export type AreaDeprivationOf =
  | (AreaDeprivation & { method: string })
  | {
      method: string;
      meanImdRank: number;
      shareResidentsMostDeprived: number;
      shareResidentsMostDeprivedCrime: number;
      lsoas: { code: string; shareInside: number; imdDecile: number }[];
    };

const POPULATION_SOURCE = 'English Indices of Deprivation 2019, File 6: total population mid-2015 excluding prisoners (MHCLG), by LSOA 2011';
const POPULATION_YEAR = 'mid-2015';
export const COMPARISON_RULE = "force-wide: every incident inside the force's districts (in_study_area), the zone included";

const problemsError = (what: string, problems: FieldProblem[], prefix = '') =>
  new DomainError(
    'invalid',
    `invalid ${what}: ${problems.map((p) => `${prefix}${p.field}: ${p.message}`).join('; ')}`,
    problems.map((p) => ({ path: `${prefix}${p.field}`, message: p.message })),
  );

/**
 * Statistics for any area, Clear-Hold-Build zones and sites: resolves what the user named to a set of
 * incidents (tags for boundaries, exact point in polygon for drawn outlines, cells for HCHH areas),
 * then asks AreaQueries and the pure domain functions.
 */
export class AreaService {
  readonly queries: AreaQueries;
  readonly places: PlaceStore;
  readonly geography: KeptGeography;

  /** Zones or sites of one force (all without a force named; places of no force belong to every view). */
  async ofForce<T extends { forceCode: string | null }>(places: T[], force: string | undefined): Promise<T[]> {
    if (!force) return places;
    const scope = await this.analysis.forceScope(force);
    return places.filter((p) => p.forceCode === null || scope.codes.includes(p.forceCode));
  }

  constructor(
    private readonly db: Db,
    private readonly analysis: Analysis,
  ) {
    this.queries = new AreaQueries(db);
    this.places = new PlaceStore(db);
    this.geography = analysis.geography;
  }

  private async lsoaPopulations(): Promise<(LsoaDeprivation & { districtCode: string })[]> {
    return this.geography.deprivation();
  }

  /** Population and deprivation of a drawn outline by areal weighting of the 2011 LSOAs. */
  private async drawnContext(
    outline: Polygonal,
    loaded?: [Awaited<ReturnType<AreaService['lsoaPopulations']>>, Awaited<ReturnType<GeographyStore['boundaries']>>],
  ): Promise<Pick<ResolvedArea, 'population' | 'deprivation'>> {
    const [lsoas, shapes] = loaded ?? (await Promise.all([this.lsoaPopulations(), this.geography.boundaries('lsoa', '2011')]));
    if (lsoas.length === 0 || shapes.length === 0) return { population: null, deprivation: null };
    const byCode = new Map(lsoas.map((l) => [l.lsoaCode, l]));
    const est = arealPopulation(
      outline,
      shapes.filter((s) => byCode.has(s.code)).map((s) => ({ code: s.code, geometry: s.geometry as Polygonal, population: byCode.get(s.code)!.population })),
    );
    if (est.population <= 0) return { population: null, deprivation: null };
    const weight = (l: { code: string; share: number }) => l.share * byCode.get(l.code)!.population;
    const w = est.lsoas.reduce((s, l) => s + weight(l), 0);
    return {
      population: {
        residents: Math.round(est.population),
        year: POPULATION_YEAR,
        source: POPULATION_SOURCE,
        method: `areal weighting: each overlapping LSOA's residents times the share of its area inside (${est.lsoas.length} LSOAs)`,
      },
      deprivation: {
        method: 'the overlapping LSOAs, each weighted by its residents inside the outline (areal weighting)',
        meanImdRank: est.lsoas.reduce((s, l) => s + weight(l) * byCode.get(l.code)!.imdRank, 0) / w,
        shareResidentsMostDeprived: est.lsoas.filter((l) => byCode.get(l.code)!.imdDecile === 1).reduce((s, l) => s + weight(l), 0) / w,
        shareResidentsMostDeprivedCrime: est.lsoas.filter((l) => byCode.get(l.code)!.crimeDecile === 1).reduce((s, l) => s + weight(l), 0) / w,
        lsoas: est.lsoas.map((l) => ({ code: l.code, shareInside: l.share, imdDecile: byCode.get(l.code)!.imdDecile })),
      },
    };
  }

  /** Residents and deprivation of drawn outlines (a site and its rings, say) by areal weighting of the 2011 LSOAs, read once. */
  async outlineContexts(outlines: Polygonal[]): Promise<Pick<ResolvedArea, 'population' | 'deprivation'>[]> {
    // Kept per data version: a site's rings are the same for every period reviewed, and their overlay on the LSOAs is a fifth of a review's work.
    const key = createHash('sha256').update(JSON.stringify(outlines)).digest('base64url');
    return this.analysis.keep(`outline-contexts|${key}`, async () => {
      const loaded = await Promise.all([this.lsoaPopulations(), this.geography.boundaries('lsoa', '2011')]);
      const out: Pick<ResolvedArea, 'population' | 'deprivation'>[] = [];
      for (const o of outlines) out.push(await this.drawnContext(o, loaded));
      return out;
    });
  }

  private async drawn(kind: 'zone' | 'site' | 'polygon', id: string, name: string, outline: Polygonal, selection: string): Promise<ResolvedArea> {
    const positions = pointsInside(await this.queries.positionsInBox(boxOf(outline)), outline);
    return {
      kind,
      id,
      name,
      selector: { kind: 'positions', positions },
      outline,
      areaKm2: areaKm2(outline),
      boundaryVintage: null,
      ...(await this.drawnContext(outline)),
      selection: `${selection}: incidents whose published position lies inside the outline (exact point in polygon, ${positions.length} distinct positions)`,
    };
  }

  /** What the user named, as a set of incidents with its outline, population and deprivation. */
  async resolveArea(spec: AreaSpec, periodEnd?: string): Promise<ResolvedArea> {
    switch (spec.kind) {
      case 'district':
      case 'ward':
      case 'lsoa': {
        const all = await this.geography.boundaries(spec.kind as BoundaryKind);
        const matches = all.filter((b) => b.code === spec.code);
        if (matches.length === 0) {
          if (all.length === 0) throw new DomainError('not_found', `no ${spec.kind} boundaries are loaded; import the boundaries folder`);
          throw new DomainError(
            'not_found',
            `no ${spec.kind} with code ${spec.code} is loaded (vintages ${[...new Set(all.map((b) => b.vintage))].join(', ')})`,
          );
        }
        const vintage =
          vintageFor(
            spec.kind as BoundaryKind,
            periodEnd ?? '9999-12',
            matches.map((m) => m.vintage),
          ) ?? matches[0]!.vintage;
        const b = matches.find((m) => m.vintage === vintage)!;
        const lsoas = await this.lsoaPopulations();
        let members: typeof lsoas = [];
        let method = '';
        if (spec.kind === 'district') {
          members = lsoas.filter((l) => l.districtCode === spec.code);
          method = "sum of the district's LSOAs";
        }
        if (spec.kind === 'lsoa') {
          members = lsoas.filter((l) => l.lsoaCode === spec.code);
          method = 'the LSOA itself';
        }
        if (spec.kind === 'ward') {
          const wardOf = new Map((await this.geography.lookup()).filter((l) => l.wardCode === spec.code).map((l) => [l.lsoaCode, l.wardCode]));
          members = lsoas.filter((l) => wardOf.has(l.lsoaCode));
          method =
            'sum of the LSOAs the ONS best-fit lookup (LSOA 2011 → ward December 2019) assigns to the ward; an LSOA straddling wards counts wholly in one';
        }
        let population: ResolvedArea['population'] = null;
        let deprivation: ResolvedArea['deprivation'] = null;
        if (members.length) {
          population = { residents: members.reduce((s, l) => s + l.population, 0), year: POPULATION_YEAR, source: POPULATION_SOURCE, method };
          deprivation = { method, ...areaDeprivation(members, new Map(members.map((l) => [l.lsoaCode, spec.code])))[0]! };
        } else {
          const ctx = await this.drawnContext(b.geometry as Polygonal);
          population = ctx.population;
          deprivation = ctx.deprivation;
        }
        return {
          kind: spec.kind,
          id: spec.code,
          name: b.name,
          selector: { kind: spec.kind, code: spec.code },
          outline: b.geometry as Polygonal,
          areaKm2: b.areaKm2,
          boundaryVintage: b.vintage,
          population,
          deprivation,
          selection: `incidents tagged with this ${spec.kind} by point in polygon at import, each against the boundary vintage in force in its month (see vintagesUsed)`,
        };
      }
      case 'zone': {
        const z = await this.places.getZone(spec.id);
        if (!z) throw new DomainError('not_found', `no zone #${spec.id}`);
        return this.drawn('zone', String(z.id), z.name, z.geometry, `zone "${z.name}"`);
      }
      case 'site': {
        const s = await this.places.getSite(spec.id);
        if (!s) throw new DomainError('not_found', `no site #${spec.id}`);
        return this.drawn(
          'site',
          String(s.id),
          s.name,
          siteOutline(s.geometry, s.bufferMetres),
          `site "${s.name}"${s.bufferMetres ? ` with a ${s.bufferMetres} m buffer` : ''}`,
        );
      }
      case 'polygon':
        return this.drawn('polygon', 'posted', 'posted outline', spec.geometry, 'the posted outline');
      case 'cells': {
        const cells: string[] = [];
        for (const c of spec.cells) {
          try {
            cells.push(parseCellId(c).cell);
          } catch (e) {
            throw new DomainError('invalid', `cells: ${(e as Error).message}`);
          }
        }
        const outline = cellsOutline(cells);
        return {
          kind: 'cells',
          id: cells.slice().sort().join(','),
          name: `${cells.length} cells`,
          selector: { kind: 'cells', cells },
          outline,
          areaKm2: areaKm2(outline as never),
          boundaryVintage: null,
          ...(await this.drawnContext(outline as never)),
          selection: `incidents inside the ${cells.length} H3 cells (resolution ${[...new Set(cells.map((c) => getResolution(c)))].sort((x, y) => x - y).join(', ')})`,
        };
      }
    }
  }

  /** The recognisable name of an area of cells (an HCHH area): ward(s), district and main street. */
  async nameCells(r: ResolvedParams, cells: string[]): Promise<string> {
    for (const c of cells) {
      try {
        parseCellId(c);
      } catch (e) {
        throw new DomainError('invalid', `cells: ${(e as Error).message}`);
      }
    }
    const area: AreaSelector = { kind: 'cells', cells };
    const [wards, locations] = await Promise.all([this.queries.wardCounts(r.filter, area), this.queries.topLocations(r.filter, area, 20)]);
    return placeName(wards, locations);
  }

  /**
   * Incidents and harm of an area under a definition and harm scheme: totals, rate per 1,000
   * residents, offence mix, month-by-month series (zeros included), the last 3 months against the
   * previous 3 and the same months a year earlier with an exact Poisson test, and the vintages used.
   */
  async statistics(spec: AreaSpec, params: Omit<AnalysisParams, 'resolution'>) {
    const r = await this.analysis.resolve({ ...params, resolution: 9, force: params.force ?? (await this.forceOfPlace(spec)) });
    if (r.protection) return this.protectedStatistics(spec, r, r.protection);
    const area = await this.resolveArea(spec, r.to);
    return this.statisticsOf(area, r);
  }

  /**
   * An area's statistics for a disclosure-controlled caller over restricted sources: the area is the
   * set of protected units (cells at the protection resolution) whose centre lies in its outline, and
   * every figure is a sum of their protected values (domain/disclosure.ts), so two overlapping areas,
   * or an area and its parts, differ by a sum of protected values. A drawn outline must be at least
   * the minimum area. Nothing record-level is given: no offence mix, ward breakdown or locations.
   */
  private async protectedStatistics(spec: AreaSpec, r: ResolvedParams, protection: Protection) {
    const { rules } = protection;
    const area = await this.resolveArea(spec.kind === 'polygon' ? spec : spec, r.to);
    if (spec.kind === 'polygon' && (area.areaKm2 ?? 0) < rules.minAreaKm2) {
      throw new DomainError(
        'unprocessable',
        `the drawn area is ${round(area.areaKm2 ?? 0, 3)} km²; disclosure control needs a drawn area of at least ${rules.minAreaKm2} km² for restricted sources (draw a larger area, or ask for source=${PUBLIC_SOURCES.join(',')})`,
      );
    }
    const cells = unitCellsOf(spec, area, rules.resolution);
    const inArea = new Set(cells);
    const [units, truth, loaded] = await Promise.all([
      this.analysis.protectedUnits(r),
      this.analysis.trueUnits(r, rules.resolution),
      this.analysis.incidents.months(),
    ]);
    const months = monthRange(r.from, r.to);
    const byMonth = new Map(months.map((m) => [m, { month: m, incidents: 0, harm: 0, truth: 0 }]));
    for (const u of units)
      if (inArea.has(u.cell)) {
        const m = byMonth.get(u.month);
        if (m) {
          m.incidents += u.incidents;
          m.harm += u.harm;
        }
      }
    for (const [key, n] of truth) {
      const [cell, month] = key.split('|') as [string, string];
      if (inArea.has(cell)) byMonth.get(month)!.truth += n;
    }
    const full = [...byMonth.values()];
    let suppressed = 0;
    const show = (protectedValue: number, trueCount: number) => {
      const s = shownCount(protectedValue, trueCount, rules);
      if (s.value === null) suppressed++;
      return s;
    };
    const total = full.reduce((a, m) => ({ incidents: a.incidents + m.incidents, harm: a.harm + m.harm, truth: a.truth + m.truth }), {
      incidents: 0,
      harm: 0,
      truth: 0,
    });
    const totalShown = show(total.incidents, total.truth);
    const change = compareWindows(full, r.to, loaded[0] && loaded[0] < r.from ? loaded[0] : r.from).map((c) => {
      const trueOf = (w: { from: string; to: string }) => full.filter((m) => m.month >= w.from && m.month <= w.to).reduce((n, m) => n + m.truth, 0);
      const withheld =
        show(c.recent.incidents, trueOf(c.recent)).value === null || (c.earlier !== null && show(c.earlier.incidents, trueOf(c.earlier)).value === null);
      if (!withheld) return c;
      return {
        ...c,
        recent: { ...c.recent, incidents: null, harm: null },
        earlier: c.earlier && { ...c.earlier, incidents: null, harm: null },
        test: null,
        note: `withheld: a window holds fewer than ${rules.threshold} incidents`,
      };
    });
    const series = full.map((m) => {
      const s = show(m.incidents, m.truth);
      return { month: m.month, incidents: s.value, incidentsShown: s.shown, harm: s.value === null ? null : round(m.harm) };
    });
    return {
      area: {
        kind: area.kind,
        id: area.id,
        name: area.name,
        areaKm2: area.areaKm2,
        boundaryVintage: area.boundaryVintage,
        selection: `the ${cells.length} H3 resolution-${rules.resolution} cells whose centre lies in the area (disclosure control: protected cell × month units)`,
        placeName: null,
      },
      outline: area.outline,
      ...this.analysis.describe(r),
      vintagesUsed: [],
      totals: {
        incidents: totalShown.value,
        incidentsShown: totalShown.shown,
        harm: totalShown.value === null ? null : round(total.harm),
        harmUnit: r.scheme.unit,
      },
      population: area.population,
      rate:
        totalShown.value !== null && area.population && area.population.residents > 0
          ? {
              ...ratePerThousand(totalShown.value, area.population.residents, months.length),
              population: area.population.residents,
              populationYear: area.population.year,
            }
          : null,
      deprivation: area.deprivation,
      offenceMix: [],
      wards: [],
      topLocations: [],
      series,
      change,
      disclosure: disclosureNote(rules, suppressed),
    };
  }

  /** The force a stored zone or site belongs to (undefined for other areas: the request's or the default). */
  private async forceOfPlace(spec: AreaSpec): Promise<string | undefined> {
    if (spec.kind === 'zone') return (await this.places.getZone(spec.id))?.forceCode ?? undefined;
    if (spec.kind === 'site') return (await this.places.getSite(spec.id))?.forceCode ?? undefined;
    return undefined;
  }

  private async statisticsOf(area: ResolvedArea, r: ResolvedParams) {
    const [totals, series, mix, vintages, wards, locations, loaded] = await Promise.all([
      this.queries.totals(r.filter, area.selector),
      this.queries.monthTotals(r.filter, area.selector),
      this.queries.categoryTotals(r.filter, area.selector),
      this.queries.vintagesUsed(r.filter, area.selector),
      this.queries.wardCounts(r.filter, area.selector),
      this.queries.topLocations(r.filter, area.selector, 20),
      this.analysis.incidents.months(),
    ]);
    const months = monthRange(r.from, r.to);
    const byMonth = new Map(series.map((s) => [s.month, s]));
    const full = months.map((m) => ({ month: m, incidents: byMonth.get(m)?.incidents ?? 0, harm: byMonth.get(m)?.harm ?? 0 }));
    return {
      area: {
        kind: area.kind,
        id: area.id,
        name: area.name,
        areaKm2: area.areaKm2,
        boundaryVintage: area.boundaryVintage,
        selection: area.selection,
        placeName: area.kind === 'cells' || area.kind === 'zone' || area.kind === 'site' || area.kind === 'polygon' ? placeName(wards, locations) : null,
      },
      outline: area.outline,
      ...this.analysis.describe(r),
      vintagesUsed: vintages,
      totals: { incidents: totals.incidents, harm: round(totals.harm), harmUnit: r.scheme.unit },
      population: area.population,
      rate:
        area.population && area.population.residents > 0
          ? {
              ...ratePerThousand(totals.incidents, area.population.residents, months.length),
              population: area.population.residents,
              populationYear: area.population.year,
            }
          : null,
      deprivation: area.deprivation,
      offenceMix: offenceMix(mix).map((m) => ({
        ...m,
        harm: round(m.harm),
        shareOfIncidents: round(m.shareOfIncidents, 6),
        shareOfHarm: round(m.shareOfHarm, 6),
      })),
      wards: wards.map((w) => ({ code: w.wardCode, name: w.wardName, vintage: w.wardVintage, district: w.districtName, incidents: w.incidents })),
      topLocations: locations.slice(0, 10).map((l) => ({ ...l, harm: round(l.harm) })),
      series: full.map((m) => ({ ...m, harm: round(m.harm) })),
      change: compareWindows(full, r.to, loaded[0] && loaded[0] < r.from ? loaded[0] : r.from),
    };
  }

  /** Statistics of a zone with each Clear-Hold-Build phase against its baseline and against the force-wide change. */
  async zoneStatistics(id: number, params: Omit<AnalysisParams, 'resolution' | 'from' | 'to'>, baselineMonths = 12) {
    const zone = await this.places.getZone(id);
    if (!zone) throw new DomainError('not_found', `no zone #${id}`);
    const scope = await this.analysis.forceScope(params.force ?? zone.forceCode ?? undefined);
    const months = await this.analysis.incidents.months(scope.codes.length ? scope.codes : undefined);
    if (months.length === 0) throw new DomainError('not_found', `no incidents of ${scope.label} are loaded yet; import data first`);
    const first = months[0]!,
      last = months[months.length - 1]!;
    const r = await this.analysis.resolve({ ...params, resolution: 9, from: first, to: last, force: scope.codes.join(',') || undefined });
    const area = await this.resolveArea({ kind: 'zone', id }, r.to);
    const phases = zonePhases(zone, first, last, baselineMonths);
    const [stats, force] = await Promise.all([this.statisticsOf(area, r), this.queries.monthTotals(r.filter, { kind: 'force' })]);
    return {
      ...stats,
      zone: zoneFeature(zone),
      phases: phaseComparison(stats.series, force, phases),
      comparison: COMPARISON_RULE,
      phaseRule: `a phase starts in the month its start date falls in and runs to the month before the next; "before clear" is the ${baselineMonths} months before the clear month (within the loaded months)`,
    };
  }

  // ── zones ────────────────────────────────────────────────────────────────────────────────────────

  async createZone(input: unknown): Promise<ZoneRecord> {
    const v = validateZone(input);
    if (!v.zone) throw problemsError('zone', v.problems);
    if (await this.places.zoneByName(v.zone.name)) throw new DomainError('conflict', `a zone named "${v.zone.name}" exists already; names are unique`);
    const id = await this.places.createZone({ ...v.zone, areaKm2: areaKm2(v.zone.geometry), forceCode: await this.analysis.forceAt(v.zone.geometry) });
    return (await this.places.getZone(id))!;
  }

  async updateZone(id: number, input: unknown): Promise<ZoneRecord> {
    const v = validateZone(input);
    if (!v.zone) throw problemsError('zone', v.problems);
    const other = await this.places.zoneByName(v.zone.name);
    if (other && other.id !== id) throw new DomainError('conflict', `zone #${other.id} is named "${v.zone.name}" already; names are unique`);
    if (!(await this.places.updateZone(id, { ...v.zone, areaKm2: areaKm2(v.zone.geometry), forceCode: await this.analysis.forceAt(v.zone.geometry) })))
      throw new DomainError('not_found', `no zone #${id}`);
    return (await this.places.getZone(id))!;
  }

  /**
   * Imports zones from a GeoJSON FeatureCollection, all or none: each feature's properties carry
   * name, partnership, clearStart, holdStart, buildStart and notes; a feature whose `id` is a stored
   * zone's updates it (so an exported file imports back unchanged), any other creates a zone.
   */
  async importZones(fc: unknown): Promise<{ created: number; updated: number; zones: ZoneRecord[] }> {
    const r = await this.importPlaces(fc, {
      kind: 'zone',
      validate: (input) => {
        const v = validateZone(input);
        return { place: v.zone, problems: v.problems };
      },
      prepare: (z, forceCode) => ({ ...z, areaKm2: areaKm2(z.geometry), forceCode }),
      store: (s) => ({ get: (id) => s.getZone(id), byName: (n) => s.zoneByName(n), create: (z) => s.createZone(z), update: (id, z) => s.updateZone(id, z) }),
    });
    return { created: r.created, updated: r.updated, zones: r.places };
  }

  // ── sites ────────────────────────────────────────────────────────────────────────────────────────

  async createSite(input: unknown): Promise<SiteRecord> {
    const v = validateSite(input);
    if (!v.site) throw problemsError('site', v.problems);
    if (await this.places.siteByName(v.site.name)) throw new DomainError('conflict', `a site named "${v.site.name}" exists already; names are unique`);
    return (await this.places.getSite(await this.places.createSite({ ...v.site, forceCode: await this.analysis.forceAt(v.site.geometry) })))!;
  }

  async updateSite(id: number, input: unknown): Promise<SiteRecord> {
    const v = validateSite(input);
    if (!v.site) throw problemsError('site', v.problems);
    const other = await this.places.siteByName(v.site.name);
    if (other && other.id !== id) throw new DomainError('conflict', `site #${other.id} is named "${v.site.name}" already; names are unique`);
    if (!(await this.places.updateSite(id, { ...v.site, forceCode: await this.analysis.forceAt(v.site.geometry) })))
      throw new DomainError('not_found', `no site #${id}`);
    return (await this.places.getSite(id))!;
  }

  /** Imports sites from a GeoJSON FeatureCollection, all or none (properties: name, bufferMetres, notes; `id` updates). */
  async importSites(fc: unknown): Promise<{ created: number; updated: number; sites: SiteRecord[] }> {
    const r = await this.importPlaces(fc, {
      kind: 'site',
      validate: (input) => {
        const v = validateSite(input);
        return { place: v.site, problems: v.problems };
      },
      prepare: (site, forceCode) => ({ ...site, forceCode }),
      store: (s) => ({ get: (id) => s.getSite(id), byName: (n) => s.siteByName(n), create: (x) => s.createSite(x), update: (id, x) => s.updateSite(id, x) }),
    });
    return { created: r.created, updated: r.updated, sites: r.places };
  }

  /**
   * A file of zones or sites, all or none: every feature is validated first (problems named by feature
   * number, name and property), names must be unique within the file and against stored places other
   * than the one a feature updates; then one transaction creates or updates them.
   */
  private async importPlaces<P extends { name: string; geometry: Polygonal | { type: 'Point'; coordinates: number[] } }, S, R extends { id: number }>(
    fc: unknown,
    how: {
      kind: 'zone' | 'site';
      validate: (input: unknown) => { place: P | null; problems: FieldProblem[] };
      prepare: (place: P, forceCode: string | null) => S;
      store: (store: PlaceStore) => {
        get: (id: number) => Promise<R | null>;
        byName: (name: string) => Promise<R | null>;
        create: (place: S) => Promise<number>;
        update: (id: number, place: S) => Promise<boolean>;
      };
    },
  ): Promise<{ created: number; updated: number; places: R[] }> {
    const what = `${how.kind}s`;
    const features = featuresOf(fc, what);
    const problems: FieldProblem[] = [];
    const valid = features.map((f, i) => {
      const v = how.validate({ ...(f.properties ?? {}), geometry: f.geometry });
      problems.push(
        ...v.problems.map((p) => ({
          field: `features[${i}] (feature ${i + 1}${nameOf(f)}).${p.field === 'geometry' ? 'geometry' : `properties.${p.field}`}`,
          message: p.message,
        })),
      );
      return { place: v.place, id: f.id };
    });
    const names = new Map<string, number>();
    valid.forEach((v, i) => {
      if (!v.place) return;
      const dup = names.get(v.place.name);
      if (dup !== undefined)
        problems.push({
          field: `features[${i}] (feature ${i + 1}).properties.name`,
          message: `"${v.place.name}" is also the name of feature ${dup + 1}; names are unique`,
        });
      names.set(v.place.name, i);
    });
    if (problems.length) throw problemsError(`${what} file`, problems);
    // Before the transaction: PGlite has one connection, which the transaction holds.
    const forces = await Promise.all(valid.map((v) => this.analysis.forceAt(v.place!.geometry)));
    return this.db.transaction(async (trx) => {
      const store = how.store(new PlaceStore(trx));
      let created = 0;
      let updated = 0;
      const ids: number[] = [];
      for (const [i, v] of valid.entries()) {
        const existing = typeof v.id === 'number' ? await store.get(v.id) : null;
        const byName = await store.byName(v.place!.name);
        if (byName && byName.id !== existing?.id)
          throw new DomainError(
            'conflict',
            `invalid ${what} file: features[${i}] (feature ${i + 1}).properties.name: ${how.kind} #${byName.id} is named "${v.place!.name}" already; nothing was imported`,
          );
        const place = how.prepare(v.place!, forces[i] ?? null);
        if (existing) {
          await store.update(existing.id, place);
          updated++;
          ids.push(existing.id);
        } else {
          ids.push(await store.create(place));
          created++;
        }
      }
      return { created, updated, places: await Promise.all(ids.map(async (id) => (await store.get(id))!)) };
    });
  }
}

/**
 * The area's name from its incidents: the wards holding most of them (in the vintage each was tagged
 * with), the district holding most, and the main street (domain/geography/areaName, as HCHH areas).
 */
function placeName(wards: { wardName: string | null; districtName: string | null; incidents: number }[], locations: { location: string }[]): string {
  const districts = new Map<string, number>();
  for (const w of wards) if (w.districtName) districts.set(w.districtName, (districts.get(w.districtName) ?? 0) + w.incidents);
  const district = [...districts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0] ?? null;
  const names = wards
    .filter((w) => w.wardName && w.districtName === district)
    .sort((a, b) => b.incidents - a.incidents)
    .map((w) => w.wardName!);
  return nameArea(
    [...new Set(names)],
    district,
    locations.map((l) => l.location),
  );
}

type Feature = { type?: string; id?: unknown; geometry?: unknown; properties?: Record<string, unknown> | null };

function nameOf(f: Feature): string {
  const n = f.properties?.name;
  return typeof n === 'string' && n ? ` "${n}"` : '';
}

function featuresOf(fc: unknown, what: string): Feature[] {
  const c = fc as { type?: string; features?: unknown; crs?: { properties?: { name?: string } } } | null;
  if (!c || c.type !== 'FeatureCollection' || !Array.isArray(c.features))
    throw new DomainError('invalid', `invalid ${what} file: expected a GeoJSON FeatureCollection`);
  const crs = c.crs?.properties?.name;
  if (crs && !/CRS84|4326/.test(crs))
    throw new DomainError('invalid', `invalid ${what} file: wrong CRS ${crs}; GeoJSON must be WGS84 longitude/latitude (EPSG:4326, RFC 7946)`);
  if (c.features.length === 0) throw new DomainError('invalid', `invalid ${what} file: no features`);
  if (c.features.length > 1000) throw new DomainError('invalid', `invalid ${what} file: ${c.features.length} features; at most 1,000 at a time`);
  c.features.forEach((f: Feature, i: number) => {
    if (!f || f.type !== 'Feature')
      throw new DomainError('invalid', `invalid ${what} file: features[${i}] (feature ${i + 1}) is not a GeoJSON Feature`, [
        { path: `features[${i}]`, message: 'not a GeoJSON Feature' },
      ]);
  });
  return c.features as Feature[];
}

/** A zone as a GeoJSON Feature; importZones reads it back unchanged. */
export function zoneFeature(z: ZoneRecord) {
  return {
    type: 'Feature' as const,
    id: z.id,
    geometry: z.geometry,
    properties: {
      name: z.name,
      partnership: z.partnership,
      clearStart: z.clearStart,
      holdStart: z.holdStart,
      buildStart: z.buildStart,
      notes: z.notes,
      areaKm2: z.areaKm2,
      forceCode: z.forceCode,
    },
  };
}

/** A site as a GeoJSON Feature; importSites reads it back unchanged. */
export function siteFeature(s: SiteRecord) {
  return {
    type: 'Feature' as const,
    id: s.id,
    geometry: s.geometry,
    properties: { name: s.name, bufferMetres: s.bufferMetres, notes: s.notes, forceCode: s.forceCode },
  };
}

/** The protected units (cells at `resolution`) of an area: children of its cells, or the cells whose centre lies in its outline. */
function unitCellsOf(spec: AreaSpec, area: ResolvedArea, resolution: number): string[] {
  if (spec.kind === 'cells') {
    const out = new Set<string>();
    for (const c of (area.selector as { cells: string[] }).cells) {
      if (getResolution(c) > resolution) {
        throw new DomainError(
          'forbidden',
          `cell ${c} is finer than disclosure control allows for restricted sources; give cells of resolution ${resolution} or coarser`,
        );
      }
      for (const child of cellToChildren(c, resolution)) out.add(child);
    }
    return [...out].sort();
  }
  const outline = area.outline;
  if (!outline) return [];
  const polygons = outline.type === 'Polygon' ? [outline.coordinates] : (outline.coordinates as number[][][][]);
  const out = new Set<string>();
  for (const p of polygons) for (const c of polygonToCells(p as number[][][], resolution, true)) out.add(c);
  return [...out].sort();
}
