import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, rowsOf, type Db } from '../../server/db/connection';
import { IncidentStore, type IncidentFilter } from '../../server/db/incidents';
import { filteredCube } from '../../server/db/incidentQueries';
import { ensurePartitions } from '../../server/db/partitions';
import { ReferenceStore } from '../../server/db/reference';
import { importPaths } from '../../server/ingest/importPaths';
import type { IncidentRow } from '../../server/ingest/incidentRow';
import { TEST_SCHEMA, dbLabel, freshDb, onPostgres } from '../support/db';
import { dataDir, monthFile, readRows } from '../support/data';

// Real files of two forces across a year boundary: Merseyside December 2019 and January 2020,
// Leicestershire January 2020. Partitions follow the data; the cube stays equal to the incidents.
const MERSEYSIDE = 'E23000004';
const LEICESTERSHIRE = 'E23000021';
const leicestershireFile = (m: string) => path.join(dataDir, 'forces', 'leicestershire', 'police', `${m}-leicestershire-street.csv`);

/** Partitions below `table`, as `name: bound`, leaves and sub-partitioned ones alike. */
async function partitionTree(db: Db, table: string): Promise<Record<string, string>> {
  const r = await db.raw(
    `SELECT c.relname AS name, pg_get_expr(c.relpartbound, c.oid) AS bound
    FROM pg_partition_tree(?::regclass) t JOIN pg_class c ON c.oid = t.relid WHERE t.level > 0 ORDER BY 1`,
    [table],
  );
  return Object.fromEntries(rowsOf<{ name: string; bound: string }>(r).map((x) => [x.name, x.bound]));
}

/** The tables a plan reads (its scan nodes), from EXPLAIN (FORMAT JSON). */
function scannedTables(plan: unknown): string[] {
  const out: string[] = [];
  const walk = (n: any) => {
    if (n['Relation Name']) out.push(n['Relation Name']);
    for (const c of n.Plans ?? []) walk(c);
  };
  walk((plan as any)[0].Plan);
  return [...new Set(out)].sort();
}

/** Incidents stored, back as rows to insert again (what a second import of the same records sends). */
async function storedRows(db: Db, where: string, limit: number): Promise<IncidentRow[]> {
  const r = await db.raw(`SELECT source, source_ref, to_char(month, 'YYYY-MM') AS month, category, lon, lat, cell::text AS cell, location,
    lsoa_code, lsoa_name, outcome, position_precision FROM incident WHERE ${where} ORDER BY source_ref LIMIT ${limit}`);
  return rowsOf<any>(r).map((x) => ({
    source: x.source,
    sourceRef: x.source_ref,
    month: x.month,
    occurredAt: null,
    category: x.category,
    offenceCode: null,
    offenceName: null,
    knife: null,
    firearm: null,
    domestic: null,
    lon: x.lon,
    lat: x.lat,
    cell: x.cell,
    location: x.location,
    lsoaCode: x.lsoa_code,
    lsoaName: x.lsoa_name,
    outcome: x.outcome,
    positionPrecision: x.position_precision,
    attributes: null,
  }));
}

async function cubeMismatches(db: Db): Promise<number> {
  const r = await db.raw(`WITH cube AS (SELECT force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
      FROM harm_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0),
    inc AS (SELECT force_code, h3_parent(cell, 11) AS cell, month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date AS week,
      source, category, offence_code, knife, firearm, domestic, count(*)::int AS n FROM incident GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    SELECT count(*)::int AS n FROM (SELECT * FROM cube EXCEPT SELECT * FROM inc UNION ALL (SELECT * FROM inc EXCEPT SELECT * FROM cube)) d`);
  return rowsOf<{ n: number }>(r)[0]!.n;
}

