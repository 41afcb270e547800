import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, rowsOf, type Db } from '../../server/db/connection';
import { seedBuiltins } from '../../server/db/seed';
import { importPaths, type ImportReport } from '../../server/ingest/importPaths';
import { TEST_SCHEMA, dbLabel, onPostgres } from '../support/db';
import { dataDir, harmDir, monthFile, readRows, tempDir } from '../support/data';

/**
 * The bulk load into an empty store (one transaction, summaries and indexes made at the end) against
 * the file-by-file import of the same real files into another empty store: incidents, harm cube,
 * harm rollup, coverage, per-force summary, import log, indexes, key and triggers must come out the same. One file
 * of the batch is broken: it is rejected with its line and field, and the others still load. One more repeats 200
 * rows of a month already in the batch beside 100 new ones: the bulk load's straight copy meets the stored rows
 * and that file takes the usual path, so its repeats count as duplicates as they do file by file.
 */
const MONTHS = ['2019-07', '2019-08', '2019-09', '2020-01'];
const tmp = tempDir('harmgrid-bulk-');
const broken = path.join(tmp, '2019-10-broken-street.csv');
const overlap = path.join(tmp, '2019-08-overlap-street.csv');
const REPEATED = 200;
const NEW_ROWS = 100;

async function fresh(schema: string): Promise<Db> {
  if (onPostgres) {
    const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
    await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.raw(`CREATE SCHEMA ${schema}`);
    await admin.destroy();
  }
  const db = openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: 'memory', schema });
  await migrate(db);
  await seedBuiltins(db);
  return db;
}

const unqualified = (rows: Record<string, unknown>[]): Record<string, unknown>[] =>
  rows.map((r) => ({ ...r, def: String(r.def).replace(/ ON (ONLY )?\S+\./, ' ON $1') }));

/** Everything a load leaves behind, in a comparable order. */
async function contents(db: Db) {
  const q = async (sql: string) => rowsOf<Record<string, unknown>>(await db.raw(sql));
  return {
    incidents: await q(`SELECT source, source_ref, month::text, occurred_at::text, category, offence_code, knife, firearm, domestic, lon, lat, cell::text,
      location, lsoa_code, lsoa_name, outcome, position_precision, attributes::text, import_id, force_code, district_code, ward_code, ward_vintage,
      lsoa_tagged, lsoa_vintage, in_study_area FROM incident ORDER BY source, source_ref, month`),
    cube: await q(`SELECT force_code, cell::text, month::text, week::text, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
      FROM harm_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`),
    rollup: await q(`SELECT force_code, cell::text, month::text, week::text, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
      FROM harm_rollup GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`),
    coverage: await q(`SELECT import_id, force_code, source, month::text, district_code, day::text, incidents FROM coverage_count ORDER BY 1, 2, 3, 4, 5, 6`),
    forceMonths: await q(`SELECT force_code, source, month::text, incidents FROM force_month ORDER BY 1, 2, 3`),
    imports: await q(`SELECT id, file_name, status, rows_total, rows_imported, rows_duplicate, rows_rejected, force_code FROM import_batch ORDER BY id`),
    boundaryForces: await q(`SELECT code, force_code FROM boundary WHERE kind = 'district' ORDER BY 1`),
    // Of the incidents and (PostgreSQL) every partition of them, with the schema's name left out.
    indexes: unqualified(
      await q(`SELECT t.relname AS on, c.relname AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
      JOIN pg_class t ON t.oid = i.indrelid WHERE t.relname LIKE 'incident%' AND t.relnamespace = current_schema()::regnamespace ORDER BY 1, 2`),
    ),
    keys: unqualified(
      await q(`SELECT t.relname AS on, conname AS name, pg_get_constraintdef(k.oid) AS def FROM pg_constraint k JOIN pg_class t ON t.oid = k.conrelid
      WHERE t.relname LIKE 'incident%' AND t.relnamespace = current_schema()::regnamespace AND contype = 'f' ORDER BY 1, 2`),
    ),
    triggers: await q(`SELECT tgname AS name, tgenabled::text AS enabled FROM pg_trigger WHERE tgrelid = 'incident'::regclass AND NOT tgisinternal ORDER BY 1`),
  };
}

