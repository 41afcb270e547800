import { area as turfArea, booleanPointInPolygon, buffer as turfBuffer, difference, feature, featureCollection } from '@turf/turf';
import { countChange, type CountChange } from './countChange';
import { matchesDefinition, type DefinitionRules } from './definitions';
import type { Polygonal } from './geography/places';
import { monthRange, type Month } from './months';

/**
 * The pure pieces of the site review report (designing-out-crime officers, user-needs §4): ring
 * geometry, which ring a position falls in, summaries by category and definition, rates against a
 * comparison area with an exact test, the day-of-week × hour table and the traffic-light rule.
 */

export const DEFAULT_RINGS = [250, 500, 1000];
export const MIN_RING_METRES = 50;
export const MAX_RING_METRES = 2000;

/**
 * Checks ring distances: 1 to 3 whole numbers of metres, each 50–2000, all different; returned ascending.
 * @example checkRings([1000, 250]) // [250, 1000]
 */
export function checkRings(rings: number[]): number[] {
  if (!Array.isArray(rings) || rings.length < 1 || rings.length > 3)
    throw new Error(`rings must be 1 to 3 distances in metres; got ${Array.isArray(rings) ? rings.length : 'none'}`);
  for (const r of rings) {
    if (!Number.isInteger(r) || r < MIN_RING_METRES || r > MAX_RING_METRES)
      throw new Error(`each ring must be a whole number of metres from ${MIN_RING_METRES} to ${MAX_RING_METRES}; got ${r}`);
  }
  const sorted = [...rings].sort((a, b) => a - b);
  if (new Set(sorted).size !== sorted.length) throw new Error(`ring distances must differ; got ${rings.join(', ')}`);
  return sorted;
}

export interface ReviewZone {
  /** 'site', or 'ring-250' for the ring 0–250 m outside the site edge. */
  key: string;
  label: string;
  /** Distance band outside the site edge in metres; null for the site itself. */
  innerMetres: number | null;
  outerMetres: number | null;
  /** The zone's own area: the site, or the annulus between two buffers. */
  geometry: Polygonal;
  /** The site buffered by outerMetres (the site itself for the site). */
  outer: Polygonal;
  areaKm2: number;
}

/**
 * The site and its rings as annuli: ring d₍k₎ holds what lies more than d₍k−1₎ m (0 for the first) and at
 * most d₍k₎ m outside the site's edge, so the site and the rings never overlap and their counts add up
 * to the count within the largest distance. Buffers are turf's geodesic buffers (16 steps a quarter
 * circle, within 2 m of a true 1 km circle), as for site buffers (domain/geography/areaShape).
 * @example siteRings(boldStreetPolygon, [250, 500, 1000]).map((z) => z.label)
 *          // ['site', '0–250 m ring', '250–500 m ring', '500–1000 m ring']
 */
export function siteRings(site: Polygonal, rings: number[]): ReviewZone[] {
  if (site?.type !== 'Polygon' && site?.type !== 'MultiPolygon') throw new Error('siteRings needs the site as a Polygon or MultiPolygon');
  const distances = checkRings(rings);
  const zones: ReviewZone[] = [
    { key: 'site', label: 'site', innerMetres: null, outerMetres: null, geometry: site, outer: site, areaKm2: turfArea(site as never) / 1e6 },
  ];
  let inner: Polygonal = site;
  let innerMetres = 0;
  for (const d of distances) {
    const outer = turfBuffer(feature(site as never), d, { units: 'meters', steps: 16 })?.geometry as Polygonal | undefined;
    if (!outer) throw new Error(`the ${d} m buffer of the site is empty`);
    const ring = difference(featureCollection([feature(outer as never), feature(inner as never)]) as never)?.geometry as Polygonal | undefined;
    if (!ring) throw new Error(`the ${innerMetres}–${d} m ring is empty`);
    zones.push({
      key: `ring-${d}`,
      label: `${innerMetres}–${d} m ring`,
      innerMetres,
      outerMetres: d,
      geometry: ring,
      outer,
      areaKm2: turfArea(ring as never) / 1e6,
    });
    inner = outer;
    innerMetres = d;
  }
  return zones;
}

/**
 * Which zone a position falls in: 0 the site (edge included), k the k-th ring, −1 beyond the last.
 * Tested against the site and the whole buffers in turn (not the annuli), so a point on a shared edge
 * goes to the inner zone exactly once.
 * @example zoneOf(zones, -2.9775, 53.4027) // 0 when the point is inside the site
 */
export function zoneOf(zones: ReviewZone[], lon: number, lat: number): number {
  for (let k = 0; k < zones.length; k++) if (booleanPointInPolygon([lon, lat], zones[k]!.outer as never)) return k;
  return -1;
}

