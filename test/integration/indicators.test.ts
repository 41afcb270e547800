import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countChange } from '../../server/domain/countChange';
import { monthRange } from '../../server/domain/months';
import type { RunningServer } from '../../server/server';
import { startTestServer } from '../support/server';
import { dbLabel } from '../support/db';
import { PROXY_CATEGORIES, dataDir, monthFile, readRows } from '../support/data';
import fs from 'node:fs';
import { booleanPointInPolygon } from '@turf/turf';
import path from 'node:path';

const MONTHS = monthRange('2018-04', '2019-09'); // baseline 2018/19, then 2019/20 Q1 and Q2

describe(`partnership indicators on ${dbLabel}, real months ${MONTHS[0]}…${MONTHS[MONTHS.length - 1]}`, () => {
  let server: RunningServer;
  const proxyByMonth = new Map<string, number>();

  beforeAll(async () => {
    for (const m of MONTHS) {
      proxyByMonth.set(m, readRows(monthFile(m)).filter((r) => PROXY_CATEGORIES.has(r['Crime type']!)).length);
    }
    // A generous request limit: the tests check numbers, not speed (an HCHH indicator builds res-11 areas over a year).
    process.env.HARMGRID_REQUEST_TIMEOUT_S = '180';
    server = await startTestServer(MONTHS);
    delete process.env.HARMGRID_REQUEST_TIMEOUT_S;
  });
  afterAll(async () => {
    await server?.close();
  });

  const post = (p: string, json: unknown) =>
    fetch(server.url + p, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) });

  it('builds the force-wide table with counts equal to the published files, significance and RAG', async () => {
    const created = await post('/api/indicators', {
      key: 'proxy-sv-force',
      name: 'Serious violence (public-data proxy), Merseyside',
      definition: 'public-proxy',
      baseline: { from: '2018-04', to: '2019-03' },
    });
    expect(created.status).toBe(201);
    const res = await fetch(`${server.url}/api/indicators/proxy-sv-force/table`);
    expect(res.status).toBe(200);
    const r = (await res.json()) as any;
    const sum = (ms: string[]) => ms.reduce((s, m) => s + proxyByMonth.get(m)!, 0);
    const baseline = sum(monthRange('2018-04', '2019-03'));
    expect(r.table.rows.map((x: any) => x.period)).toEqual(['2018-04 to 2019-03', '2019/20 Q1', '2019/20 Q2']);
    expect(r.table.rows[0].value).toBe(baseline);
    for (const [i, q] of [
      [1, monthRange('2019-04', '2019-06')],
      [2, monthRange('2019-07', '2019-09')],
    ] as const) {
      const row = r.table.rows[i];
      expect(row.value).toBe(sum(q));
      expect(row.baselineEquivalent).toBeCloseTo(baseline / 4, 9);
      const expected = countChange({ before: { count: baseline, exposure: 12 }, after: { count: sum(q), exposure: 3 } });
      expect(row.change.pValue).toBeCloseTo(expected.pValue, 12);
      expect(row.rag).toBe(expected.direction === 'rise' ? 'red' : expected.direction === 'fall' ? 'green' : 'amber');
    }
    expect(r.table.rule).toMatch(/^Red: a rise significant at the 95 % level/);
    expect(r.definition.isProxy).toBe(true);
    expect(r.runChart.points.map((p: any) => p.value)).toEqual(MONTHS.map((m) => proxyByMonth.get(m)));
    expect(r.runChart.baselinePoints).toBe(12);

    const csv = await (await fetch(`${server.url}/api/indicators/proxy-sv-force/table.csv`)).text();
    expect(csv.trim().split('\r\n').at(-1)).toMatch(/^"?RAG rule: Red: a rise/);
  });

  it('builds a table for each of the five districts, counted from the files by point in polygon', async () => {
    const districts = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), 'utf8')).features as {
      properties: { LAD19CD: string };
      geometry: never;
    }[];
    const baselineMonths = monthRange('2018-04', '2019-03');
    const q1 = monthRange('2019-04', '2019-06');
    const counts = new Map<string, { baseline: number; q1: number }>(districts.map((d) => [d.properties.LAD19CD, { baseline: 0, q1: 0 }]));
    for (const m of [...baselineMonths, ...q1]) {
      for (const r of readRows(monthFile(m))) {
        if (!PROXY_CATEGORIES.has(r['Crime type']!)) continue;
        const p = [Number(r.Longitude), Number(r.Latitude)];
        const d = districts.find((x) => booleanPointInPolygon(p, x.geometry));
        if (d) counts.get(d.properties.LAD19CD)![baselineMonths.includes(m) ? 'baseline' : 'q1'] += 1;
      }
    }
    for (const d of districts) {
      const code = d.properties.LAD19CD;
      expect(
        (
          await post('/api/indicators', {
            key: `proxy-${code.toLowerCase()}`,
            name: `Proxy SV ${code}`,
            definition: 'public-proxy',
            area: { type: 'district', code },
            baseline: { from: '2018-04', to: '2019-03' },
          })
        ).status,
      ).toBe(201);
      const t = (await (await fetch(`${server.url}/api/indicators/proxy-${code.toLowerCase()}/table`)).json()) as any;
      expect(t.table.rows[0].value).toBe(counts.get(code)!.baseline);
      expect(t.table.rows[1].value).toBe(counts.get(code)!.q1);
    }
    expect(
      (
        await post('/api/indicators', {
          key: 'bad-district',
          name: 'x',
          definition: 'public-proxy',
          area: { type: 'district', code: 'Liverpool' },
          baseline: { from: '2018-04', to: '2019-03' },
        })
      ).status,
    ).toBe(400);
  });

  it('measures an area of cells, and refuses bad indicators with reasons', async () => {
    const hchh = (await (await fetch(`${server.url}/api/hchh?resolution=9`)).json()) as any;
    const cells = hchh.features[0].properties.cellIds;
    expect(
      (
        await post('/api/indicators', {
          key: 'hchh-1',
          name: 'HCHH area 1',
          definition: 'public-proxy',
          area: { type: 'cells', name: 'HCHH 1', cells },
          baseline: { from: '2018-04', to: '2019-03' },
          rag: { rule: 'target', targetPercent: -10 },
        })
      ).status,
    ).toBe(201);
    const r = (await (await fetch(`${server.url}/api/indicators/hchh-1/table`)).json()) as any;
    const series = await Promise.all(
      cells.map(
        async (c: string) => ((await (await fetch(`${server.url}/api/cells/${c}/series?from=2018-04&to=2019-03`)).json()) as any).incidents as number[],
      ),
    );
    expect(r.table.rows[0].value).toBe(series.flat().reduce((a: number, b: number) => a + b, 0));
    expect(r.table.rule).toMatch(/target of -10 %/);

    const bad = await post('/api/indicators', { key: 'x1', name: 'x', definition: 'nope', baseline: { from: '2018-04', to: '2019-03' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as any).error.message).toMatch(/unknown definition "nope"/);
    const badCells = await post('/api/indicators', {
      key: 'x2',
      name: 'x',
      definition: 'public-proxy',
      area: { type: 'cells', name: 'a', cells: ['zz'] },
      baseline: { from: '2018-04', to: '2019-03' },
    });
    expect(badCells.status).toBe(400);
    const late = await post('/api/indicators', { key: 'x3', name: 'x', definition: 'public-proxy', baseline: { from: '2019-04', to: '2019-09' } });
    expect(late.status).toBe(201);
    const lateTable = await fetch(`${server.url}/api/indicators/x3/table`);
    expect(lateTable.status).toBe(422);
    expect(((await lateTable.json()) as any).error.message).toMatch(/no months after the baseline/);
    expect((await fetch(`${server.url}/api/indicators/none/table`)).status).toBe(404);
  });

  it('measures a rate per 100,000 residents, a zone and the HCHH areas of the baseline period', async () => {
    const table = async (body: object) => {
      const created = await post('/api/indicators', { definition: 'public-proxy', baseline: { from: '2018-04', to: '2019-03' }, ...body });
      expect(created.status, await created.clone().text()).toBe(201);
      const res = await fetch(`${server.url}/api/indicators/${(body as { key: string }).key}/table`);
      const json = (await res.json()) as any;
      expect(res.status, JSON.stringify(json).slice(0, 300)).toBe(200);
      return json;
    };
    // Rate: Liverpool's counts × 100,000 / its residents (IoD 2019 File 6, summed from the file here); the test is on the counts.
    const lsoas = readRows(path.join(dataDir, 'deprivation', 'iod2019-lsoa-merseyside.csv'));
    const popKey = Object.keys(lsoas[0]!).find((k) => /total population/i.test(k))!;
    const residents = lsoas.filter((l) => l['Local Authority District code (2019)'] === 'E08000012').reduce((s, l) => s + Number(l[popKey]), 0);
    const count = await table({ key: 'liverpool-count', name: 'Liverpool', area: { type: 'district', code: 'E08000012' } });
    const rate = await table({ key: 'liverpool-rate', name: 'Liverpool rate', measure: 'rate', area: { type: 'district', code: 'E08000012' } });
    expect(rate.area.population).toBe(residents);
    expect(rate.unit).toBe('incidents per 100,000 residents');
    rate.table.rows.forEach((row: any, i: number) => {
      const c = count.table.rows[i];
      expect(row.count).toBe(c.value);
      expect(row.value).toBeCloseTo((c.value * 100_000) / residents, 9);
      expect(row.change?.pValue ?? null).toBe(c.change?.pValue ?? null);
      expect(row.rag).toBe(c.rag);
    });

    // Zone: a box around Bold Street, Liverpool, drawn by the test; counted from the files by position.
    const box = { west: -2.98, south: 53.402, east: -2.9765, north: 53.4045 };
    const zone = await post('/api/zones', {
      type: 'Feature',
      properties: { name: 'Bold Street test zone', clearStart: '2019-04-01' },
      geometry: {
        type: 'Polygon',
        coordinates: [
          [
            [box.west, box.south],
            [box.east, box.south],
            [box.east, box.north],
            [box.west, box.north],
            [box.west, box.south],
          ],
        ],
      },
    });
    expect(zone.status).toBe(201);
    const zoneId = ((await zone.json()) as any).id;
    const inBox = (m: string) =>
      readRows(monthFile(m)).filter(
        (r) =>
          PROXY_CATEGORIES.has(r['Crime type']!) &&
          r.Longitude !== '' &&
          Number(r.Longitude) >= box.west &&
          Number(r.Longitude) <= box.east &&
          Number(r.Latitude) >= box.south &&
          Number(r.Latitude) <= box.north,
      ).length;
    const z = await table({ key: 'bold-street', name: 'Bold Street zone', area: { type: 'zone', id: zoneId } });
    expect(z.table.rows[0].value).toBe(monthRange('2018-04', '2019-03').reduce((s, m) => s + inBox(m), 0));
    expect(z.table.rows.find((r: any) => r.period === '2019/20 Q1').value).toBe(['2019-04', '2019-05', '2019-06'].reduce((s, m) => s + inBox(m), 0));
    expect(
      (
        await post('/api/indicators', {
          key: 'no-zone',
          name: 'x',
          definition: 'public-proxy',
          area: { type: 'zone', id: 99999 },
          baseline: { from: '2018-04', to: '2019-03' },
        })
      ).status,
    ).toBe(201);
    expect((await fetch(`${server.url}/api/indicators/no-zone/table`)).status).toBe(404);

    // HCHH areas found on the baseline year and kept fixed: the baseline equals what /api/hchh counts in them.
    const hchh = (await (await fetch(`${server.url}/api/hchh?resolution=9&from=2018-04&to=2019-03`)).json()) as any;
    const h = await table({ key: 'hchh-all', name: 'HCHH areas', area: { type: 'hchh' } });
    expect(h.table.rows[0].value).toBe(hchh.features.reduce((s: number, f: any) => s + f.properties.incidents, 0));
    expect(h.area.name).toMatch(new RegExp(`the ${hchh.features.length} HCHH areas`));
    expect(h.area.selection).toMatch(
      /H3 cells \(resolution 11\); areas found on the baseline period by the default HCHH rule \(patrol plan: .*built from resolution-11 H3 cells\)/,
    );
    const one = await table({ key: 'hchh-2', name: 'HCHH area 2', area: { type: 'hchh', rank: 2 } });
    expect(one.table.rows[0].value).toBe(hchh.features.find((f: any) => f.properties.rank === 2).properties.incidents);
  }, 600_000);
});