describe(`bulk load into an empty store on ${dbLabel}`, () => {
  let bulk: Db;
  let byFile: Db;
  const logged: string[] = [];
  let bulkReport: ImportReport;
  let fileReport: ImportReport;
  const files = () => [
    harmDir,
    path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'),
    path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'),
    ...MONTHS.map(monthFile),
    broken,
    overlap,
  ];

  beforeAll(async () => {
    const lines = fs.readFileSync(monthFile('2019-10'), 'utf8').split(/\r?\n/);
    lines[41] = lines[41]!.replace(/,2019-10,/, ',October,');
    fs.writeFileSync(broken, lines.join('\n'));
    // 2019-10 is otherwise only in the broken file (rejected), so its rows here (past the broken one) are new.
    const august = fs.readFileSync(monthFile('2019-08'), 'utf8').split(/\r?\n/);
    fs.writeFileSync(overlap, [...august.slice(0, 1 + REPEATED), ...lines.slice(100, 100 + NEW_ROWS)].join('\n'));
    bulk = await fresh(TEST_SCHEMA);
    byFile = await fresh(`${TEST_SCHEMA}_byfile`);
    bulkReport = await importPaths(bulk, files(), (l) => logged.push(l));
    fileReport = await importPaths(byFile, files(), () => {}, undefined, { bulk: false });
  }, 600_000);
  afterAll(async () => {
    await bulk?.destroy();
    await byFile?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
    if (onPostgres) {
      const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
      await admin.raw(`DROP SCHEMA IF EXISTS ${TEST_SCHEMA}_byfile CASCADE`);
      await admin.destroy();
    }
  });

  it('loads in one transaction and says so, building the cube and indexes at the end', () => {
    expect(logged.some((l) => /^bulk {3}the store is empty: loading \d+ files in one transaction/.test(l))).toBe(true);
    expect(logged.some((l) => /^bulk {3}built the harm cube from the incidents in/.test(l))).toBe(true);
    expect(logged.some((l) => /^bulk {3}committing 5 files/.test(l))).toBe(true);
  });

  it('rejects the broken file naming its line and field, and stores every other file whole', async () => {
    const rejected = bulkReport.files.find((f) => f.fileName === path.basename(broken))!;
    expect(rejected.status).toBe('rejected');
    expect(rejected.rejections).toEqual([expect.objectContaining({ line: 42, field: 'Month', value: 'October' })]);
    const perMonth = new Map(
      rowsOf<{ m: string; n: number }>(await bulk.raw(`SELECT to_char(month, 'YYYY-MM') AS m, count(*)::int AS n FROM incident GROUP BY 1`)).map((r) => [
        r.m,
        r.n,
      ]),
    );
    expect(Object.fromEntries(perMonth)).toEqual({ ...Object.fromEntries(MONTHS.map((m) => [m, readRows(monthFile(m)).length])), '2019-10': NEW_ROWS });
    expect(bulkReport.files.find((f) => f.fileName === path.basename(overlap))).toMatchObject({
      status: 'imported',
      rowsImported: NEW_ROWS,
      rowsDuplicate: REPEATED,
    });
    expect(bulkReport.files.map((f) => [f.fileName, f.status, f.rowsImported, f.rowsDuplicate])).toEqual(
      fileReport.files.map((f) => [f.fileName, f.status, f.rowsImported, f.rowsDuplicate]),
    );
  });

  it('leaves the same incidents, cube, coverage, summary, import log, indexes, key and triggers as the file-by-file import', async () => {
    const [a, b] = [await contents(bulk), await contents(byFile)];
    expect(a.incidents.length).toBe(MONTHS.reduce((s, m) => s + readRows(monthFile(m)).length, 0) + NEW_ROWS);
    expect(a.cube.reduce((s, r) => s + (r.n as number), 0)).toBe(a.incidents.length);
    expect(a.rollup.reduce((s, r) => s + (r.n as number), 0)).toBe(a.incidents.length);
    expect(a.keys.filter((k) => k.on === 'incident')).toHaveLength(1);
    expect(a.triggers.every((t) => t.enabled === 'O')).toBe(true);
    for (const k of Object.keys(a) as (keyof typeof a)[]) expect(a[k], k).toEqual(b[k]);
  });

  it('imports into the loaded store file by file again: the restored triggers keep the cube exact', async () => {
    const report = await importPaths(bulk, [monthFile('2020-02')], (l) => logged.push(l));
    expect(report.files[0]).toMatchObject({ status: 'imported', rowsImported: readRows(monthFile('2020-02')).length });
    const { cube, rollup, incidents } = await contents(bulk);
    expect(cube.reduce((s, r) => s + (r.n as number), 0)).toBe(incidents.length);
    expect(rollup.reduce((s, r) => s + (r.n as number), 0)).toBe(incidents.length);
  });
});
