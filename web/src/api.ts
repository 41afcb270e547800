import { viewStore } from './state';

/** The public HTTP API, typed as the web app uses it. Every call can be cancelled. */
/** Which force (or forces) an answer is about, as every analysis answer says. */
export interface ForceNamed {
  codes: string[];
  name: string;
}
/** GET /api/forces: one loaded force. */
export interface Force {
  code: string;
  name: string;
  districts: string[];
  incidents: number;
  firstMonth: string | null;
  lastMonth: string | null;
}
export interface Meta {
  force: ForceNamed;
  months: string[];
  defaultDefinition: string;
  defaultScheme: string;
  resolutions: number[];
  defaultResolution: number;
  incidents: number;
}
export interface Definition {
  key: string;
  name: string;
  description: string;
  isProxy: boolean;
  source: string;
}
export interface Scheme {
  key: string;
  name: string;
  unit: string;
  description: string;
}
export interface Described {
  force?: ForceNamed;
  resolution: number;
  from: string;
  to: string;
  monthCount: number;
  definition: { key: string; name: string; isProxy: boolean };
  scheme: { key: string; name: string; unit: string };
  coverage: PeriodCoverage;
}
/** The coverage block of every analysis answer: what of its period is loaded (missing months are unknown, not zero). */
export interface PeriodCoverage {
  from: string;
  to: string;
  complete: boolean;
  missing: string[];
  partial: { month: string; source: string; force: string | null; reasons: string[] }[];
  singleSource: { month: string; force: string | null; sources: string[]; without: string[] }[];
  sources: string[];
  statement: string;
}
export type CoverageStatus = 'loaded' | 'partial' | 'missing';
export interface MonthCoverage {
  month: string;
  status: CoverageStatus;
  incidents: number;
  reasons: string[];
  days: { first: string; last: string } | null;
  missingDistricts: string[];
}
/** GET /api/coverage: every source of the force month by month over the force's span, and the definition's coverage. */
export interface CoverageAnswer {
  force: ForceNamed;
  forces: { force: string | null; span: { first: string; last: string } | null; sources: { source: string; timed: boolean; months: MonthCoverage[] }[] }[];
  districts: { code: string; name: string }[];
  definition: { key: string; name: string };
  coverage: PeriodCoverage;
}
export interface Cells extends Described {
  cells: string[];
  incidents: number[];
  harm: number[];
}
export interface CellsByMonth extends Described {
  months: string[];
  cells: string[];
  incidents: number[][];
  harm: number[][];
  max: { incidents: number; harm: number };
}
export interface Series extends Described {
  cell: string;
  months: string[];
  /** null where a partner's count is withheld by disclosure control ("<5"). */
  incidents: (number | null)[];
  harm: (number | null)[];
}
export interface Gistar extends Described {
  cells: string[];
  value: number[];
  z: number[];
  p: number[];
  bin: number[];
  studyArea: { cells: number; areaKm2: number; basis: string };
}
export interface Emerging extends Described {
  cells: string[];
  category: (string | null)[];
  shortSeries: (string | null)[];
  insufficient: string | null;
  counts: Record<string, number>;
}
export interface HchhFeature {
  type: 'Feature';
  geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: {
    rank: number;
    name: string;
    cells: number;
    cellIds: string[];
    areaKm2: number;
    /** null where a partner's count is withheld by disclosure control ("<5"). */
    incidents: number | null;
    harm: number | null;
    shareOfArea: number;
    shareOfIncidents: number;
    shareOfHarm: number;
    topLocations: { location: string; incidents: number }[];
  };
}
export interface Hchh extends Described {
  type: 'FeatureCollection';
  features: HchhFeature[];
  totals: { areas: number; shareOfArea: number; shareOfHarm: number; shareOfIncidents: number };
  rule: string;
}

export interface Query {
  from: string;
  to: string;
  definition: string;
  scheme: string;
  resolution: number;
}

export class ApiError extends Error {}

/**
 * The operations that take force=, read from the API's own OpenAPI description (method and path
 * pattern), so the app sends the chosen force to every request that can take it and to no other
 * (the others refuse unknown parameters).
 */
let scoped: { method: string; path: RegExp }[] = [];
let scopeLoad: Promise<void> | null = null;
export function loadForceScope(): Promise<void> {
  scopeLoad ??= fetch('/api/openapi.json')
    .then((r) => r.json())
    .then((o: { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }) => {
      scoped = Object.entries(o.paths).flatMap(([p, ops]) =>
        Object.entries(ops)
          .filter(([, op]) => op.parameters?.some((x) => x.in === 'query' && x.name === 'force'))
          .map(([method]) => ({ method: method.toUpperCase(), path: new RegExp(`^${p.replace(/\{[^}/]+\}/g, '[^/]+')}$`) })),
      );
    });
  return scopeLoad;
}

