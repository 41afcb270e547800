import path from 'node:path';
import { cellToParent, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Knex } from 'knex';
import type { Db } from '../../server/db/connection';
import { ForceStore } from '../../server/db/forces';
import { rowsOf } from '../../server/db/connection';
import { importPaths } from '../../server/ingest/importPaths';
import { dbLabel, freshDb } from '../support/db';
import { PROXY_CATEGORIES, dataDir, harmDir, monthFile, readRows, zoneRow } from '../support/data';
import { serveApp } from '../support/server';

// Two real forces in one instance: three months of each force's data.police.uk files and their
// ONS boundaries, as published. Counts are checked against the CSV files read independently.
const MONTHS = ['2020-01', '2020-02', '2020-03'];
const leicestershireFile = (m: string) => path.join(dataDir, 'forces', 'leicestershire', 'police', `${m}-leicestershire-street.csv`);
const MERSEYSIDE = 'E23000004';
const LEICESTERSHIRE = 'E23000021';
const MERSEYSIDE_PLACES = /Merseyside|Liverpool|Knowsley|Sefton|Wirral|St Helens|Birkenhead|Bootle/;
const LEICESTERSHIRE_PLACES = /Leicestershire|Leicester|Rutland|Charnwood|Blaby|Harborough|Hinckley|Melton|Oadby/;

const cellOf = (r: Record<string, string>, res: number) => cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), res);