/** Incidents grouped as IncidentStore.reviewGroups returns them (one row per distinct combination). */
export interface IncidentGroup {
  lon: number;
  lat: number;
  month: Month;
  category: string | null;
  offenceCode: string | null;
  knife: boolean | null;
  firearm: boolean | null;
  domestic: boolean | null;
  location: string | null;
  /** UK local day of week (0 = Sunday) and hour; null when the incident has no time. */
  dow: number | null;
  hour: number | null;
  incidents: number;
  harm: number;
}

export interface Tally {
  incidents: number;
  harm: number;
}
export interface PeriodTally {
  current: Tally;
  previous: Tally | null;
}

export interface ZoneSummary {
  total: PeriodTally;
  byCategory: ({ category: string } & PeriodTally)[];
  byDefinition: ({ key: string; name: string } & PeriodTally)[];
  /** Incidents of the chosen definition per month over the previous and current periods. */
  monthly: { month: Month; incidents: number; harm: number; allCrime: number }[];
  topLocations: { location: string; incidents: number; harm: number }[];
}

const add = (t: Tally, g: { incidents: number; harm: number }) => {
  t.incidents += g.incidents;
  t.harm += g.harm;
};

/**
 * Incidents and harm of each zone by category (all recorded crime) and by each serious-violence
 * definition, in the period and the one before, with the monthly series of the chosen definition and
 * the zone's most frequent location texts. Definitions are matched by domain/definitions (the same
 * semantics as the SQL of every other count).
 * @param zoneIndex the zone of each position (zoneOf), −1 outside all
 * @example summariseZones(groups, (lon, lat) => zoneOf(zones, lon, lat), zones.length, defs, 'public-proxy', current, previous)
 */
export function summariseZones(
  groups: IncidentGroup[],
  zoneIndex: (lon: number, lat: number) => number,
  zoneCount: number,
  definitions: { key: string; name: string; rules: DefinitionRules }[],
  chosen: string,
  current: { from: Month; to: Month },
  previous: { from: Month; to: Month } | null,
): ZoneSummary[] {
  if (!Number.isInteger(zoneCount) || zoneCount < 1) throw new Error(`zoneCount must be a whole number ≥ 1; got ${zoneCount}`);
  const chosenDef = definitions.find((d) => d.key === chosen);
  if (!chosenDef) throw new Error(`the chosen definition "${chosen}" is not among the definitions given`);
  const months = monthRange(previous?.from ?? current.from, current.to);
  const zero = (): Tally => ({ incidents: 0, harm: 0 });
  const period = (): PeriodTally => ({ current: zero(), previous: previous ? zero() : null });
  const out = Array.from({ length: zoneCount }, () => ({
    total: period(),
    categories: new Map<string, PeriodTally>(),
    definitions: definitions.map(period),
    monthly: new Map(months.map((m) => [m, { month: m, incidents: 0, harm: 0, allCrime: 0 }])),
    locations: new Map<string, Tally>(),
  }));
  const zoneCache = new Map<string, number>();
  for (const g of groups) {
    const key = `${g.lon},${g.lat}`;
    let k = zoneCache.get(key);
    if (k === undefined) {
      k = zoneIndex(g.lon, g.lat);
      zoneCache.set(key, k);
    }
    if (k < 0 || k >= zoneCount) continue;
    const z = out[k]!;
    const inCurrent = g.month >= current.from && g.month <= current.to;
    const inPrevious = previous !== null && g.month >= previous.from && g.month <= previous.to;
    const m = z.monthly.get(g.month);
    const category = g.category ?? '(none)';
    const classifiable = { category, offenceCode: g.offenceCode, knife: g.knife, firearm: g.firearm, domestic: g.domestic };
    if (m) m.allCrime += g.incidents;
    if (m && matchesDefinition(chosenDef.rules, classifiable)) {
      m.incidents += g.incidents;
      m.harm += g.harm;
    }
    if (!inCurrent && !inPrevious) continue;
    const pick = (p: PeriodTally) => (inCurrent ? p.current : p.previous!);
    add(pick(z.total), g);
    if (!z.categories.has(category)) z.categories.set(category, period());
    add(pick(z.categories.get(category)!), g);
    definitions.forEach((d, i) => {
      if (matchesDefinition(d.rules, classifiable)) add(pick(z.definitions[i]!), g);
    });
    if (inCurrent && g.location) {
      if (!z.locations.has(g.location)) z.locations.set(g.location, zero());
      add(z.locations.get(g.location)!, g);
    }
  }
  return out.map((z) => ({
    total: z.total,
    byCategory: [...z.categories.entries()]
      .map(([category, p]) => ({ category, ...p }))
      .sort((a, b) => b.current.harm - a.current.harm || b.current.incidents - a.current.incidents || a.category.localeCompare(b.category)),
    byDefinition: definitions.map((d, i) => ({ key: d.key, name: d.name, ...z.definitions[i]! })),
    monthly: [...z.monthly.values()],
    topLocations: [...z.locations.entries()]
      .map(([location, t]) => ({ location, ...t }))
      .sort((a, b) => b.incidents - a.incidents || b.harm - a.harm || a.location.localeCompare(b.location))
      .slice(0, 10),
  }));
}

