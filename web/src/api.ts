/** The public HTTP API, typed as the web app uses it. Every call can be cancelled. */
export interface Meta { months: string[]; defaultDefinition: string; defaultScheme: string; resolutions: number[]; defaultResolution: number; incidents: number }
export interface Definition { key: string; name: string; description: string; isProxy: boolean; source: string }
export interface Scheme { key: string; name: string; unit: string; description: string }
export interface Described {
  resolution: number; from: string; to: string; monthCount: number;
  definition: { key: string; name: string; isProxy: boolean };
  scheme: { key: string; name: string; unit: string };
}
export interface Cells extends Described { cells: string[]; incidents: number[]; harm: number[] }
export interface CellsByMonth extends Described { months: string[]; cells: string[]; incidents: number[][]; harm: number[][]; max: { incidents: number; harm: number } }
export interface Series extends Described { cell: string; months: string[]; incidents: number[]; harm: number[] }
export interface Gistar extends Described { cells: string[]; value: number[]; z: number[]; p: number[]; bin: number[]; studyArea: { cells: number; areaKm2: number; basis: string } }
export interface Emerging extends Described { cells: string[]; category: (string | null)[]; shortSeries: (string | null)[]; insufficient: string | null; counts: Record<string, number> }
export interface HchhFeature {
  type: 'Feature'; geometry: { type: 'MultiPolygon'; coordinates: number[][][][] };
  properties: { rank: number; name: string; cells: number; cellIds: string[]; areaKm2: number; incidents: number; harm: number; shareOfArea: number; shareOfIncidents: number; shareOfHarm: number; topLocations: { location: string; incidents: number }[] };
}
export interface Hchh extends Described { type: 'FeatureCollection'; features: HchhFeature[]; totals: { areas: number; shareOfArea: number; shareOfHarm: number; shareOfIncidents: number }; rule: string }

export interface Query { from: string; to: string; definition: string; scheme: string; resolution: number }

export class ApiError extends Error {}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(path, { signal });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new ApiError((body as { error?: { message?: string } }).error?.message ?? `${res.status} ${res.statusText}`);
  return body as T;
}

export function qs(q: Partial<Query> & Record<string, string | number | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined && v !== '') p.set(k, String(v));
  return p.toString();
}
