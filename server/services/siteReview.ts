import { booleanPointInPolygon, pointOnFeature, feature } from '@turf/turf';
import { POLYGON_TO_CELLS_FLAGS, cellToParent, getResolution, polygonToCellsExperimental } from 'h3-js';
import type { DefinitionRules } from '../domain/definitions';
import { matchesDefinition } from '../domain/definitions';
import { countChange, type CountChange } from '../domain/countChange';
import { boxOf, siteOutline } from '../domain/geography/areaShape';
import { vintageFor } from '../domain/geography/boundaries';
import type { Polygonal } from '../domain/geography/places';
import { addMonths, monthRange, type Month } from '../domain/months';
import { defaultNightWindow, repeatLocations } from '../domain/repeatLocations';
import {
  CAVEATS,
  DEFAULT_RINGS,
  compareRate,
  dayHourTable,
  siteRings,
  summariseZones,
  trafficLight,
  zoneOf,
  type Exposure,
  type RateTest,
  type ReviewZone,
} from '../domain/siteReview';
import { DomainError } from '../domain/errors';
import { round } from '../domain/round';
import type { Analysis, ResolvedParams } from './analysis';
import type { AreaDeprivationOf, AreaService } from './areas';
import { boxSql } from '../db/areaQueries';
import type { SqlFragment } from '../db/incidentQueries';
import { HotspotStatistics } from './hotspotStatistics';
import { requireComplete } from './coverage';

export interface SiteReviewParams {
  rings?: number[] | undefined;
  from?: Month | undefined;
  to?: Month | undefined;
  definition?: string | undefined;
  scheme?: string | undefined;
  variant?: 'full' | 'preliminary' | undefined;
  force?: string | undefined;
}

/** Every recorded crime: a definition rule without conditions (compiles to TRUE). */
const ALL_CRIME: DefinitionRules = { anyOf: [{ weapon: 'any', domestic: 'include' }] };
const RESOLUTION = 9;
const REPEAT_MIN = 3;
const MAX_MONTHS = 60;

export const RING_RULE =
  "Rings are annuli measured from the site's edge (its outline, or its buffer for a point site): the 250 m ring holds what lies more than 0 m and at most 250 m outside the edge, the 500 m ring 250–500 m, and so on; the site and its rings never overlap. An incident belongs to the zone its published position falls in (exact point in polygon).";
export const RATE_TEST_RULE =
  "Each zone's count of the chosen definition over the period is compared with the comparison area's (ward, district, force) rate scaled by the zone's area (per km²) or residents (per 1,000): exact conditional Poisson test (given both counts, the zone's count is binomial with the zone's share of the exposure when the two rates are equal), two-sided at 5 %. \"Higher\" or \"lower\" only when significant. The comparison area is whole, the zone included, which makes the test slightly conservative.";
export const PERIOD_RULE =
  'Default period: the latest 12 months loaded (fewer when fewer are loaded), compared with the same number of months before them when those are loaded; with from/to, the months from…to against the same number of months just before.';

/**
 * The site review report for designing-out-crime officers (user-needs §4): a stored site and rings
 * around it over a period against the one before; counts and harm by category and definition, rates
 * against ward, district and force with an exact test, monthly trend, day × hour where times exist,
 * top and repeat locations, hotspot status of the cells it touches, deprivation, a traffic light and
 * the caveats. Reuses AreaService (sites, populations, comparison areas) and the hotspot services.
 */
export class SiteReviewService {
  private readonly hotspots: HotspotStatistics;

  constructor(
    private readonly analysis: Analysis,
    private readonly areas: AreaService,
  ) {
    this.hotspots = new HotspotStatistics(analysis);
  }

