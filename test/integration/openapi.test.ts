import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { dbLabel, freshDb } from '../support/db';
import { serveApp } from '../support/server';

type Schema = Record<string, unknown>;

/** Keywords that say what a JSON Schema accepts; a schema with none of them accepts anything (z.any(), z.unknown()). */
const SHAPING = ['type', 'properties', 'items', 'prefixItems', 'oneOf', 'anyOf', 'allOf', '$ref', 'enum', 'const', 'not'];

/** Every place under `schema` (refs followed once each) where a schema says nothing of its shape, by JSON path. */
function shapelessSchemas(schema: Schema, components: Record<string, Schema>, at: string, seen = new Set<string>()): string[] {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.replace('#/components/schemas/', '');
    if (seen.has(name)) return [];
    seen.add(name);
    const target = components[name];
    return target ? shapelessSchemas(target, components, `${at} → ${name}`, seen) : [`${at}: $ref to a missing component ${name}`];
  }
  const out: string[] = SHAPING.some((k) => k in schema) ? [] : [at];
  const visit = (s: unknown, where: string) => {
    if (s && typeof s === 'object') out.push(...shapelessSchemas(s as Schema, components, where, seen));
  };
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Schema>)) visit(v, `${at}.${k}`);
  const each = (list: unknown, where: (i: number) => string) => {
    if (Array.isArray(list)) list.forEach((s, i) => void visit(s, where(i)));
  };
  if (Array.isArray(schema.items)) each(schema.items, (i) => `${at}[${i}]`);
  else visit(schema.items, `${at}[]`);
  each(schema.prefixItems, (i) => `${at}[${i}]`);
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) each(schema[k], (i) => `${at}<${k} ${i}>`);
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') visit(schema.additionalProperties, `${at}{*}`);
  return out;
}

describe(`the OpenAPI document on ${dbLabel}`, () => {
  let db: Db;
  let app: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    db = await freshDb();
    app = await serveApp(db);
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('describes every JSON answer: no response schema, at any depth, accepts anything', async () => {
    const doc = (await (await fetch(`${app.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: Schema }> }> }>>;
      components: { schemas: Record<string, Schema> };
    };
    const problems: string[] = [];
    let answers = 0;
    for (const [path, ops] of Object.entries(doc.paths))
      for (const [method, op] of Object.entries(ops))
        for (const [status, r] of Object.entries(op.responses))
          for (const [type, c] of Object.entries(r.content ?? {})) {
            if (status === '200' && /json/.test(type)) answers++;
            problems.push(...shapelessSchemas(c.schema, doc.components.schemas, `${method.toUpperCase()} ${path} ${status} ${type}`));
          }
    expect(answers).toBeGreaterThan(60);
    expect(problems).toEqual([]);
  });

  it('the walker finds an untyped schema where there is one', () => {
    const components = { Loose: { type: 'object', properties: { rules: { description: 'anything' } } } };
    expect(shapelessSchemas({ type: 'array', items: { $ref: '#/components/schemas/Loose' } }, components, 'answer')).toEqual(['answer[] → Loose.rules']);
    expect(shapelessSchemas({ type: 'object', additionalProperties: {} }, {}, 'answer')).toEqual(['answer{*}']);
    expect(shapelessSchemas({ anyOf: [{ type: 'string' }, {}] }, {}, 'answer')).toEqual(['answer<anyOf 1>']);
  });
});