describe(`two forces in one instance on ${dbLabel}`, () => {
  let db: Db;
  let app: { url: string; close(): Promise<void> };
  const get = async (p: string) => {
    const res = await fetch(app.url + p);
    return { status: res.status, body: (await res.json()) as any, text: '' };
  };
  const proxyRows = (files: string[]) => files.flatMap((f) => readRows(f)).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!) && r.Longitude);

  beforeAll(async () => {
    db = await freshDb();
    const report = await importPaths(db, [
      harmDir,
      path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'),
      path.join(dataDir, 'boundaries', 'merseyside-wards-2019.geojson'),
      path.join(dataDir, 'forces', 'leicestershire', 'boundaries', 'leicestershire-lad.geojson'),
      path.join(dataDir, 'forces', 'leicestershire', 'boundaries', 'leicestershire-wards-2019.geojson'),
      ...MONTHS.map(monthFile),
      ...MONTHS.map(leicestershireFile),
    ]);
    expect(report.failed).toEqual([]);
    // The tests check answers, not speed: the first HCHH answer of Leicestershire builds its res-11 study
    // area (1.3 million cells, about 14 s of CPU), which a loaded machine can stretch past the 30 s limit.
    process.env.HARMGRID_REQUEST_TIMEOUT_S = '240';
    app = await serveApp(db);
    delete process.env.HARMGRID_REQUEST_TIMEOUT_S;
  });
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
  });

  it('registers each force with its own districts, from the incidents inside them', async () => {
    const { body } = await get('/api/forces');
    const byCode = new Map(body.forces.map((f: any) => [f.code, f]));
    expect([...byCode.keys()].sort()).toEqual([MERSEYSIDE, LEICESTERSHIRE]);
    expect((byCode.get(MERSEYSIDE) as any).districts).toEqual(['E08000011', 'E08000012', 'E08000013', 'E08000014', 'E08000015']);
    expect((byCode.get(LEICESTERSHIRE) as any).districts).toEqual([
      'E06000016',
      'E06000017',
      'E07000129',
      'E07000130',
      'E07000131',
      'E07000132',
      'E07000133',
      'E07000134',
      'E07000135',
    ]);
    expect((byCode.get(LEICESTERSHIRE) as any).incidents).toBe(MONTHS.reduce((s, m) => s + readRows(leicestershireFile(m)).length, 0));
  });

  it('asks which force when several are loaded and none is named', async () => {
    const res = await get('/api/hchh?resolution=9');
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/2 forces are loaded; choose one with force= \(E23000021 Leicestershire, E23000004 Merseyside\) or force=all/);
  });

  it('answers each force from its own incidents only, exactly as the files say', async () => {
    for (const [code, files] of [
      [MERSEYSIDE, MONTHS.map(monthFile)],
      [LEICESTERSHIRE, MONTHS.map(leicestershireFile)],
    ] as const) {
      const rows = proxyRows([...files]);
      const expected = new Map<string, number>();
      for (const r of rows) expected.set(cellOf(r, 8), (expected.get(cellOf(r, 8)) ?? 0) + 1);
      const { body } = await get(`/api/cells?resolution=8&force=${code}`);
      expect(body.force.codes).toEqual([code]);
      const got = new Map<string, number>(body.cells.map((c: string, i: number) => [c, body.incidents[i]]));
      expect(got).toEqual(expected);
    }
    const all = await get('/api/cells?resolution=8&force=all');
    expect(all.body.force.name).toBe('Leicestershire and Merseyside');
    expect(all.body.incidents.reduce((s: number, n: number) => s + n, 0)).toBe(proxyRows([...MONTHS.map(monthFile), ...MONTHS.map(leicestershireFile)]).length);
  });

  it('finds HCHH areas in the force named, and no answer about one force mentions the other', async () => {
    const leics = await fetch(`${app.url}/api/hchh?resolution=9&force=${LEICESTERSHIRE}`);
    const text = await leics.text();
    expect(leics.status).toBe(200);
    const body = JSON.parse(text);
    expect(body.force.name).toBe('Leicestershire');
    expect(body.studyArea.basis).toMatch(/the 9 districts of Leicestershire \(/);
    expect(body.features.length).toBeGreaterThan(0);
    expect(body.features[0].properties.name).toMatch(LEICESTERSHIRE_PLACES);
    expect(text).not.toMatch(MERSEYSIDE_PLACES);
    const mersey = await (await fetch(`${app.url}/api/hchh?resolution=9&force=${MERSEYSIDE}`)).text();
    expect(JSON.parse(mersey).studyArea.basis).toMatch(/the 5 districts of Merseyside/);
    expect(mersey).not.toMatch(LEICESTERSHIRE_PLACES);
    for (const p of [
      `/api/gistar?resolution=8&force=${LEICESTERSHIRE}`,
      `/api/meta?force=${LEICESTERSHIRE}`,
      `/api/success-measures?force=${LEICESTERSHIRE}`,
    ]) {
      const t = await (await fetch(app.url + p)).text();
      expect(t, p).not.toMatch(MERSEYSIDE_PLACES);
    }
  }, 300_000);

  it('keeps the harm cube equal to the incidents: a rebuild from scratch changes nothing', async () => {
    const snapshot = async () =>
      rowsOf(
        await db.raw(`SELECT force_code, cell::text, month::text, week::text, source, category, offence_code, knife, firearm, domestic, sum(incidents)::int AS n
      FROM harm_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0 ORDER BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`),
      );
    const raw = rowsOf<{ n: number }>(await db.raw('SELECT count(*)::int AS n FROM incident'))[0]!.n;
    const before = await snapshot();
    expect(before.reduce((s, r: any) => s + r.n, 0)).toBe(raw);
    const { IncidentStore } = await import('../../server/db/incidents');
    await new IncidentStore(db).rebuildCube();
    expect(await snapshot()).toEqual(before);
  });

  it('keeps the per-force summary equal to each file and to a rebuild from scratch, through deletion too', async () => {
    const snapshot = async (q: Db | Knex.Transaction = db) =>
      rowsOf<{ force_code: string; source: string; month: string; incidents: number }>(
        await q.raw(`SELECT force_code, source, to_char(month, 'YYYY-MM') AS month, incidents FROM force_month ORDER BY 1, 2, 3`),
      );
    const before = await snapshot();
    // Independent reference: the rows of each force's file of each month, read from the CSV.
    const expected = [
      ...MONTHS.map((m) => ({ force_code: MERSEYSIDE, source: 'data.police.uk', month: m, incidents: readRows(monthFile(m)).length })),
      ...MONTHS.map((m) => ({ force_code: LEICESTERSHIRE, source: 'data.police.uk', month: m, incidents: readRows(leicestershireFile(m)).length })),
    ];
    expect(before).toEqual(expected);
    const { IncidentStore } = await import('../../server/db/incidents');
    await new IncidentStore(db).rebuildForceMonths();
    expect(await snapshot()).toEqual(before);
    // Deleting a force's month removes its row in the same statement (rolled back: the data stays).
    const rollback = new Error('rollback');
    await db
      .transaction(async (trx) => {
        await trx('incident').where({ force_code: MERSEYSIDE, month: '2020-02-01' }).delete();
        expect(await snapshot(trx)).toEqual(expected.filter((r) => !(r.force_code === MERSEYSIDE && r.month === '2020-02')));
        throw rollback;
      })
      .catch((e: unknown) => {
        if (e !== rollback) throw e;
      });
    expect(await snapshot()).toEqual(before);
    const loaded = await new ForceStore(db).loaded();
    expect(loaded.map((f) => [f.code, f.incidents, f.firstMonth, f.lastMonth])).toEqual([
      [LEICESTERSHIRE, expected.slice(3).reduce((s, r) => s + r.incidents, 0), '2020-01', '2020-03'],
      [MERSEYSIDE, expected.slice(0, 3).reduce((s, r) => s + r.incidents, 0), '2020-01', '2020-03'],
    ]);
  });

  it('answers every resolution, period, definition and scheme from the cube exactly as from the raw incidents', async () => {
    const { Analysis } = await import('../../server/services/analysis');
    const { filteredIncidents } = await import('../../server/db/incidentQueries');
    const analysis = new Analysis(db);
    for (const [force, definition, scheme, from, to] of [
      [MERSEYSIDE, 'public-proxy', 'cchi', '2020-01', '2020-03'],
      [LEICESTERSHIRE, 'merseyside', 'count', '2020-02', '2020-03'],
      ['all', 'durham-darlington', 'cchi', '2020-03', '2020-03'],
    ] as const) {
      for (const resolution of [7, 9, 11]) {
        const r = await analysis.resolve({ resolution, force, definition, scheme, from, to });
        const q = filteredIncidents(r.filter);
        const raw = rowsOf<{ cell: string; incidents: number; harm: number }>(
          await db.raw(
            `SELECT to_hex(h3_parent(i.cell, ?)) AS cell, count(*)::int AS incidents, sum(${q.harm})::float8 AS harm FROM ${q.from} AND i.cell IS NOT NULL GROUP BY 1`,
            [resolution, ...q.bindings],
          ),
        );
        const cube = await analysis.cellTotals(r);
        const key = (x: { cell: string }) => x.cell;
        expect(cube.map((c) => [c.cell, c.incidents]).sort(), `${force} ${definition} res ${resolution}`).toEqual(raw.map((c) => [c.cell, c.incidents]).sort());
        const rawHarm = new Map(raw.map((c) => [key(c), c.harm]));
        for (const c of cube) expect(c.harm).toBeCloseTo(rawHarm.get(c.cell)!, 6);
      }
    }
  });

  it('names the top locations of HCHH areas from the location slice exactly as a query of the incidents does', async () => {
    const { Analysis } = await import('../../server/services/analysis');
    const { IncidentStore } = await import('../../server/db/incidents');
    const { cellsSql } = await import('../../server/db/incidentQueries');
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 9, force: MERSEYSIDE, from: '2020-02', to: '2020-03' });
    const { areas } = await analysis.hchh(r, {});
    expect(areas.length).toBeGreaterThan(3);
    const store = new IncidentStore(db);
    const rounded = (ls: { location: string; incidents: number; harm: number }[]) => ls.map((l) => ({ ...l, harm: Math.round(l.harm * 1e6) / 1e6 }));
    for (const a of areas) expect(rounded(a.topLocations)).toEqual(rounded(await store.topLocations(r.filter, cellsSql(a.cells), 5)));
    // An area of many res-11 cells is tested by the cells' parents, a few cells by index ranges: the two count the same incidents.
    const { AreaQueries } = await import('../../server/db/areaQueries');
    const queries = new AreaQueries(db);
    const cells = areas.flatMap((a) => a.cells);
    expect(cells.length).toBeGreaterThan(64 * 3);
    let byRanges = 0;
    for (let i = 0; i < cells.length; i += 64) byRanges += (await queries.totals(r.filter, { kind: 'cells', cells: cells.slice(i, i + 64) })).incidents;
    const byParents = (await queries.totals(r.filter, { kind: 'cells', cells })).incidents;
    expect(byParents).toBe(byRanges);
    expect(byParents).toBe(areas.reduce((s, a) => s + a.incidents, 0));
  });

  it('answers with an ETag of the data version and revalidates to 304 until new data lands', async () => {
    const url = `${app.url}/api/hchh?resolution=9&force=${MERSEYSIDE}`;
    const first = await fetch(url);
    const etag = first.headers.get('etag');
    expect(etag).toMatch(/^W\/"harmgrid-\d+-/);
    expect((await fetch(url, { headers: { 'If-None-Match': etag! } })).status).toBe(304);
    // A kept answer is sent as it was kept, gzipped for a caller that accepts gzip, plain otherwise: the same JSON.
    const zipped = await fetch(url, { headers: { 'Accept-Encoding': 'gzip' } });
    const plain = await fetch(url, { headers: { 'Accept-Encoding': 'identity' } });
    expect([zipped.headers.get('x-answer-cache'), zipped.headers.get('content-encoding'), plain.headers.get('content-encoding')]).toEqual([
      'hit',
      'gzip',
      null,
    ]);
    expect(await zipped.text()).toBe(await plain.text());
    expect(JSON.parse(await first.text())).toMatchObject({ type: 'FeatureCollection', features: expect.any(Array) });
    await db('zone').insert(zoneRow('cache test'));
    const after = await fetch(url, { headers: { 'If-None-Match': etag! } });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
  });
});
