import fs from 'node:fs';
import path from 'node:path';
import { cellArea, cellToLatLng, cellToParent, getResolution, greatCircleDistance, gridDisk, latLngToCell } from 'h3-js';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { startTestServer } from '../support/server';
import { patrolPlanAreas } from '../../server/domain/hchh';
import { dbLabel } from '../support/db';
import { PROXY_CATEGORIES, monthFile, readRows } from '../support/data';

const MONTHS = ['2019-10', '2019-11', '2019-12'];

/** harmgrid stores the resolution-12 cell and aggregates to its parent (H3 parents do not exactly cover their children). */
const cellOf = (r: Record<string, string>, res: number) => cellToParent(latLngToCell(Number(r.Latitude), Number(r.Longitude), 12), res);

describe(`HTTP API on ${dbLabel}, real data ${MONTHS[0]}…${MONTHS[2]}`, () => {
  let server: RunningServer;
  const get = async (p: string) => {
    const res = await fetch(server.url + p);
    return { status: res.status, body: (await res.json()) as any };
  };

  beforeAll(async () => {
    server = await startTestServer(MONTHS, { uploadLimitBytes: 8 * 1024 * 1024 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('reports health and the months loaded', async () => {
    const health = await get('/health');
    expect(health.status).toBe(200);
    const expected = MONTHS.reduce((s, m) => s + readRows(monthFile(m)).length, 0);
    expect(health.body.incidents).toBe(expected);
    const meta = await get('/api/meta');
    expect(meta.body.months).toEqual(MONTHS);
    expect(meta.body.defaultScheme).toBe('cchi');
  });

  it('aggregates the proxy definition per cell exactly as the files say', async () => {
    const rows = MONTHS.flatMap((m) => readRows(monthFile(m))).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!));
    const expected = new Map<string, number>();
    for (const r of rows) {
      const cell = cellOf(r, 8);
      expected.set(cell, (expected.get(cell) ?? 0) + 1);
    }
    const { status, body } = await get('/api/cells?resolution=8&scheme=count');
    expect(status).toBe(200);
    expect(body.definition.isProxy).toBe(true);
    const got = new Map<string, number>(body.cells.map((c: string, i: number) => [c, body.incidents[i]]));
    expect(got).toEqual(expected);
    expect(body.harm).toEqual(body.incidents); // count scheme
  });

  it('weights harm with the CCHI category weights and ranks by harm', async () => {
    const { body } = await get('/api/cells?resolution=9');
    expect(body.scheme.unit).toBe('CCHI days');
    for (let i = 1; i < body.harm.length; i++) expect(body.harm[i - 1]).toBeGreaterThanOrEqual(body.harm[i]);
    const top = body.cells[0];
    const rows = MONTHS.flatMap((m) => readRows(monthFile(m))).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!) && cellOf(r, 9) === top);
    const weights: Record<string, number> = { 'Violence and sexual offences': 194.21, Robbery: 365, 'Possession of weapons': 273.75 };
    const harm = rows.reduce((s, r) => s + weights[r['Crime type']!]!, 0);
    expect(body.harm[0]).toBeCloseTo(harm, 2);
    expect(body.incidents[0]).toBe(rows.length);
  });

  it("serves one cell's monthly series that adds up to its total", async () => {
    const cells = await get('/api/cells?resolution=10');
    const cell = cells.body.cells[0];
    const series = await get(`/api/cells/${cell}/series`);
    expect(series.status).toBe(200);
    expect(series.body.months).toEqual(MONTHS);
    expect(series.body.incidents.reduce((a: number, b: number) => a + b, 0)).toBe(cells.body.incidents[0]);
    expect(cellToParent(cell, 10)).toBe(cell);
  });

  it('finds HCHH areas whose cells pass both thresholds, with shares and top locations', async () => {
    const { status, body } = await get('/api/hchh?resolution=9&crimeTopPercent=2&harmTopPercent=2');
    expect(status).toBe(200);
    expect(body.features.length).toBeGreaterThan(0);
    const cells = await get('/api/cells?resolution=9');
    const byCell = new Map<string, [number, number]>(cells.body.cells.map((c: string, i: number) => [c, [cells.body.incidents[i], cells.body.harm[i]]]));
    let shareOfHarm = 0;
    for (const f of body.features) {
      for (const c of f.properties.cellIds) {
        const [n, h] = byCell.get(c)!;
        expect(n).toBeGreaterThanOrEqual(body.thresholds.minIncidents);
        expect(h).toBeGreaterThanOrEqual(body.thresholds.minHarm - 0.001);
      }
      expect(f.geometry.type).toBe('MultiPolygon');
      expect(f.properties.topLocations[0].location).toMatch(/^On or near /);
      shareOfHarm += f.properties.shareOfHarm;
    }
    expect(body.features.map((f: any) => f.properties.rank)).toEqual(body.features.map((_: unknown, i: number) => i + 1));
    expect(body.totals.shareOfHarm).toBeCloseTo(shareOfHarm, 4);
    expect(body.totals.shareOfArea).toBeLessThan(0.05);
    expect(body.studyArea.areaKm2).toBeGreaterThan(100);
  });

  it('by default builds HCHH areas a patrol plan can use from res-11 cells: at most 15, contiguous, apart, ≤ 0.5 km² each, ≤ 0.5 % in all', async () => {
    const cells = await get('/api/cells?resolution=11');
    const harmOf = new Map<string, number>(cells.body.cells.map((c: string, i: number) => [c, cells.body.harm[i]]));
    const answers = [];
    for (const res of [9, 11]) {
      const { status, body } = await get(`/api/hchh?resolution=${res}`);
      expect(status).toBe(200);
      expect(body.resolution).toBe(res);
      expect(body.ruleKey).toBe('patrol-plan');
      expect(body.rule).toMatch(/^patrol plan: at most 15 areas .* at most 1200 m across, .*, built from resolution-11 H3 cells$/);
      expect(body.thresholds).toBeUndefined();
      expect(body.cellResolution).toBe(11);
      expect(body.studyArea.resolution).toBe(11);
      const owner = new Map<string, number>();
      for (const f of body.features) for (const c of f.properties.cellIds) owner.set(c, f.properties.rank);
      expect(body.features.length).toBeGreaterThan(5);
      expect(body.features.length).toBeLessThanOrEqual(15);
      let km2 = 0,
        harm = 0;
      for (const f of body.features) {
        const ids: string[] = f.properties.cellIds;
        for (const c of ids) expect(getResolution(c)).toBe(11);
        // Contiguous: a flood fill over H3 neighbours from the first cell reaches every cell.
        const seen = new Set([ids[0]!]);
        const stack = [ids[0]!];
        while (stack.length) for (const n of gridDisk(stack.pop()!, 1)) if (owner.get(n) === f.properties.rank && !seen.has(n)) seen.add(n) && stack.push(n);
        expect(seen.size).toBe(ids.length);
        // Apart: no cell of the area touches another area.
        for (const c of ids) for (const n of gridDisk(c, 1)) expect([undefined, f.properties.rank]).toContain(owner.get(n));
        const area = ids.reduce((sum, c) => sum + cellArea(c, 'km2'), 0);
        expect(area).toBeLessThanOrEqual(0.5 * 1.0001);
        // Compact: no two of its cells more than 1,200 m apart, centre to centre (every pair, by h3's distance).
        const centres = ids.map((c) => cellToLatLng(c));
        for (const p of centres) for (const q of centres) expect(greatCircleDistance(p, q, 'm')).toBeLessThanOrEqual(1200 * 1.000001);
        expect(f.properties.areaKm2).toBeCloseTo(area, 2);
        km2 += area;
        // Its harm is the sum of its res-11 cells' harm as /api/cells has it (cells without harm are bridges).
        const cellHarm = ids.reduce((sum, c) => sum + (harmOf.get(c) ?? 0), 0);
        expect(f.properties.harm).toBeCloseTo(cellHarm, 0);
        harm += cellHarm;
      }
      expect(km2).toBeLessThanOrEqual(0.005 * body.studyArea.areaKm2 * 1.0001);
      expect(body.totals.shareOfHarm).toBeCloseTo(harm / body.studyArea.harm, 4);
      expect(body.features.map((f: any) => f.properties.harm)).toEqual([...body.features.map((f: any) => f.properties.harm)].sort((a, b) => b - a));
      // Far more harm than area: the 0.5 % of the area holds several per cent of the harm.
      expect(body.totals.shareOfHarm).toBeGreaterThan(5 * body.totals.shareOfArea);
      answers.push(body);
    }
    // The map's resolution does not change the areas.
    expect(answers[0].features).toEqual(answers[1].features);
    expect(answers[0].totals).toEqual(answers[1].totals);
  });

  it('areaResolution=9 reproduces the patrol plan on res-9 cells (the answer before areas were built from res-11 cells); it belongs to the patrol plan', async () => {
    const { status, body } = await get('/api/hchh?resolution=9&areaResolution=9');
    expect(status).toBe(200);
    expect(body.cellResolution).toBe(9);
    expect(body.rule).toMatch(/built from resolution-9 H3 cells$/);
    // The reference: the patrol-plan builder over every res-9 cell of the study area, with /api/cells' counts and harm.
    const [study, cells] = await Promise.all([get('/api/gistar?resolution=9'), get('/api/cells?resolution=9')]);
    const totals = new Map<string, [number, number]>(cells.body.cells.map((c: string, i: number) => [c, [cells.body.incidents[i], cells.body.harm[i]]]));
    const plan = patrolPlanAreas(
      study.body.cells.map((cell: string) => ({ cell, incidents: totals.get(cell)?.[0] ?? 0, harm: totals.get(cell)?.[1] ?? 0 })),
      {},
    );
    expect(body.features.map((f: any) => f.properties.cellIds)).toEqual(plan.areas.map((a) => a.cells));
    expect(body.features.map((f: any) => f.properties.incidents)).toEqual(plan.areas.map((a) => a.incidents));
    expect(body.totals.shareOfHarm).toBeCloseTo(plan.areas.reduce((s, a) => s + a.harm, 0) / plan.studyArea.harm, 4);
    const merseyside = await get('/api/hchh?resolution=9&rule=merseyside&areaResolution=11');
    expect(merseyside.status).toBe(400);
    expect(merseyside.body.error.issues[0].path).toBe('areaResolution');
    const twelve = await get('/api/hchh?areaResolution=8');
    expect(twelve.status).toBe(400);
    expect(twelve.body.error.message).toMatch(/areaResolution: must be a whole number from 9 to 11/);
  });

  it('keeps the published Merseyside rule by name, implied by its thresholds, and refuses mixed options', async () => {
    const named = await get('/api/hchh?resolution=9&rule=merseyside');
    const implied = await get('/api/hchh?resolution=9&crimeTopPercent=1&harmTopPercent=1');
    expect(named.body.ruleKey).toBe('merseyside');
    expect(named.body.cellResolution).toBe(9); // defined on the cells shown
    expect(named.body.rule).toMatch(/top 1% by count and the top 1% by harm/);
    expect(named.body.features.map((f: any) => f.properties.cellIds)).toEqual(implied.body.features.map((f: any) => f.properties.cellIds));
    expect(named.body.thresholds.minIncidents).toBeGreaterThan(0);
    const mixed = await get('/api/hchh?resolution=9&rule=patrol-plan&crimeTopPercent=2');
    expect(mixed.status).toBe(400);
    expect(mixed.body.error.message).toMatch(/crimeTopPercent belongs to the merseyside rule/);
    const mixed2 = await get('/api/hchh?resolution=9&harmTopPercent=2&maxAreaKm2=1');
    expect(mixed2.status).toBe(400);
    expect(mixed2.body.error.issues[0].path).toBe('maxAreaKm2');
  });

  it('exports hotspots and HCHH areas as spreadsheet-safe CSV matching the JSON', async () => {
    const cells = await get('/api/cells?resolution=9');
    const res = await fetch(`${server.url}/api/hotspots.csv?resolution=9`);
    expect(res.headers.get('content-type')).toMatch(/text\/csv/);
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="?harmgrid-hotspots-r9-2019-10-2019-12.csv/);
    const lines = (await res.text()).trim().split('\r\n');
    expect(lines[0]).toBe('rank,cell,resolution,centre_lat,centre_lng,incidents,harm,harm_unit,definition,from,to');
    expect(lines.length - 1).toBe(cells.body.cells.length);
    expect(lines[1]!.split(',').slice(0, 2)).toEqual(['1', cells.body.cells[0]]);
    const hchh = await get('/api/hchh?resolution=9');
    const csv = (await (await fetch(`${server.url}/api/hchh.csv?resolution=9`)).text()).trim().split('\r\n');
    expect(csv.length - 1).toBe(hchh.body.features.length);
    const [first] = parse(csv.join('\n'), { columns: true }) as Record<string, string>[];
    expect(first!.cell_resolution).toBe('11');
    expect(first!.cell_ids).toBe(hchh.body.features[0].properties.cellIds.join(' '));
  });

  it('lists repeat locations over the latest 12 months loaded, ranked by harm, with the missing-times statement', async () => {
    const { status, body } = await get('/api/repeat-locations?scheme=count&limit=10000');
    expect(status).toBe(200);
    expect([body.from, body.to]).toEqual(['2019-10', '2019-12']); // only three months are loaded here
    const harms = body.features.map((f: any) => f.properties.harm);
    expect(harms).toEqual([...harms].sort((a: number, b: number) => b - a));
    expect(body.features.every((f: any) => f.properties.incidents >= 3)).toBe(true);
    const atRepeats = body.features.reduce((s: number, f: any) => s + f.properties.incidents, 0);
    expect(body.totals.repeatIncidents).toBe(atRepeats);
    expect(body.totals.repeatShare).toBeCloseTo(atRepeats / body.totals.incidents, 5);
    expect(body.timesAvailable).toBe(false);
    expect(body.timesNote).toMatch(/months only/);
    const csv = (await (await fetch(`${server.url}/api/repeat-locations.csv?scheme=count&limit=10000`)).text()).trim().split('\r\n');
    expect(csv.length - 1).toBe(body.features.length);
    expect((await get('/api/repeat-locations?minIncidents=1')).status).toBe(400);
  });

  it('computes Gi* over the study area with empty cells as zero, and bins it', async () => {
    const g = await get('/api/gistar?resolution=8&scheme=count');
    expect(g.status).toBe(200);
    const cells = await get('/api/cells?resolution=8&scheme=count');
    const counts = new Map<string, number>(cells.body.cells.map((c: string, i: number) => [c, cells.body.incidents[i]]));
    expect(g.body.cells.length).toBe(g.body.studyArea.cells);
    expect(g.body.cells.length).toBeGreaterThan(counts.size); // cells with other incidents only take part as zeros
    g.body.cells.forEach((c: string, i: number) => expect(g.body.value[i]).toBe(counts.get(c) ?? 0));
    const top = g.body.z.indexOf(Math.max(...g.body.z));
    expect(g.body.bin[top]).toBe(3);
    expect(g.body.bin.every((b: number) => b >= -3 && b <= 3)).toBe(true);
    expect((await get('/api/gistar?k=9')).status).toBe(400);
    expect((await get('/api/gistar?weights=gaussian')).body.error.message).toMatch(/weights/);
  });

  it('says when a series is too short for the emerging patterns and gives the short-series ones', async () => {
    const e = await get('/api/emerging?resolution=8');
    expect(e.status).toBe(200);
    expect(e.body.insufficient).toMatch(/need at least 10 time steps and this period has 3/);
    expect(e.body.category.every((c: string | null) => c === null)).toBe(true);
    expect(e.body.shortSeries.filter((c: string) => c !== 'no pattern').length).toBeGreaterThan(0);
    expect((await get('/api/emerging?alpha=0.2')).status).toBe(400);
  });

  it('scores hotspot selections of one month on the next at equal area', async () => {
    const a = await get('/api/accuracy?resolution=9&trainFrom=2019-10&trainTo=2019-11&evalFrom=2019-12&evalTo=2019-12');
    expect(a.status).toBe(200);
    expect(a.body.rules.map((r: any) => r.rule)).toEqual(['HCHH areas', 'Gi* hot spots', 'top cells by count', 'top cells by harm']);
    for (const r of a.body.rules) {
      expect(r.areaKm2).toBeLessThanOrEqual(a.body.budgetKm2 + 1e-6);
      expect(r.hitRate).toBeGreaterThan(0);
      expect(r.pai).toBeCloseTo(r.hitRate / r.areaShare, 1);
    }
    const bad = await get('/api/accuracy?trainFrom=2019-10&trainTo=2019-12&evalFrom=2019-12&evalTo=2019-12');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/evaluation period must start after the training period ends/);
  });

  it('restricts the study area to chosen districts', async () => {
    const all = await get('/api/hchh?resolution=9');
    const liverpool = await get('/api/hchh?resolution=9&districts=E08000012');
    expect(liverpool.status).toBe(200);
    expect(liverpool.body.studyArea.basis).toMatch(/in the 1 district of Merseyside \(Liverpool;/);
    expect(liverpool.body.studyArea.cells).toBeLessThan(all.body.studyArea.cells / 3);
    const unknown = await get('/api/gistar?districts=E08000099');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/unknown district E08000099 for Merseyside; its districts: E08000011 Knowsley/);
  });

  it('answers bad parameters with 400 and says what is allowed', async () => {
    const res13 = await get('/api/cells?resolution=13');
    expect(res13.status).toBe(400);
    expect(res13.body.error.message).toBe('invalid query: resolution: must be a whole number from 7 to 11');
    expect(res13.body.error.issues[0].path).toBe('resolution');
    const month = await get('/api/cells?from=2019-13');
    expect(month.status).toBe(400);
    expect(month.body.error.message).toMatch(/YYYY-MM/);
    const def = await get('/api/cells?definition=nope');
    expect(def.status).toBe(400);
    expect(def.body.error.message).toMatch(/known definitions: .*public-proxy/);
    const cell = await get('/api/cells/notacell/series');
    expect(cell.status).toBe(400);
    expect(cell.body.error.message).toMatch(/H3 cell index/);
    const unknownParam = await get('/api/cells?colour=red');
    expect(unknownParam.status).toBe(400);
    const backwards = await get('/api/cells?from=2019-12&to=2019-10');
    expect(backwards.status).toBe(400);
    expect((await get('/api/nothing')).status).toBe(404);
  });

  it('serves an OpenAPI document generated from the same schemas', async () => {
    const { body } = await get('/api/openapi.json');
    expect(body.openapi).toBe('3.1.0');
    expect(Object.keys(body.paths)).toEqual(
      expect.arrayContaining(['/api/cells', '/api/hchh', '/api/cells/{cell}/series', '/api/imports', '/api/definitions', '/api/harm-schemes']),
    );
    const resolution = body.paths['/api/cells'].get.parameters.find((p: any) => p.name === 'resolution');
    expect(resolution.schema.maximum).toBe(11);
  });

  it('creates a definition and a harm scheme and uses them', async () => {
    const post = (p: string, json: unknown) =>
      fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });
    const bad = await post('/api/definitions', { key: 'robbery-only', name: 'Robbery', rules: { anyOf: [{}] } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/at least one category or offence code/);
    expect((await post('/api/definitions', { key: 'robbery-only', name: 'Robbery', rules: { anyOf: [{ categories: ['Robbery'] }] } })).status).toBe(201);
    expect((await post('/api/definitions', { key: 'public-proxy', name: 'x', rules: { anyOf: [{ categories: ['Robbery'] }] } })).status).toBe(409);
    expect(
      (
        await post('/api/harm-schemes', {
          key: 'robbery-ten',
          name: 'Ten a robbery',
          unit: 'points',
          weights: [{ matchKind: 'category', matchValue: 'Robbery', weight: 10 }],
        })
      ).status,
    ).toBe(201);
    const { body } = await get('/api/cells?resolution=7&definition=robbery-only&scheme=robbery-ten');
    const robberies = MONTHS.flatMap((m) => readRows(monthFile(m))).filter((r) => r['Crime type'] === 'Robbery').length;
    expect(body.incidents.reduce((a: number, b: number) => a + b, 0)).toBe(robberies);
    expect(body.harm.reduce((a: number, b: number) => a + b, 0)).toBeCloseTo(robberies * 10, 6);
  });

  it('takes a streamed upload, rejecting a bad file with line-level reasons and storing a good one', async () => {
    const before = (await get('/health')).body.incidents;
    const lines = fs.readFileSync(monthFile('2019-09'), 'utf8').split('\n');
    const broken = [lines[0], lines[1]!.replace(/,53\.\d+,/, ',north,'), ...lines.slice(2)].join('\n');
    const rejected = await fetch(`${server.url}/api/imports?fileName=2019-09-broken.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: broken,
    });
    expect(rejected.status).toBe(422);
    const r = (await rejected.json()) as any;
    expect(r.rejections[0]).toMatchObject({ line: 2, field: 'Latitude', value: 'north' });
    expect((await get('/health')).body.incidents).toBe(before);
    const detail = await get(`/api/imports/${r.importId}`);
    expect(detail.body.rejections[0].field).toBe('Latitude');

    const ok = await fetch(`${server.url}/api/imports?fileName=2019-09.csv`, {
      method: 'POST',
      headers: { 'content-type': 'text/csv' },
      body: fs.readFileSync(monthFile('2019-09')),
    });
    expect(ok.status).toBe(201);
    expect((await get('/health')).body.incidents).toBe(before + lines.filter((l) => l.trim()).length - 1);
    const list = await get('/api/imports');
    expect(list.body.imports[0].fileName).toBe('2019-09.csv');
  });

  it('refuses an upload over the size limit without storing anything', async () => {
    const before = (await get('/health')).body.incidents;
    const month = fs.readFileSync(monthFile('2019-06'));
    const big = Buffer.concat([month, month, month]); // about 9 MB, over the test server's 8 MB limit
    const res = await fetch(`${server.url}/api/imports?fileName=too-big.csv`, { method: 'POST', body: big });
    expect(res.status).toBe(413);
    expect(((await res.json()) as any).error.message).toMatch(/larger than the limit of 8 MB/);
    expect((await get('/health')).body.incidents).toBe(before);
    const noName = await fetch(`${server.url}/api/imports`, { method: 'POST', body: 'x' });
    expect(noName.status).toBe(400);
  });
});
