import fc from 'fast-check';

/**
 * Requests generated from the service's own OpenAPI document: for each operation, arbitraries for its
 * path, query and JSON body built from their JSON schemas, mixed with the hostile values that found
 * 500s before (month 0000-01 and 9999-12, NUL, ids above 2^31, rings of numbers instead of positions,
 * repeated cells, built-in keys). Used by test/hardening/fuzz.test.ts and `npm run bench` (more runs).
 */
type Schema = {
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  default?: unknown;
  minItems?: number;
  maxItems?: number;
  $ref?: string;
};
type Operation = {
  parameters?: { name: string; in: string; required?: boolean; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};
export interface FuzzRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  body?: unknown;
  rawBody?: string;
}

const HOSTILE_STRINGS = [
  '',
  '0000-01',
  '9999-12',
  '2021-13',
  '\u0000',
  '%00',
  "'; DROP TABLE incident; --",
  '<script>alert(1)</script>',
  'merseyside',
  'public-proxy',
  'cchi',
  'count',
  '3000000000',
  '-1',
  '1e309',
  'NaN',
  '../../etc/passwd',
  'x'.repeat(300),
  '8919526a5afffff',
  '89195da49b7ffff,89195da49b7ffff',
  'E08000012',
  '\u202e',
  'true',
];
const HOSTILE_NUMBERS = [0, -1, 1, 2 ** 31, 2 ** 53, 1e308, -0, 0.5, 100, 101, 11, 12, 6];
const CELL = fc.constantFrom('89195da49b7ffff', '8a195da49b77fff', '88195da49bfffff', '8919526a5afffff', 'zz');
const POSITION = fc.tuple(fc.double({ min: -3.2, max: -2.7, noNaN: true }), fc.double({ min: 53.3, max: 53.6, noNaN: true }));
const RING = fc.oneof(
  fc.array(POSITION, { minLength: 0, maxLength: 8 }),
  fc.array(fc.double(), { minLength: 4, maxLength: 4 }),
  fc.constant([
    [-3, 53.4],
    [-3, 53.4],
    [-3, 53.4],
    [-3, 53.4],
  ]),
);
const GEOMETRY = fc.oneof(
  fc.record({ type: fc.constant('Polygon'), coordinates: fc.array(RING, { minLength: 0, maxLength: 2 }) }),
  fc.record({ type: fc.constantFrom('Point', 'MultiPolygon', 'LineString', 'Nonsense'), coordinates: fc.anything({ maxDepth: 3 }) }),
  fc.constant(null),
  fc.string(),
);

function deref(doc: { components?: { schemas?: Record<string, Schema> } }, s: Schema): Schema {
  return s.$ref ? (doc.components?.schemas?.[s.$ref.split('/').pop()!] ?? {}) : s;
}

function arbitraryOf(doc: object, raw: Schema, depth = 0, name = ''): fc.Arbitrary<unknown> {
  const s = deref(doc, raw);
  const hostile = fc.oneof(fc.constantFrom<unknown>(...HOSTILE_STRINGS), fc.constantFrom<unknown>(...HOSTILE_NUMBERS));
  if (name === 'geometry') return GEOMETRY;
  if (name === 'cells' || name === 'cell') return fc.oneof(fc.array(CELL, { maxLength: 6 }), CELL, hostile);
  const alts = s.anyOf ?? s.oneOf;
  if (alts?.length) return fc.oneof(...alts.map((a) => arbitraryOf(doc, a, depth + 1, name)), hostile);
  if (s.enum?.length) return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...s.enum) }, { weight: 1, arbitrary: hostile });
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'integer':
      return fc.oneof(
        { weight: 3, arbitrary: fc.integer({ min: s.minimum ?? -5, max: Math.min(s.maximum ?? 1000, 2 ** 31 + 5) }) },
        { weight: 1, arbitrary: hostile },
      );
    case 'number':
      return fc.oneof({ weight: 3, arbitrary: fc.double({ min: s.minimum ?? -5, max: s.maximum ?? 1000, noNaN: true }) }, { weight: 1, arbitrary: hostile });
    case 'boolean':
      return fc.oneof(fc.boolean(), fc.constantFrom('true', 'false', 'yes'));
    case 'string':
      if (s.pattern?.includes('\\d{4}-'))
        return fc.oneof(
          fc
            .integer({ min: 0, max: 9999 })
            .chain((y) => fc.integer({ min: 0, max: 13 }).map((m) => `${String(y).padStart(4, '0')}-${String(m).padStart(2, '0')}`)),
          fc.constantFrom('2021-08', '2021-09', '2020-12'),
          hostile,
        );
      return fc.oneof(
        { weight: 2, arbitrary: fc.string({ minLength: s.minLength ?? 0, maxLength: Math.min(s.maxLength ?? 40, 80) }) },
        { weight: 2, arbitrary: hostile },
      );
    case 'array':
      if (depth > 3) return fc.constant([]);
      return fc.oneof(fc.array(arbitraryOf(doc, s.items ?? {}, depth + 1, name), { maxLength: 5 }), hostile);
    case 'object': {
      if (depth > 3) return fc.constant({});
      const props = s.properties ?? {};
      const keys = Object.keys(props);
      return fc.oneof(
        {
          weight: 4,
          arbitrary: fc.record(Object.fromEntries(keys.map((k) => [k, arbitraryOf(doc, props[k]!, depth + 1, k)])), {
            requiredKeys: s.required?.filter((k) => keys.includes(k)) ?? [],
          }),
        },
        { weight: 1, arbitrary: fc.oneof(hostile, fc.constant([]), fc.constant({ unexpected: 1 })) },
      );
    }
    default:
      return fc.oneof(hostile, fc.anything({ maxDepth: 2 }), GEOMETRY);
  }
}