/** The path with the view's force added when the operation takes one (and the path does not name one). */
export function scopedPath(path: string, method = 'GET', force: string = viewStore.get().force): string {
  if (!force) return path;
  const [pathname, search = ''] = path.split('?');
  const params = new URLSearchParams(search);
  if (params.has('force') || !scoped.some((s) => s.method === method && s.path.test(pathname!))) return path;
  params.set('force', force);
  return `${pathname}?${params.toString()}`;
}

async function send(path: string, init: RequestInit = {}): Promise<Response> {
  if (path.startsWith('/api/')) await loadForceScope().catch(() => {});
  return fetch(scopedPath(path, init.method ?? 'GET'), init);
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await send(path, { signal });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError((body as { error?: { message?: string } }).error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

/** The raw answer, for a worker to parse off the main thread; API errors are thrown as getJson does. */
export async function getBuffer(path: string, signal?: AbortSignal): Promise<ArrayBuffer> {
  const res = await send(path, { signal });
  if (!res.ok) {
    const body = await res.json().catch(() => ({}));
    throw new ApiError((body as { error?: { message?: string } }).error?.message ?? `${res.status} ${res.statusText}`);
  }
  return res.arrayBuffer();
}

/** GET /tiles/config: the style to load and what its basemap covers. */
export interface TilesConfig {
  styleUrl: string;
  external: boolean;
  /** osm: the shipped offline layers; pmtiles: an archive the user supplied; style: an organisation's style; none. */
  basemap?: { kind: 'osm' | 'pmtiles' | 'style' | 'none'; bounds: [number, number, number, number] | null };
}
export interface BoundaryProperties {
  code: string;
  name: string;
  kind: string;
  vintage: string;
  districtCode: string | null;
  areaKm2: number;
}
export type Boundaries = GeoJSON.FeatureCollection<GeoJSON.Polygon | GeoJSON.MultiPolygon, BoundaryProperties> & { vintage?: string };

export function qs(q: Partial<Query> & Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}

export interface CountChange {
  rateRatio: number | null;
  percentChange: number | null;
  ci: [number, number] | null;
  pValue: number;
  significant: boolean;
  direction: string;
}
export interface WindowComparison {
  label: string;
  recent: { from: string; to: string; incidents: number };
  earlier: { from: string; to: string; incidents: number } | null;
  test: CountChange | null;
  note: string | null;
}
export interface PhaseStat {
  phase: string;
  from: string;
  to: string;
  months?: number;
  area: { incidents: number; harm: number; perMonth: number };
  comparison: { incidents: number; harm: number; perMonth: number };
  areaChange: CountChange | null;
  relative: ({ ratio?: number | null; ratioOfRateRatios?: number | null } & Record<string, unknown>) | null;
}
/** GET /api/areas/…/statistics, /api/sites/:id/statistics, /api/zones/:id/statistics, POST /api/areas/statistics: the properties. */
export interface AreaStats extends Described {
  area: { kind: string; id: string; name: string; areaKm2: number | null; placeName: string | null; selection: string };
  /** incidents null where a partner's count is withheld by disclosure control ("<5"). */
  totals: { incidents: number | null; harm: number | null; harmUnit: string };
  population: { residents: number; year: string; method: string } | null;
  rate: ({ perThousandPerYear?: number; population: number } & Record<string, unknown>) | null;
  deprivation: Record<string, unknown> | null;
  offenceMix: { category: string; incidents: number; harm: number; shareOfIncidents: number; shareOfHarm: number }[];
  series: { month: string; incidents: number | null; harm: number | null }[];
  change: WindowComparison[];
  phases?: PhaseStat[];
  zone?: PlaceFeature;
}
export interface PlaceFeature {
  type: 'Feature';
  id: number;
  geometry: GeoJSON.Geometry;
  properties: Record<string, unknown> & { name: string };
}
export interface Places {
  type: 'FeatureCollection';
  features: PlaceFeature[];
}
export interface WardDeprivation {
  code: string;
  name: string;
  districtCode: string | null;
  lsoas: number;
  population: number;
  meanImdRank: number;
  shareLsoasMostDeprived: number;
  shareResidentsMostDeprived: number;
}
/** GET /api/deprivation: `available` false with `missing` saying why when no loaded area has figures. */
export interface Deprivation {
  level: string;
  vintage: string | null;
  available: boolean;
  missing: string | null;
  source: string;
  method: string | null;
  caveat: string | null;
  areas: WardDeprivation[];
  areasWithout: { code: string; name: string; reason: string }[];
}
/** GET /api/areas/search: a ward or district with its bounding box [west, south, east, north]. */
export interface AreaHit {
  kind: 'ward' | 'district';
  code: string;
  name: string;
  vintage: string;
  districtCode: string | null;
  bbox: [number, number, number, number];
}

/** JSON to the API (POST, PUT, DELETE); the error message of the API is thrown as it is. */
export async function sendJson<T>(method: 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const res = await send(path, {
    method,
    signal,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? null : JSON.stringify(body),
  });
  const out = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError((out as { error?: { message?: string } }).error?.message ?? `${res.status} ${res.statusText}`);
  return out as T;
}
