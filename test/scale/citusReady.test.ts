import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Db } from '../../server/db/connection';
import { freshDb, onPostgres } from '../support/db';

// The rules Citus puts on a schema distributed by force (README, "Scaling out"), checked on the
// schema the migrations make: every unique index of a distributed table holds the distribution
// column, and no foreign key points at a distributed table or from one to a table that is neither
// distributed nor a reference table.
const DISTRIBUTED = ['incident', 'harm_cube', 'harm_rollup'];
const REFERENCE = [
  'force',
  'harm_scheme',
  'harm_weight',
  'sv_definition',
  'offence_code',
  'boundary',
  'lsoa_deprivation',
  'lsoa_ward_lookup',
  'ward_deprivation_published',
  'import_batch',
  'import_rejection',
  'data_version',
  'zone',
  'site',
  'indicator',
  'aggregate_count',
];

// PostgreSQL only: Citus extends PostgreSQL; PGlite, a single embedded node, keeps its primary key on id.
describe.runIf(onPostgres)('the schema can be distributed by force on Citus, PostgreSQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await freshDb();
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('keeps force_code in every unique index of the incidents and the cube', async () => {
    const r = await db.raw(
      `SELECT c.relname AS "table", i.relname AS "index",
        EXISTS (SELECT 1 FROM unnest(x.indkey) k JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k WHERE a.attname = 'force_code') AS "hasForce"
      FROM pg_index x JOIN pg_class c ON c.oid = x.indrelid JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indisunique AND c.relname = ANY(?::text[]) AND c.relnamespace = current_schema()::regnamespace`,
      [DISTRIBUTED] as never,
    );
    const unique = rowsOf<{ table: string; index: string; hasForce: boolean }>(r);
    expect(unique.map((u) => u.index)).toContain('incident_identity');
    expect(unique.filter((u) => !u.hasForce)).toEqual([]);
  });

  it('has no foreign key into the distributed tables, and theirs point only at reference tables', async () => {
    const r = await db.raw(
      `SELECT f.relname AS "from", t.relname AS "to" FROM pg_constraint k
      JOIN pg_class f ON f.oid = k.conrelid JOIN pg_class t ON t.oid = k.confrelid
      WHERE k.contype = 'f' AND f.relnamespace = current_schema()::regnamespace AND (f.relname = ANY(?::text[]) OR t.relname = ANY(?::text[]))`,
      [DISTRIBUTED, DISTRIBUTED] as never,
    );
    const keys = rowsOf<{ from: string; to: string }>(r);
    expect(keys.filter((k) => DISTRIBUTED.includes(k.to))).toEqual([]);
    expect(keys.filter((k) => !REFERENCE.includes(k.to))).toEqual([]);
    expect(keys).toContainEqual({ from: 'incident', to: 'import_batch' });
  });
});