  async review(id: number, p: SiteReviewParams) {
    const variant = p.variant ?? 'full';
    const site = await this.areas.places.getSite(id);
    if (!site) throw new DomainError('not_found', `no site #${id}`);
    // The site belongs to the force whose districts hold it, unless the request names one.
    const force = await this.analysis.forceScope(p.force ?? site.forceCode ?? undefined);
    const loaded = await this.analysis.incidents.months(force.codes.length ? force.codes : undefined);
    if (loaded.length === 0) throw new DomainError('not_found', `no incidents of ${force.label} are loaded yet; import data first (see README)`);
    const first = loaded[0]!,
      last = loaded[loaded.length - 1]!;
    const to = p.to ?? (p.from ? (addMonths(p.from, 11) < last ? addMonths(p.from, 11) : last) : last);
    const from = p.from ?? (addMonths(to, -11) > first ? addMonths(to, -11) : first);
    if (from > to)
      throw new DomainError('invalid', `invalid query: from: ${from} is after to (${to})`, [{ path: 'from', message: `${from} is after to (${to})` }]);
    const months = monthRange(from, to);
    if (months.length > MAX_MONTHS)
      throw new DomainError('invalid', `invalid query: from: the period is ${months.length} months; at most ${MAX_MONTHS}`, [
        { path: 'from', message: `at most ${MAX_MONTHS} months` },
      ]);
    const prevFrom = addMonths(from, -months.length),
      prevTo = addMonths(from, -1);
    const previous = prevFrom >= first ? { from: prevFrom, to: prevTo } : null;
    const previousNote = previous
      ? null
      : `the ${months.length} months before the period (${prevFrom}…${prevTo}) are not all loaded (first month loaded: ${first}), so there is no comparison with the period before`;
    const r = await this.analysis.resolve({
      resolution: RESOLUTION,
      from,
      to,
      definition: p.definition,
      scheme: p.scheme,
      force: force.codes.join(',') || undefined,
    });

    // The review counts the period, compares it with the period before and draws its months: each must be wholly loaded.
    requireComplete(r, 'a site review', previous?.from ?? from, to);
    const outline = siteOutline(site.geometry, site.bufferMetres);
    const zones = siteRings(outline, p.rings ?? DEFAULT_RINGS);
    const footprint = zones[zones.length - 1]!.outer;
    // Incidents in the box around the largest ring, each then placed in its zone by exact point in
    // polygon here (an IN list of thousands of positions is slow on PGlite; the box is found through the cell index, see boxSql).
    const box = boxOf(footprint);
    const inFootprint = boxSql(box);
    const [groups, definitions, populations, comparators] = await Promise.all([
      this.analysis.incidents.reviewGroups({ ...r.filter, from: previous?.from ?? from, to, definition: ALL_CRIME }, inFootprint),
      this.analysis.reference.definitions(),
      this.areas.outlineContexts(zones.map((z) => z.geometry)),
      this.comparators(outline, r, to),
    ]);
    const zoneCache = new Map<string, number>();
    const zoneIndex = (lon: number, lat: number) => {
      const k = `${lon},${lat}`;
      let z = zoneCache.get(k);
      if (z === undefined) {
        z = zoneOf(zones, lon, lat);
        zoneCache.set(k, z);
      }
      return z;
    };
    const summaries = summariseZones(groups, zoneIndex, zones.length, definitions, r.definition.key, { from, to }, previous);
    const chosenIndex = definitions.findIndex((d) => d.key === r.definition.key);

    const zoneRows = zones.map((z, k) => {
      const s = summaries[k]!;
      const chosen = s.byDefinition[chosenIndex]!;
      const residents = populations[k]!.population?.residents ?? null;
      const exposure: Exposure = { incidents: chosen.current.incidents, areaKm2: z.areaKm2, residents };
      const rates = Object.fromEntries(comparators.map((c) => [c.kind, compareRate(exposure, c)]));
      const change: CountChange | null = chosen.previous
        ? countChange({
            before: { count: chosen.previous.incidents, exposure: months.length },
            after: { count: chosen.current.incidents, exposure: months.length },
          })
        : null;
      return { zone: z, summary: s, chosen, residents, population: populations[k]!.population, rates, change };
    });

    const [hotspots, deprivation, repeats] = await Promise.all([
      this.hotspotStatus(r, outline, footprint),
      this.deprivation(populations[0]!.deprivation),
      this.repeatLocations(
        r,
        inFootprint,
        zones,
        zoneIndex,
        months,
        zoneRows.reduce((s, z) => ({ incidents: s.incidents + z.chosen.current.incidents, harm: s.harm + z.chosen.current.harm }), { incidents: 0, harm: 0 }),
      ),
    ]);

    const current = groups.filter((g) => g.month >= from && g.month <= to && zoneIndex(g.lon, g.lat) >= 0);
    const chosenRules = definitions[chosenIndex]!.rules;
    const classifiable = (g: (typeof groups)[number]) => ({
      category: g.category ?? '(none)',
      offenceCode: g.offenceCode,
      knife: g.knife,
      firearm: g.firearm,
      domestic: g.domestic,
    });
    const site0 = zoneRows[0]!;
    const light = trafficLight({
      siteVsDistrict: (site0.rates.district as { perKm2: RateTest } | undefined)?.perKm2 ?? null,
      siteVsForce: (site0.rates.force as { perKm2: RateTest } | undefined)?.perKm2 ?? null,
      firstRingVsDistrict: (zoneRows[1]?.rates.district as { perKm2: RateTest } | undefined)?.perKm2 ?? null,
      change: site0.change,
      touchesHchh: hotspots.touchesHchh,
      maxGiBin: hotspots.maxGiBin,
    });

    const tally = (t: { incidents: number; harm: number } | null) => (t ? { incidents: t.incidents, harm: round(t.harm) } : null);
    const rateOut = (t: RateTest) => ({
      zoneRate: round(t.subjectRate, 4),
      comparatorRate: round(t.comparatorRate, 4),
      ratio: t.ratio === null ? null : round(t.ratio, 4),
      verdict: t.verdict,
      pValue: Number(t.test.pValue.toPrecision(4)),
      ci: t.test.ci ? t.test.ci.map((v) => (Number.isFinite(v) ? round(v, 4) : null)) : null,
      method: t.test.method,
    });
    const full = variant === 'full';
    return {
      variant,
      site: {
        id: site.id,
        name: site.name,
        bufferMetres: site.bufferMetres,
        notes: site.notes,
        geometry: site.geometry,
        outline,
        areaKm2: round(zones[0]!.areaKm2, 6),
        ringOutlines: zones.slice(1).map((z) => ({ outerMetres: z.outerMetres, geometry: z.outer })),
      },
      ...this.analysis.describe(r),
      period: { from, to, months: months.length },
      previousPeriod: previous,
      previousNote,
      rules: { period: PERIOD_RULE, rings: RING_RULE, rateTest: RATE_TEST_RULE, trafficLight: light.rule },
      trafficLight: { light: light.light, reasons: light.reasons, rule: light.rule },
      comparators: comparators.map((c) => ({
        kind: c.kind,
        code: c.code,
        name: c.name,
        areaKm2: round(c.areaKm2, 4),
        residents: c.residents,
        incidents: c.incidents,
        perKm2: round(c.incidents / c.areaKm2, 4),
        perThousandResidents: c.residents ? round((c.incidents / c.residents) * 1000, 4) : null,
      })),
      zones: zoneRows.map((z) => ({
        key: z.zone.key,
        label: z.zone.label,
        innerMetres: z.zone.innerMetres,
        outerMetres: z.zone.outerMetres,
        areaKm2: round(z.zone.areaKm2, 6),
        residents: z.residents,
        populationMethod: z.population?.method ?? null,
        definition: { current: tally(z.chosen.current), previous: tally(z.chosen.previous), change: z.change },
        allCrime: { current: tally(z.summary.total.current), previous: tally(z.summary.total.previous) },
        rates: Object.fromEntries(
          Object.entries(z.rates).map(([k, v]) => [
            k,
            { perKm2: rateOut(v.perKm2), perThousandResidents: v.perThousandResidents ? rateOut(v.perThousandResidents) : null },
          ]),
        ),
        ...(full
          ? {
              byCategory: z.summary.byCategory.map((c) => ({ category: c.category, current: tally(c.current), previous: tally(c.previous) })),
              byDefinition: z.summary.byDefinition.map((d) => ({ key: d.key, name: d.name, current: tally(d.current), previous: tally(d.previous) })),
              monthly: z.summary.monthly.map((m) => ({ month: m.month, incidents: m.incidents, harm: round(m.harm), allCrime: m.allCrime })),
              topLocations: z.summary.topLocations.map((l) => ({ ...l, harm: round(l.harm) })),
            }
          : {}),
      })),
      hotspots,
      ...(full
        ? {
            dayHour: {
              definition: dayHourTable(current.filter((g) => matchesDefinition(chosenRules, classifiable(g)))),
              allCrime: dayHourTable(current),
            },
            repeatLocations: repeats,
            deprivation,
          }
        : {}),
      caveats: CAVEATS,
    };
  }

