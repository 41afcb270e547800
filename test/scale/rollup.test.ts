import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Db } from '../../server/db/connection';
import { IncidentStore, type IncidentFilter } from '../../server/db/incidents';
import { filteredCube } from '../../server/db/incidentQueries';
import { ReferenceStore } from '../../server/db/reference';
import { CellMonthSlice } from '../../server/domain/cube/cellMonthSlice';
import { importPaths } from '../../server/ingest/importPaths';
import { republishIncidentFile } from '../../server/services/republish';
import { dbLabel, freshDb, onPostgres } from '../support/db';
import { dataDir, monthFile, tempDir } from '../support/data';

/**
 * The harm rollup (res-7 cells, migration 20261205000010) against the res-11 harm cube it summarises,
 * on real files of two forces: every question at res 7, 6 and 5 must get the answer the fine cube
 * gives (read with h3_parent over the cube's rows, the path these questions took before), and after
 * an import, a re-publication that withdraws records, a deletion and a compaction the rollup must
 * equal one rebuilt from scratch.
 */
const MERSEYSIDE = 'E23000004';
const LEICESTERSHIRE = 'E23000021';
const leicestershireFile = (m: string) => path.join(dataDir, 'forces', 'leicestershire', 'police', `${m}-leicestershire-street.csv`);
const RESOLUTIONS = [7, 6, 5];

type Row = { cell: string; incidents: number; harm: number; month?: string };
const key = (r: Row) => `${r.cell}|${r.month ?? ''}`;
const sorted = <T extends Row>(rows: T[]) => [...rows].sort((a, b) => key(a).localeCompare(key(b)));

/** Counts equal; harm equal up to the order floating-point sums are taken in (the rollup sums fewer, larger rows). */
function expectSameAnswers(actual: Row[], expected: Row[]): void {
  expect(expected.length).toBeGreaterThan(0);
  expect(sorted(actual).map((r) => [key(r), r.incidents])).toEqual(sorted(expected).map((r) => [key(r), r.incidents]));
  const harm = new Map(expected.map((r) => [key(r), r.harm]));
  for (const r of actual) expect(Math.abs(r.harm - harm.get(key(r))!)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(r.harm)));
}

/** The fine cube's answer per cell (and month) at `resolution`, read over the res-11 rows. */
async function fineCube(db: Db, f: IncidentFilter, resolution: number, byMonth: boolean): Promise<Row[]> {
  const q = filteredCube(f); // res 11: the cube itself
  expect(q.from).toMatch(/^harm_cube i/);
  const r = await db.raw(
    `SELECT to_hex(h3_parent(i.cell, ?)) AS cell${byMonth ? ", to_char(i.month, 'YYYY-MM') AS month" : ''}, sum(${q.n})::int AS incidents,
       sum(${q.harm})::float8 AS harm FROM ${q.from} AND i.cell IS NOT NULL GROUP BY 1${byMonth ? ', 2' : ''} HAVING sum(${q.n}) > 0`,
    [resolution, ...q.bindings],
  );
  return rowsOf<Row>(r);
}

/** The rollup's rows as one row per key (fragments summed), in a comparable order. */
async function rollupKeys(db: Db): Promise<Record<string, unknown>[]> {
  return rowsOf(
    await db.raw(`SELECT force_code, cell::text, month::text, week::text, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
      FROM harm_rollup GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`),
  );
}

/** The same keys counted from the incidents themselves (an independent reference). */
async function incidentKeys(db: Db): Promise<Record<string, unknown>[]> {
  return rowsOf(
    await db.raw(`SELECT force_code, h3_parent(cell, 7)::text AS cell, month::text, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date::text AS week,
      source, category, offence_code, knife, firearm, domestic, count(*)::int AS n
      FROM incident GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`),
  );
}

