import fs from 'node:fs';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rowsOf, type Db } from '../../server/db/connection';
import { monthRange } from '../../server/domain/months';
import { importPaths } from '../../server/ingest/importPaths';
import { republishIncidentFile } from '../../server/services/republish';
import { dataDir, monthFile, readRows, tempDir } from '../support/data';
import { dbLabel, freshDb } from '../support/db';
import { serveApp } from '../support/server';

/**
 * A partial latest month and a re-published month, on real rows. Five real months 2021-04 … 2021-08,
 * then 2021-09 as a partial extract: the real 2021-09 file keeping only the rows inside one district
 * (by point in polygon), as a file covering part of the force. The full real 2021-09 file is then
 * re-published over it, and once more without its last 40 rows (records withdrawn).
 */
const REAL = monthRange('2021-04', '2021-08');
const PARTIAL = '2021-09';
const DISTRICT = 'E08000012';

describe(`partial and re-published months on ${dbLabel}`, () => {
  let db: Db;
  let app: { url: string; close(): Promise<void> };
  const dir = tempDir();
  const header = fs.readFileSync(monthFile(PARTIAL), 'utf8').split(/\r?\n/)[0]!;
  const lines = fs
    .readFileSync(monthFile(PARTIAL), 'utf8')
    .split(/\r?\n/)
    .slice(1)
    .filter((l) => l !== '');
  const rows = readRows(monthFile(PARTIAL));
  const lad = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), 'utf8')).features as {
    properties: { LAD19CD: string };
    geometry: never;
  }[];
  const shape = lad.find((d) => d.properties.LAD19CD === DISTRICT)!.geometry;
  const inside = rows.map((r) => Boolean(r.Longitude) && booleanPointInPolygon([Number(r.Longitude), Number(r.Latitude)], shape));
  const partialFile = path.join(dir, `${PARTIAL}-partial.csv`);
  // One retry for a GET whose kept-alive socket the server closed while the test was busy importing (ECONNRESET).
  const get = async (p: string) => (await fetch(app.url + p).catch(() => fetch(app.url + p))).json() as Promise<any>;
  const monthCount = async (table: 'incident' | 'harm_cube' | 'coverage_count', month: string) =>
    rowsOf<{ n: number }>(
      await db.raw(`SELECT COALESCE(${table === 'incident' ? 'count(*)' : 'sum(incidents)'}, 0)::int AS n FROM ${table} WHERE month = ?::date`, [
        `${month}-01`,
      ]),
    )[0]!.n;

  beforeAll(async () => {
    expect(lines).toHaveLength(rows.length);
    fs.writeFileSync(partialFile, [header, ...lines.filter((_, i) => inside[i])].join('\n'));
    db = await freshDb();
    const report = await importPaths(db, [path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), ...REAL.map(monthFile), partialFile]);
    expect(report.failed).toEqual([]);
    app = await serveApp(db);
  }, 600_000);
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('flags the partial latest month (districts left out, far fewer rows) before it feeds a trend', async () => {
    const body = await get('/api/coverage');
    const police = body.forces[0].sources.find((s: any) => s.source === 'data.police.uk');
    const sep = police.months.find((m: any) => m.month === PARTIAL);
    expect(sep.status).toBe('partial');
    const others = lad
      .map((d) => d.properties.LAD19CD)
      .filter((c) => c !== DISTRICT)
      .sort();
    expect(sep.missingDistricts).toEqual(others);
    expect(sep.reasons.join(' ')).toMatch(/covers part of the force/);
    const counts = REAL.map((m) => readRows(monthFile(m)).length).sort((a, b) => a - b);
    const median = counts[2]!;
    const kept = inside.filter(Boolean).length;
    expect(sep.incidents).toBe(kept);
    const short = /the latest month holds \d+ incidents, \d+ % of the median of the 5 months before/;
    if (kept < median / 2) expect(sep.reasons.join(' ')).toMatch(short);
    else expect(sep.reasons.join(' ')).not.toMatch(short);
    console.log(
      `[coverage] partial ${PARTIAL}: ${kept} of ${rows.length} rows kept (median of the months before ${median}); reasons: ${sep.reasons.join(' | ')}`,
    );
    expect(police.months.filter((m: any) => m.month !== PARTIAL).every((m: any) => m.status === 'loaded')).toBe(true);

    await fetch(`${app.url}/api/indicators`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: 'force-sv', name: 'Serious violence (proxy)', definition: 'public-proxy', baseline: { from: '2021-04', to: '2021-06' } }),
    });
    const t = await get('/api/indicators/force-sv/table');
    const q2 = t.table.rows.find((r: any) => r.period === '2021/22 Q2');
    expect(q2.coverage).toMatchObject({ complete: false, missing: [], partial: [PARTIAL] });
    expect(q2.rag).toBeNull();
    expect(t.coverage.partial.map((p: any) => p.month)).toEqual([PARTIAL]);
  });

  it('a re-published month replaces the earlier one, and the import log says what changed', async () => {
    const before = await monthCount('incident', PARTIAL);
    const full = await republishIncidentFile(db, monthFile(PARTIAL));
    expect(full.status).toBe('imported');
    expect(full.replaced).toEqual([
      expect.objectContaining({
        month: PARTIAL,
        rowsBefore: before,
        rowsAfter: rows.length,
        rowsKept: before,
        rowsAdded: rows.length - before,
        rowsWithdrawn: 0,
      }),
    ]);
    expect(full.message).toMatch(
      new RegExp(
        `replaces ${PARTIAL} of import #\\d+ \\(${before} records before, ${rows.length} now: ${before} kept, ${rows.length - before} added, 0 withdrawn\\)`,
      ),
    );
    for (const t of ['incident', 'harm_cube', 'coverage_count'] as const) expect(await monthCount(t, PARTIAL)).toBe(rows.length);
    const sep = (await get('/api/coverage')).forces[0].sources[0].months.find((m: any) => m.month === PARTIAL);
    expect(sep).toMatchObject({ status: 'loaded', incidents: rows.length, missingDistricts: [] });

    // Re-published again with its last 40 records withdrawn.
    const less = path.join(dir, `${PARTIAL}-republished.csv`);
    fs.writeFileSync(less, [header, ...lines.slice(0, -40)].join('\n'));
    const again = await republishIncidentFile(db, less);
    expect(again.replaced).toEqual([
      expect.objectContaining({
        month: PARTIAL,
        replacedImportId: full.importId,
        rowsBefore: rows.length,
        rowsAfter: rows.length - 40,
        rowsKept: rows.length - 40,
        rowsAdded: 0,
        rowsWithdrawn: 40,
      }),
    ]);
    for (const t of ['incident', 'harm_cube', 'coverage_count'] as const) expect(await monthCount(t, PARTIAL)).toBe(rows.length - 40);
    for (const m of REAL) expect(await monthCount('coverage_count', m)).toBe(readRows(monthFile(m)).length);
    const log = await get(`/api/imports/${again.importId}`);
    expect(log.message).toMatch(/40 withdrawn/);
    expect((await get('/api/coverage')).replacements.map((r: any) => r.rowsWithdrawn)).toEqual([0, 40]);

    // The same content again replaces nothing; a rejected file keeps the months as they were.
    expect((await republishIncidentFile(db, less)).message).toMatch(/nothing to replace/);
    const broken = path.join(dir, `${PARTIAL}-broken.csv`);
    fs.writeFileSync(broken, [header, ...lines.slice(0, 10), lines[0]!.replace(/,-?\d+\.\d+,/, ',not-a-longitude,')].join('\n'));
    await expect(republishIncidentFile(db, broken)).rejects.toThrow(/the earlier months were kept/);
    expect(await monthCount('incident', PARTIAL)).toBe(rows.length - 40);
  });
});