  /** The ward and district the site's inner point lies in (vintage in force at the period's end) and the force. */
  private async comparators(outline: Polygonal, r: ResolvedParams, to: Month) {
    const point = pointOnFeature(feature(outline as never)).geometry.coordinates as [number, number];
    const out: (Exposure & { kind: 'ward' | 'district' | 'force'; code: string; name: string })[] = [];
    for (const kind of ['ward', 'district'] as const) {
      const all = await this.areas.geography.boundaries(kind);
      const vintage = vintageFor(kind, to, [...new Set(all.map((b) => b.vintage))]);
      const b = all.find((x) => x.vintage === vintage && booleanPointInPolygon(point, x.geometry as never));
      if (!b) continue;
      const area = await this.areas.resolveArea({ kind, code: b.code }, to);
      const t = await this.areas.queries.totals(r.filter, area.selector);
      out.push({ kind, code: b.code, name: b.name, incidents: t.incidents, areaKm2: b.areaKm2, residents: area.population?.residents ?? null });
    }
    const districts = await this.analysis.districtsOf(r.force);
    if (districts.length) {
      const lsoas = await this.areas.geography.deprivation();
      const t = await this.areas.queries.totals(r.filter, { kind: 'force' });
      const residents = lsoas.reduce((s, l) => s + l.population, 0);
      out.push({
        kind: 'force',
        code: r.force.codes.join(',') || 'force',
        name: `${r.force.label} (${districts.length} districts)`,
        incidents: t.incidents,
        areaKm2: districts.reduce((s, d) => s + d.areaKm2, 0),
        residents: residents || null,
      });
    }
    return out;
  }