const asQueryString = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? ''));

/** One arbitrary per operation of the document, named "METHOD /path". */
export function requestArbitraries(doc: { paths: Record<string, Record<string, Operation>> }): { name: string; arbitrary: fc.Arbitrary<FuzzRequest> }[] {
  const out: { name: string; arbitrary: fc.Arbitrary<FuzzRequest> }[] = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const params = op.parameters ?? [];
      const pathParams = params.filter((x) => x.in === 'path');
      const queryParams = params.filter((x) => x.in === 'query');
      const bodySchema = op.requestBody?.content['application/json']?.schema;
      const raw = op.requestBody?.content['text/csv'];
      const arbitrary = fc
        .record({
          path: fc
            .tuple(...pathParams.map((x) => arbitraryOf(doc, x.schema, 0, x.name)))
            .map((vals) => pathParams.reduce((acc, x, i) => acc.replace(`{${x.name}}`, encodeURIComponent(asQueryString(vals[i]))), p)),
          query: fc.record(Object.fromEntries(queryParams.map((x) => [x.name, arbitraryOf(doc, x.schema, 0, x.name).map(asQueryString)])), {
            requiredKeys: [],
          }),
          extra: fc.option(fc.constantFrom('unknown=1', 'from=0000-01', 'to=9999-12', 'source=%00'), { freq: 4 }),
          body: bodySchema ? arbitraryOf(doc, bodySchema) : fc.constant(undefined),
          rawBody: raw
            ? fc.oneof(fc.string({ maxLength: 200 }), fc.constant('Crime ID,Month\n,2021-01\n'), fc.constant('\u0000\u0001binary'))
            : fc.constant(undefined),
        })
        .map(({ path, query, extra, body, rawBody }) => {
          const q = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as Record<string, string>;
          if (extra) {
            const [k, v] = extra.split('=');
            q[k!] = decodeURIComponent(v!);
          }
          return { method: method.toUpperCase(), path, query: q, ...(body !== undefined ? { body } : {}), ...(rawBody !== undefined ? { rawBody } : {}) };
        });
      out.push({ name: `${method.toUpperCase()} ${p}`, arbitrary });
    }
  }
  return out;
}

/** Sends one generated request; returns the status, the body text and the time taken. */
export async function send(base: string, r: FuzzRequest): Promise<{ status: number; text: string; ms: number }> {
  const url = new URL(base + r.path);
  for (const [k, v] of Object.entries(r.query)) url.searchParams.set(k, v);
  const t0 = Date.now();
  const res = await fetch(url, {
    method: r.method,
    headers: r.rawBody !== undefined ? { 'content-type': 'text/csv' } : r.body !== undefined ? { 'content-type': 'application/json' } : {},
    body: r.rawBody ?? (r.body !== undefined ? JSON.stringify(r.body) : undefined),
  });
  const text = await res.text();
  return { status: res.status, text, ms: Date.now() - t0 };
}

/** A Node or V8 stack frame in an answer: "at fn (file.ts:12:3)". */
export const STACK_TRACE = /\bat .+\.(?:ts|js|mjs|cjs):\d+:\d+|node:internal/;