describe(`harm rollup on ${dbLabel}`, () => {
  let db: Db;
  let store: IncidentStore;
  let filters: IncidentFilter[];

  beforeAll(async () => {
    db = await freshDb();
    const report = await importPaths(db, [monthFile('2019-12'), monthFile('2020-01'), leicestershireFile('2020-01')]);
    expect(report.failed).toEqual([]);
    store = new IncidentStore(db);
    const schemes = await new ReferenceStore(db).schemes();
    const base = { from: '2019-12' as const, to: '2020-01' as const };
    filters = [
      // The national overview: every force, every crime, the first scheme.
      { ...base, schemeId: schemes[0]!.id, definition: { anyOf: [{ weapon: 'any', domestic: 'include' }] } },
      // Serious violence proxy, one force, the last scheme, one month; and a weapon rule.
      {
        from: '2020-01',
        to: '2020-01',
        schemeId: schemes[schemes.length - 1]!.id,
        forces: [MERSEYSIDE],
        definition: { anyOf: [{ categories: ['Violence and sexual offences', 'Robbery', 'Possession of weapons'], weapon: 'none', domestic: 'exclude' }] },
      },
      {
        ...base,
        schemeId: schemes[0]!.id,
        sources: ['data.police.uk'],
        definition: {
          anyOf: [
            { categories: ['Burglary'], weapon: 'any', domestic: 'include' },
            { categories: ['Robbery'], weapon: 'knife_or_firearm', domestic: 'include' },
          ],
        },
      },
    ];
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('holds the same counts as the incidents, in far fewer rows than the cube', async () => {
    expect(await rollupKeys(db)).toEqual(await incidentKeys(db));
    const n = rowsOf<{ cube: number; rollup: number }>(
      await db.raw('SELECT (SELECT count(*) FROM harm_cube)::int AS cube, (SELECT count(*) FROM harm_rollup)::int AS rollup'),
    )[0]!;
    expect(n.rollup).toBeGreaterThan(0);
    expect(n.rollup * 3).toBeLessThan(n.cube);
  });

  it('answers cells and cell-months at res 7, 6 and 5 from the rollup as the fine cube does', async () => {
    for (const f of filters) {
      expect(filteredCube(f, undefined, 7).from).toMatch(/^harm_rollup i/);
      for (const res of RESOLUTIONS) {
        expectSameAnswers(await store.cellTotals(f, res), await fineCube(db, f, res, false));
        expectSameAnswers(await store.cellMonthTotals(f, res), await fineCube(db, f, res, true));
      }
      // Questions that read no cell: totals, months, and the res-7 cells' monthly series.
      const fine = filteredCube(f);
      const ref = rowsOf<{ incidents: number; without: number }>(
        await db.raw(
          `SELECT COALESCE(sum(${fine.n}), 0)::int AS incidents, COALESCE(sum(${fine.n}) FILTER (WHERE i.cell IS NULL), 0)::int AS without FROM ${fine.from}`,
          fine.bindings,
        ),
      )[0]!;
      const totals = await store.totals(f);
      expect([totals.incidents, totals.withoutLocation]).toEqual([ref.incidents, ref.without]);
      const fineMonths = rowsOf<Row>(
        await db.raw(
          `SELECT 'all' AS cell, to_char(i.month, 'YYYY-MM') AS month, sum(${fine.n})::int AS incidents, sum(${fine.harm})::float8 AS harm
           FROM ${fine.from} GROUP BY 2 HAVING sum(${fine.n}) > 0`,
          fine.bindings,
        ),
      );
      expectSameAnswers(
        (await store.monthTotals(f)).map((m) => ({ ...m, cell: 'all' })),
        fineMonths,
      );
      const busiest = (await fineCube(db, f, 7, false)).sort((a, b) => b.incidents - a.incidents)[0]!;
      const series = await store.cellSeries(f, busiest.cell);
      expect(series.map((s) => s.incidents).reduce((a, b) => a + b, 0)).toBe(busiest.incidents);
    }
  });

  it('gives the national overview the same cells from a rollup slice as from a cube slice', async () => {
    const f = filters[0]!;
    const fine = new CellMonthSlice(await store.cellMonthSliceRows(f));
    const coarse = new CellMonthSlice(await store.cellMonthSliceRows(f, 7), 7);
    expect(coarse.cells.length * 10).toBeLessThan(fine.cells.length);
    for (const res of RESOLUTIONS) expectSameAnswers(coarse.totals('2019-12', '2020-01', res), fine.totals('2019-12', '2020-01', res));
    expectSameAnswers(coarse.monthTotals('2020-01', '2020-01', 7), fine.monthTotals('2020-01', '2020-01', 7));
    expect(() => coarse.totals('2019-12', '2020-01', 8)).toThrow(/no finer resolution/);
  });

  it.runIf(onPostgres)('reads only the rollup, one partition a force', async () => {
    const q = filteredCube(filters[0]!, undefined, 7);
    const plan = JSON.stringify(rowsOf<{ 'QUERY PLAN': unknown }>(await db.raw(`EXPLAIN (FORMAT JSON) SELECT sum(${q.n}) FROM ${q.from}`, q.bindings))[0]);
    const scanned = [...plan.matchAll(/"Relation Name":"(harm_(?:cube|rollup)[a-z_0-9]*)"/g)].map((m) => m[1]);
    expect([...new Set(scanned)].sort()).toEqual(
      ['harm_rollup_default', `harm_rollup_${LEICESTERSHIRE.toLowerCase()}`, `harm_rollup_${MERSEYSIDE.toLowerCase()}`].sort(),
    );
  });

  it('stays equal to a rollup rebuilt from scratch after a re-publication, a deletion and a compaction', async () => {
    // A re-publication of January with 40 records withdrawn (the real file less 40 lines).
    const lines = fs.readFileSync(monthFile('2020-01'), 'utf8').split(/\r?\n/);
    const less = path.join(tempDir('harmgrid-rollup-'), '2020-01-merseyside-street.csv');
    fs.writeFileSync(less, [lines[0], ...lines.slice(41)].join('\n'));
    const again = await republishIncidentFile(db, less, { force: MERSEYSIDE });
    expect(again.status).toBe('imported');
    // The same file again stores nothing; a deletion of one category of one force's month.
    expect((await importPaths(db, [leicestershireFile('2020-01')])).failed).toEqual([]);
    const deleted = rowsOf<{ n: number }>(
      await db.raw(`WITH d AS (DELETE FROM incident WHERE force_code = ? AND category = 'Burglary' RETURNING 1) SELECT count(*)::int AS n FROM d`, [
        LEICESTERSHIRE,
      ]),
    )[0]!.n;
    expect(deleted).toBeGreaterThan(0);
    const live = await rollupKeys(db);
    expect(live).toEqual(await incidentKeys(db));
    await store.compactCube('2019-12', '2020-01');
    expect(await rollupKeys(db)).toEqual(live);
    const fragments = rowsOf<{ n: number }>(
      await db.raw(
        'SELECT count(*)::int AS n FROM (SELECT 1 FROM harm_rollup GROUP BY force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic HAVING count(*) > 1) d',
      ),
    )[0]!.n;
    expect(fragments).toBe(0);
    await store.rebuildRollup();
    expect(await rollupKeys(db)).toEqual(live);
    for (const res of RESOLUTIONS) expectSameAnswers(await store.cellTotals(filters[0]!, res), await fineCube(db, filters[0]!, res, false));
  });
});