  /** HCHH membership, Gi* bin and emerging category of every resolution-9 cell the site overlaps, and HCHH areas within the rings. */
  private async hotspotStatus(r: ResolvedParams, outline: Polygonal, footprint: Polygonal) {
    const cellsOf = (g: Polygonal) => {
      const polys = g.type === 'Polygon' ? [g.coordinates] : g.coordinates;
      return [...new Set(polys.flatMap((p) => polygonToCellsExperimental(p, RESOLUTION, POLYGON_TO_CELLS_FLAGS.containmentOverlapping, true)))].sort();
    };
    const touched = cellsOf(outline);
    const near = cellsOf(footprint);
    const gistarOptions = { variable: 'count' as const, k: 1, weights: 'binary' as const, fdr: true };
    const [hchh, gi, emerging] = await Promise.all([
      this.analysis.hchh(r, {}),
      this.hotspots.gistar(r, gistarOptions),
      this.hotspots.emerging(r, { ...gistarOptions, timeStep: 1, alpha: 0.05, trendAlpha: 0.05, globalWindow: 'cube', step: 'month' }),
    ]);
    // The areas are built from finer cells (res 11) than the site's: a site cell is in an area when it holds any of the area's cells (the best-ranked when several).
    const areaOf = new Map<string, { rank: number; name: string }>();
    for (const a of hchh.areas)
      for (const c of a.cells) {
        const cell = getResolution(c) > RESOLUTION ? cellToParent(c, RESOLUTION) : c;
        if (!areaOf.has(cell)) areaOf.set(cell, { rank: a.rank, name: a.name });
      }
    const giIndex = new Map(gi.cells.map((c, i) => [c, i]));
    const emIndex = new Map(emerging.cells.map((c, i) => [c, i]));
    const cells = touched.map((cell) => {
      const i = giIndex.get(cell),
        j = emIndex.get(cell);
      const e = j === undefined ? null : emerging.results[j]!;
      return {
        cell,
        inStudyArea: i !== undefined,
        hchhArea: areaOf.get(cell) ?? null,
        giBin: i === undefined ? null : gi.bins[i]!,
        giZ: i === undefined ? null : round(gi.z[i]!, 4),
        emerging: e ? (e.emerging?.category ?? e.shortSeries ?? null) : null,
      };
    });
    const bins = cells.map((c) => c.giBin).filter((b): b is number => b !== null);
    const nearby = new Map<number, { rank: number; name: string; cells: number }>();
    for (const c of near) {
      const a = areaOf.get(c);
      if (a) nearby.set(a.rank, { ...a, cells: (nearby.get(a.rank)?.cells ?? 0) + 1 });
    }
    return {
      resolution: RESOLUTION,
      cells,
      touchesHchh: cells.some((c) => c.hchhArea !== null),
      maxGiBin: bins.length ? Math.max(...bins) : null,
      hchhAreasWithinRings: [...nearby.values()].sort((a, b) => a.rank - b.rank),
      rules: {
        cells: 'the resolution-9 H3 cells the site outline overlaps (any part)',
        hchh: `default HCHH rule over the period and definition: ${hchh.rule.text} (${hchh.studyArea.basis}); a resolution-${RESOLUTION} cell is in an area when it holds any of the area's cells`,
        gistar: 'Gi* of incident counts, binary k = 1 neighbours, FDR-corrected bins −3…3 (99/95/90 %) over the period',
        emerging:
          emerging.insufficient ?? 'ArcGIS emerging hot spot pattern of the monthly space-time cube over the period (timeStep 1, 95 %, Mann-Kendall at 5 %)',
      },
    };
  }

