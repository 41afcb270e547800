import { execFileSync } from 'node:child_process';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config';
import { rowsOf, type Db } from '../../server/db/connection';
import { filteredCube } from '../../server/db/incidentQueries';
import { ReferenceStore } from '../../server/db/reference';
import { placeForceOnShard, shardServerName } from '../../server/db/shards';
import { importPaths } from '../../server/ingest/importPaths';
import { TEST_SCHEMA, freshDb, onPostgres } from '../support/db';
import { PROXY_CATEGORIES, dataDir, monthFile, readRows } from '../support/data';
import { serveApp } from '../support/server';

// One force's partitions on a shard cluster (scripts/shard-clusters.sh, port 5434) as postgres_fdw
// foreign tables; the coordinator answers both forces, and only the shard's force fails when it is down.
const SHARD_PORT = 5434;
const SHARD_URL = `postgres://postgres@127.0.0.1:${SHARD_PORT}/harmgrid_shard`;
const MERSEYSIDE = 'E23000004';
const LEICESTERSHIRE = 'E23000021';
const leicestershireFile = (m: string) => path.join(dataDir, 'forces', 'leicestershire', 'police', `${m}-leicestershire-street.csv`);
const shardScript = (cmd: string) => execFileSync(path.join(repoRoot, 'scripts', 'shard-clusters.sh'), [cmd, String(SHARD_PORT)], { stdio: 'pipe' }).toString();
const proxyCount = (files: string[]) => files.flatMap((f) => readRows(f)).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!) && r.Longitude).length;