export interface Exposure {
  incidents: number;
  areaKm2: number;
  residents: number | null;
}

export interface RateTest {
  subjectRate: number;
  comparatorRate: number;
  /** subjectRate / comparatorRate; null when the comparator rate is 0. */
  ratio: number | null;
  test: CountChange;
  verdict: 'higher' | 'lower' | 'no significant difference';
}

/**
 * A zone's rate against a comparison area's (ward, district, force), per km² and per 1,000 residents,
 * each with an exact test of whether the difference is more than chance.
 *
 * Rule: the zone's count x over exposure e (km², or residents) is compared with the comparison area's
 * count X over exposure E by the exact conditional Poisson test (domain/countChange, as R's
 * `poisson.test(c(x, X), c(e, E))`): given x + X, x is Binomial(x + X, e / (e + E)) when both areas share
 * one rate. Two-sided at alpha; "higher" or "lower" only when significant. The comparison area is
 * whole (the zone included); the zone pulls the comparison rate towards its own, so the test leans
 * towards "no significant difference". Rates per 1,000 residents only where both have residents.
 * Reference: Przyborowski & Wilenski (1940); user-needs §4 (rates against ward, LA and force).
 * @example compareRate({ incidents: 120, areaKm2: 0.05, residents: 300 }, { incidents: 8000, areaKm2: 4, residents: 27000 })
 *          // perKm2: 2,400 against 2,000 a km², ratio 1.2, p ≈ 0.05
 */
export function compareRate(zone: Exposure, comparator: Exposure, alpha = 0.05): { perKm2: RateTest; perThousandResidents: RateTest | null } {
  for (const [name, v] of [
    ['zone', zone],
    ['comparator', comparator],
  ] as const) {
    if (!Number.isInteger(v.incidents) || v.incidents < 0) throw new Error(`${name}.incidents must be a whole number ≥ 0; got ${v.incidents}`);
    if (!(v.areaKm2 > 0)) throw new Error(`${name}.areaKm2 must be positive; got ${v.areaKm2}`);
  }
  const one = (x: number, e: number, X: number, E: number, scale: number): RateTest => {
    const test = countChange({ before: { count: X, exposure: E }, after: { count: x, exposure: e } }, alpha);
    const subjectRate = (x / e) * scale,
      comparatorRate = (X / E) * scale;
    return {
      subjectRate,
      comparatorRate,
      ratio: comparatorRate > 0 ? subjectRate / comparatorRate : null,
      test,
      verdict: test.direction === 'rise' ? 'higher' : test.direction === 'fall' ? 'lower' : 'no significant difference',
    };
  };
  const perKm2 = one(zone.incidents, zone.areaKm2, comparator.incidents, comparator.areaKm2, 1);
  const residents = zone.residents !== null && zone.residents > 0 && comparator.residents !== null && comparator.residents > 0;
  return { perKm2, perThousandResidents: residents ? one(zone.incidents, zone.residents!, comparator.incidents, comparator.residents!, 1000) : null };
}

export const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

export interface DayHourTable {
  timed: number;
  untimed: number;
  /** rows Monday…Sunday, columns hours 0…23 (UK local time); null when no incident has a time. */
  table: number[][] | null;
  statement: string;
}

/**
 * Day-of-week × hour table of the incidents that carry a time (force extracts), Monday first, UK local
 * time; with a plain statement of how many have no time. data.police.uk publishes the month only, so
 * its incidents never enter the table and the statement says so rather than show an empty grid.
 * @example dayHourTable([{ dow: 5, hour: 23, incidents: 2 }, { dow: null, hour: null, incidents: 40 }])
 *          // timed 2 (table[4][23] = 2), untimed 40
 */