  /** The LSOAs the site overlaps with their share inside and their IoD 2019 ranks and deciles. */
  private async deprivation(context: AreaDeprivationOf | null) {
    // A drawn outline's context (outlineContexts) lists the LSOAs it overlaps; a boundary's counts them.
    if (!context || !Array.isArray(context.lsoas)) return { method: 'no Indices of Deprivation loaded, or the site overlaps no LSOA', lsoas: [] };
    const all = new Map((await this.areas.geography.deprivation()).map((l) => [l.lsoaCode, l]));
    const lsoas = context.lsoas.map((l) => {
      const d = all.get(l.code);
      return {
        code: l.code,
        name: d?.lsoaName ?? null,
        shareOfLsoaInside: round(l.shareInside, 4),
        imdRank: d?.imdRank ?? null,
        imdDecile: d?.imdDecile ?? null,
        crimeRank: d?.crimeRank ?? null,
        crimeDecile: d?.crimeDecile ?? null,
      };
    });
    return {
      method:
        'English Indices of Deprivation 2019 of the 2011 LSOAs the site overlaps (rank 1 = most deprived of 32,844; decile 1 = most deprived 10 %); means weighted by the residents inside the site',
      meanImdRank: round(context.meanImdRank, 1),
      shareResidentsMostDeprived: round(context.shareResidentsMostDeprived, 4),
      shareResidentsMostDeprivedCrime: round(context.shareResidentsMostDeprivedCrime, 4),
      lsoas,
    };
  }

  /** Snap points (or force-extract locations) within the rings with at least REPEAT_MIN incidents of the definition. */
  private async repeatLocations(
    r: ResolvedParams,
    area: SqlFragment,
    zones: ReviewZone[],
    zoneIndex: (lon: number, lat: number) => number,
    months: Month[],
    total: { incidents: number; harm: number },
  ) {
    const h = Math.floor(months.length / 2);
    const split = { firstHalfEnd: addMonths(months[0]!, h - 1), secondHalfStart: addMonths(months[months.length - 1]!, -(h - 1)) };
    const all = (await this.analysis.incidents.locationTotals(r.filter, split, defaultNightWindow, area)).filter((l) => zoneIndex(l.lon, l.lat) >= 0);
    const result = repeatLocations(all, total, REPEAT_MIN);
    return {
      rule: `locations within the rings with at least ${REPEAT_MIN} incidents of the definition in the period (a data.police.uk snap point, or a force extract's location text), most harm first; first and second half of the period (${months[0]}…${split.firstHalfEnd} and ${split.secondHalfStart}…${months[months.length - 1]})`,
      totals: {
        ...result.totals,
        harm: round(result.totals.harm),
        repeatHarm: round(result.totals.repeatHarm),
        repeatShare: round(result.totals.repeatShare, 4),
        repeatHarmShare: round(result.totals.repeatHarmShare, 4),
      },
      locations: result.locations.slice(0, 20).map((l) => ({
        rank: l.rank,
        location: l.location,
        source: l.source,
        lon: round(l.lon, 6),
        lat: round(l.lat, 6),
        zone: zones[zoneIndex(l.lon, l.lat)]?.label ?? 'outside',
        incidents: l.incidents,
        harm: round(l.harm),
        monthsActive: l.monthsActive,
        firstHalf: l.firstHalf,
        secondHalf: l.secondHalf,
        shareOfIncidents: round(l.shareOfIncidents, 4),
      })),
    };
  }
}