describe.runIf(onPostgres)('a force on a postgres_fdw shard, PostgreSQL', () => {
  let db: Db;
  let app: { url: string; close(): Promise<void> };
  const cells = async (force: string, resolution = 8) => {
    const res = await fetch(`${app.url}/api/cells?resolution=${resolution}&from=2020-01&to=2020-02&force=${force}`);
    const body = (await res.json()) as { incidents?: number[]; error?: { message: string } };
    return { status: res.status, total: body.incidents?.reduce((s, n) => s + n, 0), message: body.error?.message };
  };

  beforeAll(async () => {
    shardScript('start');
    const shard = new pg.Client({ connectionString: SHARD_URL });
    await shard.connect();
    await shard.query(`DROP SCHEMA IF EXISTS ${TEST_SCHEMA} CASCADE`);
    await shard.end();
    db = await freshDb();
    const report = await importPaths(db, [monthFile('2020-01'), leicestershireFile('2020-01')]);
    expect(report.failed).toEqual([]);
    await placeForceOnShard(db, { force: LEICESTERSHIRE, url: SHARD_URL });
    app = await serveApp(db);
  });
  afterAll(async () => {
    shardScript('start');
    await app?.close();
    await db?.destroy();
  });

  it("keeps the force's incidents and cube on the shard and answers both forces as before", async () => {
    const kinds = rowsOf<{ relname: string; relkind: string }>(
      await db.raw(`SELECT relname, relkind::text FROM pg_class
      WHERE relname IN ('incident_e23000021', 'harm_cube_e23000021', 'harm_rollup_e23000021', 'incident_e23000004') AND relnamespace = current_schema()::regnamespace ORDER BY 1`),
    );
    expect(kinds).toEqual([
      { relname: 'harm_cube_e23000021', relkind: 'f' },
      { relname: 'harm_rollup_e23000021', relkind: 'f' },
      { relname: 'incident_e23000004', relkind: 'p' },
      { relname: 'incident_e23000021', relkind: 'f' },
    ]);
    const shard = new pg.Client({ connectionString: SHARD_URL });
    await shard.connect();
    const onShard = (await shard.query(`SELECT count(*)::int AS n FROM ${TEST_SCHEMA}.incident_e23000021`)).rows[0].n;
    await shard.end();
    expect(onShard).toBe(readRows(leicestershireFile('2020-01')).length);
    expect(await cells(LEICESTERSHIRE)).toMatchObject({ status: 200, total: proxyCount([leicestershireFile('2020-01')]) });
    expect(await cells(MERSEYSIDE)).toMatchObject({ status: 200, total: proxyCount([monthFile('2020-01')]) });
    // The national res-7 overview, read from the rollup (the shard's force from its foreign partition).
    expect(await cells('all', 7)).toMatchObject({ status: 200, total: proxyCount([monthFile('2020-01'), leicestershireFile('2020-01')]) });
  });

  it('stores a new import of the force on the shard, cube included, and skips records it already holds', async () => {
    const report = await importPaths(db, [leicestershireFile('2020-02')]);
    expect(report.files[0]).toMatchObject({ status: 'imported', rowsImported: readRows(leicestershireFile('2020-02')).length, rowsDuplicate: 0 });
    expect(await cells(LEICESTERSHIRE)).toMatchObject({ status: 200, total: proxyCount([leicestershireFile('2020-01'), leicestershireFile('2020-02')]) });
    const cube = rowsOf<{ n: number }>(await db.raw(`SELECT sum(incidents)::int AS n FROM harm_cube_e23000021`))[0]!.n;
    expect(cube).toBe(readRows(leicestershireFile('2020-01')).length + readRows(leicestershireFile('2020-02')).length);
    // The shard's trigger keeps its rollup too: key for key the cube's res-11 rows taken to res 7.
    const rollupDiff = await db.raw(`WITH r AS (SELECT cell, month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
        FROM harm_rollup_e23000021 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(incidents) <> 0),
      c AS (SELECT h3_parent(cell, 7) AS cell, month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
        FROM harm_cube_e23000021 GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9 HAVING sum(incidents) <> 0)
      SELECT (SELECT count(*) FROM r)::int AS keys, (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM c UNION ALL (SELECT * FROM c EXCEPT SELECT * FROM r)) d)::int AS diff`);
    expect(rowsOf<{ keys: number; diff: number }>(rollupDiff)[0]).toMatchObject({ diff: 0 });
    expect(rowsOf<{ keys: number }>(rollupDiff)[0]!.keys).toBeGreaterThan(0);
    expect(await cells('all', 7)).toMatchObject({
      status: 200,
      total: proxyCount([monthFile('2020-01'), leicestershireFile('2020-01'), leicestershireFile('2020-02')]),
    });
    // The same records again, through the foreign partition: the shard's identity index skips them all.
    const again = await db.raw(`WITH ins AS (INSERT INTO incident_e23000021 (source, source_ref, month, category, force_code, position_precision)
      SELECT source, source_ref, month, category, force_code, position_precision FROM incident_e23000021 ORDER BY source_ref LIMIT 50
      ON CONFLICT DO NOTHING RETURNING 1) SELECT count(*)::int AS n FROM ins`);
    expect(rowsOf<{ n: number }>(again)[0]!.n).toBe(0);
  });

  it('aggregates on the shard and scans it asynchronously for a national question', async () => {
    const scheme = (await new ReferenceStore(db).schemes())[0]!;
    const q = filteredCube({ from: '2020-01', to: '2020-02', schemeId: scheme.id, definition: { anyOf: [{ weapon: 'any', domestic: 'include' }] } });
    const plan = await db.transaction(async (trx) => {
      await trx.raw('SET LOCAL enable_partitionwise_aggregate = on');
      return rowsOf<{ 'QUERY PLAN': string }>(
        await trx.raw(
          `EXPLAIN (VERBOSE) SELECT i.force_code, sum(i.incidents) FROM harm_cube i WHERE i.month BETWEEN '2020-01-01' AND '2020-02-01' GROUP BY 1`,
        ),
      )
        .map((r) => r['QUERY PLAN'])
        .join('\n');
    });
    expect(plan).toMatch(/Async Foreign Scan/);
    expect(plan).toMatch(/Relations: Aggregate on \(.*harm_cube_e23000021/);
    expect(plan).toMatch(/Remote SQL: SELECT force_code, sum\(incidents\)/);
    expect(q.from).toContain('harm_cube i');
  });

  it('answers 503 naming the force when its shard is down, while the other force answers', async () => {
    shardScript('kill');
    // A change to the data answers read (a definition saved again) ends what the analysis keeps, so the
    // next answers are read afresh (a zone would not: places do not retire the slices, see migration 20261206000010).
    await db('sv_definition').update({ name: db.raw('name') });
    const down = await cells(LEICESTERSHIRE);
    expect(down.status).toBe(503);
    expect(down.message).toContain('Leicestershire (E23000021)');
    expect(down.message).toContain(shardServerName(SHARD_URL));
    expect(down.message).not.toContain('Merseyside');
    const all = await cells('all');
    expect(all.status).toBe(503);
    expect(all.message).toContain('Leicestershire (E23000021)');
    expect(await cells(MERSEYSIDE)).toMatchObject({ status: 200, total: proxyCount([monthFile('2020-01')]) });
    shardScript('start');
    expect(await cells(LEICESTERSHIRE)).toMatchObject({ status: 200, total: proxyCount([leicestershireFile('2020-01'), leicestershireFile('2020-02')]) });
  });
});
