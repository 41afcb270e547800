import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { area as turfArea } from '@turf/turf';
import { cellToParent, getResolution, latLngToCell } from 'h3-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { patrolBriefing, streetOf } from '../../server/domain/patrolBriefing';
import { monthRange } from '../../server/domain/months';
import { importPaths } from '../../server/ingest/importPaths';
import { dbLabel, freshDb } from '../support/db';
import { serveApp } from '../support/server';
import { PROXY_CATEGORIES, dataDir, harmDir, monthFile, readRows, tempDir } from '../support/data';

const MONTHS = monthRange('2019-01', '2019-06');

describe(`patrol briefing on ${dbLabel}: real boundaries and ${MONTHS.length} real months`, () => {
  let db: Db;
  let server: Awaited<ReturnType<typeof serveApp>> | undefined;
  let url = '';
  const tmp = tempDir();
  const rows = MONTHS.flatMap((m) => readRows(monthFile(m)));
  const proxy = rows.filter((r) => PROXY_CATEGORIES.has(r['Crime type']!) && r.Longitude !== '');
  const get = async (p: string) => {
    const res = await fetch(url + p);
    return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
  };
  const json = async (p: string) => {
    const r = await get(p);
    return { ...r, body: JSON.parse(r.text) };
  };

  beforeAll(async () => {
    db = await freshDb();
    await importPaths(db, [harmDir, path.join(dataDir, 'boundaries'), path.join(dataDir, 'deprivation'), ...MONTHS.map(monthFile)]);
    server = await serveApp(db);
    url = server.url;
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('briefs exactly the areas /api/hchh finds, with streets counted as in the files and no invented times', async () => {
    const hchh = await json('/api/hchh?crimeTopPercent=1&harmTopPercent=1');
    const b = await json('/api/patrol-briefing?crimeTopPercent=1&harmTopPercent=1');
    expect(b.status).toBe(200);
    expect(hchh.body.features.length).toBeGreaterThan(2);
    expect(b.body.areas.map((a: any) => ({ rank: a.rank, name: a.name, cellIds: a.cellIds, incidents: a.incidents, harm: a.harm }))).toEqual(
      hchh.body.features.map((f: any) => ({
        rank: f.properties.rank,
        name: f.properties.name,
        cellIds: f.properties.cellIds,
        incidents: f.properties.incidents,
        harm: f.properties.harm,
      })),
    );
    expect(b.body.dataRefresh.latestMonthLoaded).toBe('2019-06');

    // The top street of area 1, counted from the raw rows: rows whose storage cell (res 12) descends from one of its cells.
    const a = b.body.areas[0];
    const cells = new Set(a.cellIds as string[]);
    const inArea = proxy.filter((r) => cells.has(cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), 9)));
    expect(inArea.length).toBe(a.incidents);
    const byStreet = new Map<string, number>();
    for (const r of inArea) byStreet.set(streetOf(r.Location!), (byStreet.get(streetOf(r.Location!)) ?? 0) + 1);
    for (const s of a.streets) expect(s.incidents, s.street).toBe(byStreet.get(s.street));
    expect(a.streets.reduce((s: number, x: any) => s + x.incidents, 0)).toBeLessThanOrEqual(a.incidents);
    const months = new Map<string, number>();
    for (const r of inArea) months.set(r.Month!, (months.get(r.Month!) ?? 0) + 1);
    expect(a.peakMonths[0].incidents).toBe(Math.max(...months.values()));
    // data.police.uk carries no times: a statement, not invented peaks.
    expect(a.peakTimes.available).toBe(false);
    expect(a.peakTimes.statement).toContain('data.police.uk publishes no day or time');
    expect(a.visits.length).toBe(Math.min(3, a.streets.length));
    expect(a.visits[0]).toMatchObject({ order: 1, street: a.streets[0].street, minutes: '15–20' });
  }, 240_000);

  it('chooses areas by rank, and refuses unknown or malformed ranks', async () => {
    const b = await json('/api/patrol-briefing?areas=3,1');
    expect(b.body.areas.map((a: any) => a.rank)).toEqual([1, 3]);
    // The default rule's areas, built from res-11 cells at the map's res 9, and said so.
    expect(b.body.cellResolution).toBe(11);
    expect(b.body.rule).toMatch(/built from resolution-11 H3 cells \(as \/api\/hchh\)$/);
    for (const a of b.body.areas) {
      expect(a.cellIds.every((c: string) => getResolution(c) === 11)).toBe(true);
      // One outline round the area's cells (their union), not a hexagon each: its rings enclose the cells' exact area.
      expect(a.outline.coordinates.length).toBeLessThan(a.cellIds.length);
      expect(turfArea(a.outline) / 1e6).toBeCloseTo(a.areaKm2, 2);
    }
    const missing = await json('/api/patrol-briefing?areas=1,999');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toContain('999');
    const bad = await json('/api/patrol-briefing?areas=one');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('areas');
  }, 240_000);

  it('gives a spreadsheet-safe CSV one row per area and street, and peak times once incidents carry times', async () => {
    // Constructed force-extract rows (not real data) at a real snap point of area 1, with a location text
    // that a spreadsheet would run as a formula, and recorded times on Friday nights.
    const first = (await json('/api/patrol-briefing?areas=1')).body.areas[0];
    const cells = new Set(first.cellIds as string[]);
    const cellRes = getResolution(first.cellIds[0]); // the default patrol-plan areas are built from res-11 cells
    const real = proxy.find((r) => cells.has(cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), cellRes)))!;
    const file = path.join(tmp, 'timed.csv');
    const times = ['2019-03-01T22:30', '2019-03-08T22:45', '2019-03-15T23:10', '2019-03-16T01:20'];
    fs.writeFileSync(
      file,
      [
        'incident_id,occurred_at,offence_code,latitude,longitude,location',
        ...times.map((t, i) => `BRIEF-${i},${t},34B,${real.Latitude},${real.Longitude},"=HYPERLINK(""http://example.invalid"",""x"")"`),
      ].join('\n'),
    );
    const report = await importPaths(db, [file]);
    expect(report.files[0]?.status).toBe('imported');

    const res = await get('/api/patrol-briefing.csv?streets=500');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/csv');
    const parsed = parse(res.text, { columns: true }) as Record<string, string>[];
    const b = (await json('/api/patrol-briefing?streets=500')).body;
    expect(parsed.length).toBe(b.areas.reduce((s: number, a: any) => s + a.streets.length, 0));
    expect(Object.keys(parsed[0]!)).toEqual(
      expect.arrayContaining(['area_rank', 'area_name', 'street', 'incidents', 'harm', 'visit_minutes', 'latest_month_loaded']),
    );
    for (const row of parsed) for (const v of Object.values(row)) expect(/^[=+@\t\r]/.test(v) || (/^-/.test(v) && Number.isNaN(Number(v))), v).toBe(false);
    const injected = parsed.find((r) => r.street!.includes('HYPERLINK'));
    expect(injected?.street).toBe(`'=HYPERLINK("http://example.invalid","x")`);

    const area = b.areas.find((a: any) => a.cellIds.includes([...cells][0]));
    expect(area.peakTimes.available).toBe(true);
    expect(area.peakTimes.timed).toBe(4);
    expect(area.peakTimes.days[0]).toEqual({ day: 'Friday', incidents: 3 }); // 1 March, 8 March, 15 March 2019 were Fridays
    expect(area.peakTimes.hours[0]).toEqual({ hour: '22:00–23:00', incidents: 2 });
  }, 240_000);

  it('prints a self-contained HTML page per area with its streets on an SVG map', async () => {
    const res = await get('/api/patrol-briefing.html?streets=500');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/html');
    const b = (await json('/api/patrol-briefing')).body;
    expect(res.text.match(/<section class="page">/g)?.length).toBe(b.areas.length);
    expect(res.text.match(/<svg /g)?.length).toBe(b.areas.length);
    for (const a of b.areas) {
      const esc = a.name.replace(/&/g, '&amp;').replace(/'/g, '&#39;');
      expect(res.text).toContain(`Area ${a.rank}: ${esc}`);
      expect(res.text).toContain(a.streets[0].street.replace(/&/g, '&amp;').replace(/'/g, '&#39;'));
    }
    expect(res.text).toContain('@media print');
    expect(res.text).not.toMatch(/<script|<link|src="http/);
    expect(res.text).toContain('=HYPERLINK(&quot;'); // the injected location is escaped, not markup
    expect(res.text).toMatch(/<path d="M[^"]+" fill="none" stroke="#(1f4e9c|9a9a9a)"/); // OSM roads drawn
  }, 240_000);
});

describe('patrol briefing rules on a constructed case', () => {
  it('sums streets, orders by harm, and states plainly when there are no times', () => {
    const b = patrolBriefing({
      locations: [
        { location: 'On or near Bold Street', incidents: 4, harm: 100 },
        { location: 'On or near Bold Street', incidents: 1, harm: 50 },
        { location: 'On or near Wood Street', incidents: 9, harm: 120 },
      ],
      months: [
        { month: '2019-01', incidents: 3, harm: 1 },
        { month: '2019-02', incidents: 3, harm: 2 },
        { month: '2019-03', incidents: 0, harm: 0 },
      ],
      times: { rows: [], untimed: 14 },
    });
    expect(b.streets).toEqual([
      { street: 'Bold Street', incidents: 5, harm: 150 },
      { street: 'Wood Street', incidents: 9, harm: 120 },
    ]);
    expect(b.peakMonths.map((m) => m.month)).toEqual(['2019-02', '2019-01']);
    expect(b.peakTimes).toEqual({ available: false, statement: expect.stringContaining('14 incidents carry the month only') });
    expect(b.visits.map((v) => v.street)).toEqual(['Bold Street', 'Wood Street']);
  });
});
