import { viewStore } from './state';

/**
 * The public HTTP API. Its answers are typed by the server's own response schemas (the zod schemas
 * the API validates every answer against and generates /api/openapi.json from), imported as types
 * only, so no server code reaches the bundle. Every call can be cancelled.
 */
import type { z } from 'zod';
import type { Boundaries, Deprivation as DeprivationAnswer } from '../../server/http/routes/geography';
import type { cellsByMonthResponse, cellsResponse, hchhResponse, seriesResponse } from '../../server/http/routes/hotspots';
import type { AreaStatistics, SiteFeature, ZoneFeature, siteCollection, zoneCollection } from '../../server/http/areaSchemas';
import type { Meta } from '../../server/http/routes/meta';
import type { MonthCoverage } from '../../server/http/coverageSchemas';

export type { Force, Meta } from '../../server/http/routes/meta';
export type { Definition, Scheme } from '../../server/http/routes/reference';
export type { CoverageAnswer } from '../../server/http/routes/coverage';
export type { MonthCoverage, PeriodCoverage } from '../../server/http/coverageSchemas';
export type { Emerging, Gistar } from '../../server/http/routes/statistics';
export type { AreaHit, Boundaries } from '../../server/http/routes/geography';
export type { CountChange, Described } from '../../server/http/schemas';
export type { WindowComparison } from '../../server/http/areaSchemas';

/** Which force (or forces) an answer is about, as every analysis answer says. */
export type ForceNamed = Meta['force'];
export type CoverageStatus = MonthCoverage['status'];
export type Hchh = z.infer<typeof hchhResponse>;
export type HchhFeature = Hchh['features'][number];
/** GET /api/areas/…/statistics, /api/sites/:id/statistics, /api/zones/:id/statistics, POST /api/areas/statistics: the properties. */
export type AreaStats = AreaStatistics;
export type PhaseStat = NonNullable<AreaStats['phases']>[number];
export type { SiteFeature, ZoneFeature } from '../../server/http/areaSchemas';
/** A stored zone or site as a GeoJSON Feature. */
export type PlaceFeature = ZoneFeature | SiteFeature;
/** GET /api/zones. */
export type Zones = z.infer<typeof zoneCollection>;
/** GET /api/sites. */
export type Sites = z.infer<typeof siteCollection>;
export type BoundaryProperties = Boundaries['features'][number]['properties'];
/** GET /api/deprivation: `available` false with `missing` saying why when no loaded area has figures. */
export type Deprivation = DeprivationAnswer;
export type WardDeprivation = Deprivation['areas'][number];

/** GET /api/cells: parallel arrays, highest harm first. */
export type Cells = z.infer<typeof cellsResponse>;
/** GET /api/cells/by-month: matrices indexed [month][cell]. */
export type CellsByMonth = z.infer<typeof cellsByMonthResponse>;
/** GET /api/cells/:cell/series: one value per month, zeros included. */
export type Series = z.infer<typeof seriesResponse>;

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

export function qs(q: Partial<Query> & Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
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
