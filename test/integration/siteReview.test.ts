import fs from 'node:fs';
import path from 'node:path';
import { area as turfArea, booleanPointInPolygon, pointToPolygonDistance } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';
import { importPaths } from '../../server/ingest/importPaths';
import { monthRange } from '../../server/domain/months';
import { startServer, type RunningServer } from '../../server/server';
import { TEST_SCHEMA, dbLabel, freshDb, onPostgres } from '../support/db';
import { PROXY_CATEGORIES, boldStreetSite, dataDir, monthFile, readRows, tempDir } from '../support/data';

// Six real months (the machine is shared; two years take too long to import on PGlite): the report's
// period is 2021-07…09 against 2021-04…06; the default period is what is loaded, 2021-04…09.
const MONTHS = monthRange('2021-04', '2021-09');
const CURRENT = { from: '2021-07', to: '2021-09' };
const PREVIOUS = { from: '2021-04', to: '2021-06' };
const PERIOD = `from=${CURRENT.from}&to=${CURRENT.to}`;

describe(`site review report on ${dbLabel}: real boundaries and ${MONTHS.length} real months`, () => {
  let server: RunningServer;
  let siteId: number;
  let report: any;
  const sample = tempDir();
  const site = boldStreetSite();
  const NAME = 'Bold Street <test> & co';
  const rows: Record<string, string>[] = MONTHS.flatMap((m) => readRows(monthFile(m)).map((r) => ({ ...r, month: m }))).filter(
    (r: Record<string, string>) => r.Longitude !== '',
  );
  const inPeriod = (r: Record<string, string>, p: { from: string; to: string }) => r.month! >= p.from && r.month! <= p.to;
  // Metres from the site's edge (negative inside), exact (turf pointToPolygonDistance), independent of the report's buffers.
  const distance = new Map<string, number>();
  const edge = (r: Record<string, string>) => {
    const key = `${r.Longitude},${r.Latitude}`;
    if (!distance.has(key)) {
      const pt = [Number(r.Longitude), Number(r.Latitude)];
      distance.set(key, booleanPointInPolygon(pt, site) ? -1 : pointToPolygonDistance(pt, site as never, { units: 'meters' }));
    }
    return distance.get(key)!;
  };
  const call = async (p: string, init?: RequestInit) => {
    // One retry for a GET whose kept-alive socket the server closed while the test was busy counting (ECONNRESET).
    const res = await fetch(server.url + p, init).catch((e) => {
      if (init?.method) throw e;
      return fetch(server.url + p, init);
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      csp: res.headers.get('content-security-policy') ?? '',
      text,
      body: (res.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null,
    };
  };

  beforeAll(async () => {
    for (const m of MONTHS) fs.symlinkSync(monthFile(m), path.join(sample, path.basename(monthFile(m))));
    if (onPostgres) await (await freshDb()).destroy();
    // The tests check the report, not its speed: after the timed rows are imported the review builds every
    // analysis again, the res-11 HCHH study area included, which a loaded machine can stretch past 30 s on PGlite.
    process.env.HARMGRID_REQUEST_TIMEOUT_S = '240';
    server = await startServer({
      port: 0,
      quiet: true,
      dataDir,
      sampleDir: sample,
      autoImport: true,
      buildWeb: false,
      ...(onPostgres ? { databaseUrl: `${process.env.DATABASE_URL}`, schema: TEST_SCHEMA } : { databaseUrl: '', pgliteDir: 'memory' }),
    });
    delete process.env.HARMGRID_REQUEST_TIMEOUT_S;
    const created = await call('/api/sites', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: NAME, notes: 'drawn by the test around OSM Bold Street', geometry: site }),
    });
    expect(created.status).toBe(201);
    siteId = created.body.id;
    report = (await call(`/api/sites/${siteId}/review?${PERIOD}`)).body;
  }, 600_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(sample, { recursive: true, force: true });
  });

  it("counts the site's incidents by definition and category as counted from the files, now and the year before", async () => {
    expect(report.period).toEqual({ ...CURRENT, months: 3 });
    expect(report.previousPeriod).toEqual(PREVIOUS);
    const inSite = rows.filter((x) => edge(x) < 0);
    const proxy = inSite.filter((x) => PROXY_CATEGORIES.has(x['Crime type']!));
    const s = report.zones[0];
    expect(s.key).toBe('site');
    expect(proxy.filter((x) => inPeriod(x, CURRENT)).length).toBeGreaterThan(10);
    expect(s.definition.current.incidents).toBe(proxy.filter((x) => inPeriod(x, CURRENT)).length);
    expect(s.definition.previous.incidents).toBe(proxy.filter((x) => inPeriod(x, PREVIOUS)).length);
    expect(s.allCrime.current.incidents).toBe(inSite.filter((x) => inPeriod(x, CURRENT)).length);
    for (const c of s.byCategory) expect(c.current.incidents).toBe(inSite.filter((x) => inPeriod(x, CURRENT) && x['Crime type'] === c.category).length);
    expect(s.monthly.map((m: any) => m.month)).toEqual(MONTHS);
    expect(s.monthly.reduce((t: number, m: any) => t + m.incidents, 0)).toBe(proxy.length);
    expect(s.monthly.find((m: any) => m.month === '2021-07').allCrime).toBe(inSite.filter((x) => x.month === '2021-07').length);
    // The change against the year before, by the exact conditional test.
    const expected = countChange({
      before: { count: s.definition.previous.incidents, exposure: 3 },
      after: { count: s.definition.current.incidents, exposure: 3 },
    });
    expect(s.definition.change.pValue).toBeCloseTo(expected.pValue, 12);
    expect(s.areaKm2).toBeCloseTo(turfArea(site as never) / 1e6, 6);
  });

  it('counts each ring as an annulus from the site edge (250, 500, 1000 m by default)', async () => {
    expect(report.zones.map((z: any) => z.label)).toEqual(['site', '0–250 m ring', '250–500 m ring', '500–1000 m ring']);
    const proxyNow = rows.filter((x) => PROXY_CATEGORIES.has(x['Crime type']!) && inPeriod(x, CURRENT));
    // The report's buffers are 16-step polygons, within 2 m of the true distance: count with ±3 m either side.
    const bands = [
      [0, 250],
      [250, 500],
      [500, 1000],
    ] as const;
    bands.forEach(([inner, outer], i) => {
      const strict = proxyNow.filter((x) => edge(x) > inner + 3 && edge(x) <= outer - 3).length;
      const loose = proxyNow.filter((x) => edge(x) >= 0 && edge(x) > inner - 3 && edge(x) <= outer + 3).length;
      const got = report.zones[i + 1].definition.current.incidents;
      expect(got).toBeGreaterThanOrEqual(strict);
      expect(got).toBeLessThanOrEqual(loose);
    });
    // Settable rings.
    // Settable rings, and the default period: every loaded month when fewer than 12 are, with no period before.
    const two = (await call(`/api/sites/${siteId}/review?rings=300,100&variant=preliminary`)).body;
    expect(two.zones.map((z: any) => z.label)).toEqual(['site', '0–100 m ring', '100–300 m ring']);
    expect(two.period).toEqual({ from: MONTHS[0], to: CURRENT.to, months: 6 });
    expect(two.previousPeriod).toBeNull();
    expect(two.previousNote).toMatch(/not all loaded/);
    expect(two.zones[0].definition.current.incidents).toBe(rows.filter((x) => edge(x) < 0 && PROXY_CATEGORIES.has(x['Crime type']!)).length);
    // The preliminary variant: headline figures, hotspots, traffic light and caveats only.
    expect(two.zones[0].byCategory).toBeUndefined();
    expect(two.dayHour).toBeUndefined();
    expect(two.trafficLight.light).toMatch(/^(red|amber|green)$/);
    expect(two.hotspots.cells.length).toBeGreaterThan(0);
  }, 300_000);

  it("compares the site's rate per km² with its ward by the exact Poisson test", async () => {
    const ward = report.comparators.find((c: any) => c.kind === 'ward');
    // Bold Street runs along the Central / Riverside ward boundary: the ward is the one holding an inner point of the site.
    expect(ward.name).toMatch(/^(Central|Riverside)$/);
    expect(report.comparators.map((c: any) => c.kind)).toEqual(['ward', 'district', 'force']);
    expect(report.comparators[1].name).toBe('Liverpool');
    // The ward's proxy incidents, counted from the rows with turf over the ward outline served by the API.
    const outline = JSON.parse((await call(`/api/boundaries?kind=ward&vintage=2019`)).text).features.find(
      (f: any) => f.properties.code === ward.code && f.properties.vintage === '2019',
    );
    const wardCount = rows.filter(
      (x) =>
        PROXY_CATEGORIES.has(x['Crime type']!) && inPeriod(x, CURRENT) && booleanPointInPolygon([Number(x.Longitude), Number(x.Latitude)], outline.geometry),
    ).length;
    expect(ward.incidents).toBe(wardCount);
    const s = report.zones[0];
    const expected = countChange({
      before: { count: wardCount, exposure: ward.areaKm2 },
      after: { count: s.definition.current.incidents, exposure: s.areaKm2 },
    });
    // The report's p has 4 significant figures and the ward area here is rounded to 4 decimals of a km².
    expect(Math.abs(s.rates.ward.perKm2.pValue - expected.pValue)).toBeLessThanOrEqual(2e-3 * expected.pValue + 1e-300);
    expect(s.rates.ward.perKm2.verdict).toBe(expected.significant ? (expected.direction === 'rise' ? 'higher' : 'lower') : 'no significant difference');
    expect(s.rates.ward.perKm2.ratio).toBeCloseTo(s.definition.current.incidents / s.areaKm2 / (wardCount / ward.areaKm2), 3);
    expect(report.trafficLight.rule).toMatch(/^Red: /);
    expect(['red', 'amber', 'green']).toContain(report.trafficLight.light);
  });

  it('says there are no times, lists locations, hotspot status and deprivation', async () => {
    expect(report.dayHour.definition.table).toBeNull();
    expect(report.dayHour.definition.statement).toMatch(/none of these .* incidents carries a time\. data\.police\.uk publishes the month/);
    expect(report.zones[0].topLocations[0].location).toMatch(/^On or near /);
    expect(report.repeatLocations.locations.length).toBeGreaterThan(0);
    expect(report.hotspots.cells.length).toBeGreaterThan(0);
    expect(report.hotspots.cells.every((c: any) => typeof c.giBin === 'number')).toBe(true);
    expect(report.deprivation.lsoas.length).toBeGreaterThan(0);
    expect(report.caveats.join(' ')).toMatch(/at least eight/);
  });

  it('serves a printable self-contained HTML page with escaped text', async () => {
    const r = await call(`/api/sites/${siteId}/review.html?${PERIOD}`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/text\/html/);
    expect(r.text).toContain('Bold Street &lt;test&gt; &amp; co');
    expect(r.text).not.toContain('<test>');
    expect(r.text).toContain('window.print()');
    expect(r.text).toContain('<svg');
    expect(r.text).toContain('@media print');
    expect(r.text).not.toMatch(/(src|href)=["']?(https?:)?\/\//);
    expect(r.csp).toMatch(/default-src 'none'/);
    expect(r.csp).toMatch(/script-src 'sha256-/);
    const pre = await call(`/api/sites/${siteId}/review.html?variant=preliminary`);
    expect(pre.text).toContain('Preliminary site review');
    expect(pre.text).not.toContain('Day of week');
  }, 300_000);

  it('tables day of week × hour for incidents that carry a time (a force extract), and says how many do not', async () => {
    // Three force-extract robberies at the position of a real row inside the site; times made up by the test
    // (UK local time): Friday 23:30 twice and Saturday 01:15 in August 2021.
    const real = rows.find((x) => edge(x) < 0 && x.month === '2021-08')!;
    const file = path.join(sample, 'force-extract-timed.csv');
    fs.writeFileSync(
      file,
      [
        'incident_id,occurred_at,offence_code,latitude,longitude,location',
        ...['2021-08-06T23:30', '2021-08-13T23:45', '2021-08-07T01:15'].map((t, i) => `SR-${i},${t},34B,${real.Latitude},${real.Longitude},Test premises`),
      ].join('\n'),
    );
    const imported = await importPaths(server.db, [file]);
    expect(imported.failed).toEqual([]);
    const timed = (await call(`/api/sites/${siteId}/review?${PERIOD}`)).body;
    const d = timed.dayHour.definition;
    expect(d.timed).toBe(3);
    expect(d.untimed).toBe(report.zones.reduce((t: number, z: any) => t + z.definition.current.incidents, 0));
    expect(d.table[4][23]).toBe(2); // Friday 23:00–23:59
    expect(d.table[5][1]).toBe(1); // Saturday 01:00–01:59
    expect(d.table.flat().reduce((a: number, b: number) => a + b, 0)).toBe(3);
    expect(d.statement).toMatch(/^3 incidents carry a time and are in the table \(UK local time\); [\d,]+ have the month only/);
    expect(timed.zones[0].definition.current.incidents).toBe(report.zones[0].definition.current.incidents + 3);
  }, 300_000);

  it('answers bad parameters with a 400 naming the field, and an unknown site with 404', async () => {
    for (const [q, field] of [
      ['rings=10', 'rings'],
      ['rings=100,200,300,400', 'rings'],
      ['rings=250,250', 'rings'],
      ['rings=abc', 'rings'],
      ['from=2021-13', 'from'],
      ['to=21-01', 'to'],
      ['variant=long', 'variant'],
      ['colour=red', ''],
      ['from=2021-06&to=2021-01', 'from'],
    ] as const) {
      const r = await call(`/api/sites/${siteId}/review?${q}`);
      expect(r.status, q).toBe(400);
      if (field)
        expect(
          r.body.error.issues.map((i: any) => i.path),
          q,
        ).toContain(field);
    }
    expect((await call(`/api/sites/${siteId}/review?definition=nope`)).body.error.message).toMatch(/unknown definition "nope"/);
    const missing = await call('/api/sites/99999/review');
    expect(missing.status).toBe(404);
    expect(missing.body.error.message).toBe('no site #99999');
    expect((await call('/api/sites/99999/review.html')).status).toBe(404);
  });
});