describe(`partitioned incidents and cube on ${dbLabel}`, () => {
  let db: Db;
  const expected = {
    [MERSEYSIDE]: readRows(monthFile('2019-12')).length + readRows(monthFile('2020-01')).length,
    [LEICESTERSHIRE]: readRows(leicestershireFile('2020-01')).length,
  };

  beforeAll(async () => {
    db = await freshDb();
    const report = await importPaths(db, [monthFile('2019-12'), monthFile('2020-01'), leicestershireFile('2020-01')]);
    expect(report.failed).toEqual([]);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('stores every row of each force once, and the cube equals the incidents', async () => {
    const r = await db.raw('SELECT force_code, count(*)::int AS n FROM incident GROUP BY 1 ORDER BY 1');
    expect(Object.fromEntries(rowsOf<{ force_code: string; n: number }>(r).map((x) => [x.force_code, x.n]))).toEqual(expected);
    expect(await cubeMismatches(db)).toBe(0);
  });

  it.runIf(onPostgres)('makes a partition per force and per year of its data as the data arrives', async () => {
    const m = MERSEYSIDE.toLowerCase(),
      l = LEICESTERSHIRE.toLowerCase();
    for (const table of ['incident', 'harm_cube']) {
      expect(await partitionTree(db, table)).toEqual({
        [`${table}_default`]: 'DEFAULT',
        [`${table}_${l}`]: `FOR VALUES IN ('${LEICESTERSHIRE}')`,
        [`${table}_${l}_2020`]: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        [`${table}_${l}_default`]: 'DEFAULT',
        [`${table}_${m}`]: `FOR VALUES IN ('${MERSEYSIDE}')`,
        [`${table}_${m}_2019`]: "FOR VALUES FROM ('2019-01-01') TO ('2020-01-01')",
        [`${table}_${m}_2020`]: "FOR VALUES FROM ('2020-01-01') TO ('2021-01-01')",
        [`${table}_${m}_default`]: 'DEFAULT',
      });
    }
    const leaves = await db.raw(`SELECT (SELECT count(*) FROM incident_${m}_2019)::int AS m2019, (SELECT count(*) FROM incident_default)::int AS d,
      (SELECT count(*) FROM incident_${m}_default)::int AS md`);
    expect(rowsOf(leaves)[0]).toEqual({ m2019: readRows(monthFile('2019-12')).length, d: 0, md: 0 });
  });

  it.runIf(onPostgres)("answers a force's period from that force's year only (EXPLAIN of the product's cube query)", async () => {
    const scheme = (await new ReferenceStore(db).schemes())[0]!;
    const filter: IncidentFilter = {
      from: '2020-01' as const,
      to: '2020-01' as const,
      schemeId: scheme.id,
      definition: { anyOf: [{ weapon: 'any', domestic: 'include' }] },
      forces: [MERSEYSIDE],
    };
    const q = filteredCube(filter);
    const plan = rowsOf<{ 'QUERY PLAN': unknown }>(await db.raw(`EXPLAIN (FORMAT JSON) SELECT sum(${q.n}) FROM ${q.from}`, q.bindings))[0]!['QUERY PLAN'];
    // The year's partition only: the other year, the other force and the default partitions (whose
    // bounds exclude 2020 once 2020 has its own) are pruned at plan time.
    expect(scannedTables(plan).filter((t) => t.startsWith('harm_cube'))).toEqual([`harm_cube_${MERSEYSIDE.toLowerCase()}_2020`].sort());
    const national = rowsOf<{ 'QUERY PLAN': unknown }>(
      await db.raw(
        `EXPLAIN (FORMAT JSON) SELECT sum(${q.n}) FROM ${filteredCube({ ...filter, forces: undefined }).from}`,
        filteredCube({ ...filter, forces: undefined }).bindings,
      ),
    )[0]!['QUERY PLAN'];
    expect(scannedTables(national).filter((t) => t.startsWith('harm_cube'))).toEqual(
      ['harm_cube_default', `harm_cube_${LEICESTERSHIRE.toLowerCase()}_2020`, `harm_cube_${MERSEYSIDE.toLowerCase()}_2020`].sort(),
    );
  });

  it.runIf(onPostgres)("does not hold up another schema's partition making while it makes its own (the lock is the schema's)", async () => {
    // A second deployment in another schema of the same database, migrated like the first.
    const otherSchema = `${TEST_SCHEMA}_other`;
    await db.raw(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
    await db.raw(`CREATE SCHEMA ${otherSchema}`);
    const other = openDb({ databaseUrl: process.env.DATABASE_URL, schema: otherSchema });
    try {
      await migrate(other);
      const undo = new Error('undo: this test keeps nothing it made');
      const holding = db.transaction(async (trx) => {
        // This schema makes a partition and keeps its transaction (and the lock) open ...
        expect(await ensurePartitions(trx, 'E23000001', ['2021-03'])).toBeGreaterThan(0);
        // ... while the other schema makes its own, within a statement timeout that a shared lock would exceed.
        const made = await other.transaction(async (o) => {
          await o.raw("SET LOCAL statement_timeout = '5s'");
          return ensurePartitions(o, 'E23000001', ['2021-03']);
        });
        expect(made).toBeGreaterThan(0);
        throw undo;
      });
      await expect(holding).rejects.toBe(undo);
    } finally {
      await other.destroy();
      await db.raw(`DROP SCHEMA IF EXISTS ${otherSchema} CASCADE`);
    }
  });

  it('skips records already stored for the force and month, and keeps the same reference in another month apart', async () => {
    const store = new IncidentStore(db);
    const again = await storedRows(db, `force_code = '${MERSEYSIDE}' AND source_ref NOT LIKE 'derived:%'`, 200);
    expect(again).toHaveLength(200);
    const result = await db.transaction(async (trx) => ({
      same: await store.insert(trx, again, 1, MERSEYSIDE),
      // The same Crime IDs filed in another force are other records (IDs are each force's own).
      otherForce: await store.insert(trx, again.slice(0, 10), 1, LEICESTERSHIRE),
      // Identity holds the month: a record re-dated into 2021 is stored in 2021 (README, "Scaling out").
      otherMonth: await store.insert(
        trx,
        again.slice(0, 5).map((r) => ({ ...r, month: '2021-06' })),
        1,
        MERSEYSIDE,
      ),
    }));
    expect(result).toEqual({ same: 0, otherForce: 10, otherMonth: 5 });
    expect(await cubeMismatches(db)).toBe(0);
    await db.raw(`DELETE FROM incident WHERE import_id = 1 AND (force_code = ? OR month = '2021-06-01')`, [LEICESTERSHIRE]);
    await db.raw(`DELETE FROM incident WHERE force_code = ? AND month = '2021-06-01'`, [MERSEYSIDE]);
    expect(await cubeMismatches(db)).toBe(0);
  });

  it('skips a record stored unassigned to a force when it comes again with its force', async () => {
    const store = new IncidentStore(db);
    const rows = (await storedRows(db, `force_code = '${LEICESTERSHIRE}' AND source_ref NOT LIKE 'derived:%'`, 20)).map((r) => ({
      ...r,
      source: 'force-extract',
    }));
    const result = await db.transaction(async (trx) => ({
      unassigned: await store.insert(trx, rows, 1, null),
      unassignedAgain: await store.insert(trx, rows, 1, null),
      withForce: await store.insert(trx, rows, 1, LEICESTERSHIRE),
    }));
    expect(result).toEqual({ unassigned: 20, unassignedAgain: 0, withForce: 0 });
    await db.raw(`DELETE FROM incident WHERE source = 'force-extract'`);
    expect(await cubeMismatches(db)).toBe(0);
  });

  it.runIf(onPostgres)('keeps rows that arrive before their partition in the default one, and moves them in when it is made', async () => {
    const m = MERSEYSIDE.toLowerCase();
    // Real rows re-dated into a year that has no partition, written past the store (as a script would).
    await db.raw(
      `INSERT INTO incident (source, source_ref, month, category, lon, lat, cell, force_code, position_precision)
      SELECT source, source_ref, '2017-03-01', category, lon, lat, cell, force_code, position_precision FROM incident
      WHERE force_code = ? AND month = '2019-12-01' ORDER BY source_ref LIMIT 300`,
      [MERSEYSIDE],
    );
    const inDefault = await db.raw(
      `SELECT (SELECT count(*) FROM incident_${m}_default)::int AS i, (SELECT sum(incidents) FROM harm_cube_${m}_default)::int AS c`,
    );
    expect(rowsOf(inDefault)[0]).toEqual({ i: 300, c: 300 });
    expect(await ensurePartitions(db, MERSEYSIDE, ['2017-03'])).toBe(2);
    const moved = await db.raw(`SELECT (SELECT count(*) FROM incident_${m}_default)::int AS d, (SELECT count(*) FROM incident_${m}_2017)::int AS i,
      (SELECT sum(incidents) FROM harm_cube_${m}_2017)::int AS c`);
    expect(rowsOf(moved)[0]).toEqual({ d: 0, i: 300, c: 300 });
    expect(await cubeMismatches(db)).toBe(0);
    await db.raw(`DELETE FROM incident WHERE month = '2017-03-01'`);
    expect(await cubeMismatches(db)).toBe(0);
  });
});