export function dayHourTable(rows: { dow: number | null; hour: number | null; incidents: number }[]): DayHourTable {
  let timed = 0,
    untimed = 0;
  const table = Array.from({ length: 7 }, () => new Array<number>(24).fill(0));
  for (const r of rows) {
    if (r.dow === null || r.hour === null) {
      untimed += r.incidents;
      continue;
    }
    if (!(Number.isInteger(r.dow) && r.dow >= 0 && r.dow <= 6 && Number.isInteger(r.hour) && r.hour >= 0 && r.hour <= 23))
      throw new Error(`dow must be 0–6 and hour 0–23; got ${r.dow}, ${r.hour}`);
    timed += r.incidents;
    table[(r.dow + 6) % 7]![r.hour]! += r.incidents;
  }
  const statement =
    timed === 0
      ? `No day-of-week × hour table: none of these ${untimed.toLocaleString('en-GB')} incidents carries a time. data.police.uk publishes the month of each crime only; a force extract with dates and times gives the table.`
      : untimed === 0
        ? `All ${timed.toLocaleString('en-GB')} incidents carry a time (UK local time).`
        : `${timed.toLocaleString('en-GB')} incidents carry a time and are in the table (UK local time); ${untimed.toLocaleString('en-GB')} have the month only (data.police.uk) and are left out of it.`;
  return { timed, untimed, table: timed ? table : null, statement };
}

export type Light = 'red' | 'amber' | 'green';

export interface TrafficLightInput {
  /** The site's rate per km² of the chosen definition against the district's and the force's. */
  siteVsDistrict: RateTest | null;
  siteVsForce: RateTest | null;
  /** The first ring's rate per km² against the district's. */
  firstRingVsDistrict: RateTest | null;
  /** The site's count now against the period before (exact test); null when that period is not loaded. */
  change: CountChange | null;
  touchesHchh: boolean;
  /** The highest Gi* bin among the cells the site touches (−3…3). */
  maxGiBin: number | null;
}

export const TRAFFIC_LIGHT_RULE =
  "Red: the site touches a High Crime High Harm cell, or its rate per km² is significantly higher than the district's. " +
  "Amber (otherwise): the site touches a Gi* hot cell at 95 % or more (bin ≥ 2), or its rate per km² is significantly higher than the force's, " +
  "or its count rose significantly against the period before, or the first ring's rate per km² is significantly higher than the district's. " +
  'Green: none of these. "Significantly" means the exact conditional Poisson test at the 5 % level, two-sided.';

/**
 * The report's traffic light for the chosen serious-violence definition, by TRAFFIC_LIGHT_RULE (printed
 * beside it), with every condition that fired. Per-km² rates rather than per-resident: sites are often
 * non-residential (user-needs §4), and the hotspot tests are area-based too.
 * @example trafficLight({ touchesHchh: true, ... }) // { light: 'red', reasons: ['touches a High Crime High Harm cell'] }
 */
export function trafficLight(i: TrafficLightInput): { light: Light; rule: string; reasons: string[] } {
  const red: string[] = [],
    amber: string[] = [];
  const pv = (v: number) => (v < 1e-300 ? '< 10⁻³⁰⁰' : `= ${v.toPrecision(2)}`);
  const pct = (t: RateTest) => (t.ratio === null ? '' : ` (${t.ratio.toFixed(1)} times, p ${pv(t.test.pValue)})`);
  if (i.touchesHchh) red.push('the site touches a High Crime High Harm cell');
  if (i.siteVsDistrict?.verdict === 'higher') red.push(`the site's rate per km² is significantly higher than the district's${pct(i.siteVsDistrict)}`);
  if (i.maxGiBin !== null && i.maxGiBin >= 2) amber.push(`the site touches a Gi* hot cell (bin ${i.maxGiBin})`);
  if (i.siteVsForce?.verdict === 'higher') amber.push(`the site's rate per km² is significantly higher than the force's${pct(i.siteVsForce)}`);
  if (i.change?.direction === 'rise') amber.push(`the site's count rose significantly against the period before (p ${pv(i.change.pValue)})`);
  if (i.firstRingVsDistrict?.verdict === 'higher')
    amber.push(`the first ring's rate per km² is significantly higher than the district's${pct(i.firstRingVsDistrict)}`);
  const light: Light = red.length ? 'red' : amber.length ? 'amber' : 'green';
  return { light, rule: TRAFFIC_LIGHT_RULE, reasons: light === 'red' ? [...red, ...amber] : amber };
}

export const CAVEATS = [
  'Positions: data.police.uk moves each crime to a nearby "snap point" (the centre of a street, a public place or commercial premises; each point covers at least eight postal addresses, or none), never the exact address. A site\'s count is the count of crimes snapped to points inside it: crimes on its edge can be snapped outside, and crimes nearby can be snapped in.',
  'Recorded crime reflects recording as well as crime: reporting rates, police activity (e.g. more stop and search finds more weapons possession) and recording practice all change counts.',
  'Months only: data.police.uk gives the month a crime was recorded, not the day or time, so there is no day-of-week × hour analysis from it.',
  'Serious violence is approximated from public categories unless a force extract is loaded (the public-data proxy counts all violence and sexual offences, robbery and weapons possession).',
  'Population: residents from the Indices of Deprivation 2019 (mid-2015), spread evenly over each LSOA (areal weighting); city-centre sites have many visitors and few residents, so per-resident rates there overstate risk: read per-km² rates too.',
];
