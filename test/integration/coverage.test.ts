import fs from 'node:fs';
import path from 'node:path';
import { booleanPointInPolygon } from '@turf/turf';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../../server/db/connection';
import { countChange } from '../../server/domain/countChange';
import { monthRange } from '../../server/domain/months';
import { importPaths } from '../../server/ingest/importPaths';
import { Analysis } from '../../server/services/analysis';
import { HotspotStatistics } from '../../server/services/hotspotStatistics';
import { PROXY_CATEGORIES, dataDir, monthFile, readRows, tempDir } from '../support/data';
import { dbLabel, freshDb } from '../support/db';
import { serveApp } from '../support/server';

/**
 * The case of issue 17 on real data. 27 real Merseyside months, 2019-07 … 2021-09, then a later
 * month the analyst has "three months on": the real file of 2018-12 with its Month column relabelled
 * 2021-12 (nothing else changed; 2018-12 itself is not loaded, so no Crime ID repeats). 2021-10 and
 * 2021-11 are then not loaded. 27 months is the fewest that make the emerging-hotspot case real: an
 * ArcGIS "historical" hot spot needs hot steps in ≥ 90 % of the series, and the two gap months plus a
 * final step that is not hot leave at most n − 3 of n steps, so n ≥ 30 steps.
 */
const REAL = monthRange('2019-07', '2021-09');
const RELABELLED_FROM = '2018-12';
const LATER = '2021-12';
const LIVERPOOL = 'E08000012';
const BASELINE = { from: '2019-07', to: '2020-06' };

describe(`coverage on ${dbLabel}: ${REAL.length} real months and ${LATER} relabelled from ${RELABELLED_FROM}, so 2021-10 and 2021-11 are missing`, () => {
  let db: Db;
  let app: { url: string; close(): Promise<void> };
  const sample = tempDir();
  const get = async (p: string) => {
    // One retry for a GET whose kept-alive socket the server closed while the test was busy (ECONNRESET).
    const res = await fetch(app.url + p).catch(() => fetch(app.url + p));
    return { status: res.status, body: (await res.json()) as any };
  };
  // Liverpool's proxy incidents per month, counted from the files by point in polygon (independent of harmgrid).
  const liverpool = new Map<string, number>();

  beforeAll(async () => {
    for (const m of REAL) fs.symlinkSync(monthFile(m), path.join(sample, path.basename(monthFile(m))));
    const text = fs.readFileSync(monthFile(RELABELLED_FROM), 'utf8');
    const lines = text.split(/\r?\n/);
    const relabelled = lines.map((l, i) => (i === 0 || l === '' ? l : l.replace(/^([^,]*),2018-12,/, `$1,${LATER},`)));
    expect(relabelled.filter((l, i) => i > 0 && l !== '' && !l.split(',')[1]!.startsWith(LATER))).toEqual([]);
    fs.writeFileSync(path.join(sample, `${LATER}-merseyside-street.csv`), relabelled.join('\n'));

    const lad = JSON.parse(fs.readFileSync(path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), 'utf8')).features as {
      properties: { LAD19CD: string };
      geometry: never;
    }[];
    const shape = lad.find((d) => d.properties.LAD19CD === LIVERPOOL)!.geometry;
    for (const [m, file] of [...REAL.map((x) => [x, monthFile(x)]), [LATER, monthFile(RELABELLED_FROM)]] as [string, string][]) {
      liverpool.set(
        m,
        readRows(file).filter(
          (r) => PROXY_CATEGORIES.has(r['Crime type']!) && r.Longitude && booleanPointInPolygon([Number(r.Longitude), Number(r.Latitude)], shape),
        ).length,
      );
    }
    db = await freshDb();
    const report = await importPaths(db, [path.join(dataDir, 'boundaries', 'merseyside-lad.geojson'), sample]);
    expect(report.failed).toEqual([]);
    app = await serveApp(db);
  }, 900_000);
  afterAll(async () => {
    await app?.close();
    await db?.destroy();
    fs.rmSync(sample, { recursive: true, force: true });
  });

  it('GET /api/coverage: every month loaded but 2021-10 and 2021-11, which are missing (not zero)', async () => {
    const { status, body } = await get('/api/coverage');
    expect(status).toBe(200);
    expect(body.forces).toHaveLength(1);
    const police = body.forces[0].sources.find((s: any) => s.source === 'data.police.uk');
    expect(body.forces[0].span).toEqual({ first: '2019-07', last: LATER });
    const byStatus = (st: string) => police.months.filter((m: any) => m.status === st).map((m: any) => m.month);
    expect(byStatus('missing')).toEqual(['2021-10', '2021-11']);
    expect(byStatus('partial')).toEqual([]);
    expect(byStatus('loaded')).toEqual([...REAL, LATER]);
    const dec = police.months.find((m: any) => m.month === LATER);
    expect(dec.incidents).toBe(readRows(monthFile(RELABELLED_FROM)).length);
    expect(body.coverage.complete).toBe(false);
    expect(body.coverage.missing).toEqual(['2021-10', '2021-11']);
    expect(body.coverage.statement).toMatch(/2 of the 30 months are not loaded: 2021-10, 2021-11/);
  });

  it("the Liverpool indicator's 2021/22 Q3 and rolling 12 months are incomplete: no test, no RAG, the missing months named", async () => {
    const created = await fetch(`${app.url}/api/indicators`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        key: 'liverpool-sv',
        name: 'Serious violence (proxy), Liverpool',
        definition: 'public-proxy',
        area: { type: 'district', code: LIVERPOOL },
        baseline: BASELINE,
      }),
    });
    expect(created.status).toBe(201);
    const { status, body } = await get('/api/indicators/liverpool-sv/table');
    expect(status).toBe(200);
    const sum = (ms: string[]) => ms.reduce((s, m) => s + (liverpool.get(m) ?? 0), 0);
    const baseline = sum(monthRange(BASELINE.from, BASELINE.to));
    const row = (p: string) => body.table.rows.find((r: any) => r.period === p);
    const q3 = row('2021/22 Q3');
    expect(q3.value).toBe(liverpool.get(LATER));
    expect(q3.coverage).toMatchObject({ complete: false, missing: ['2021-10', '2021-11'] });
    expect(q3.rag).toBeNull();
    expect(q3.change).toBeNull();
    // What harmgrid answered before: the two missing months counted as zero, a "significant fall".
    const before = countChange({ before: { count: baseline, exposure: 12 }, after: { count: q3.value, exposure: 3 } });
    expect(before.direction).toBe('fall');
    const rolling = row(`12 months to ${LATER}`);
    expect(rolling.coverage).toMatchObject({ complete: false, missing: ['2021-10', '2021-11'] });
    expect(rolling.rag).toBeNull();
    expect(rolling.value).toBe(sum(monthRange('2021-01', LATER)));
    const q2 = row('2021/22 Q2');
    expect(q2.coverage.complete).toBe(true);
    expect(q2.rag).not.toBeNull();
    expect(body.table.notes.join(' ')).toMatch(/2021\/22 Q3 is incomplete \(2021-10, 2021-11 not loaded\)/);
    expect(body.runChart.points.map((p: any) => p.label)).not.toContain('2021-10');

    // The documented adjustment: per loaded month, the exact test with the months held as exposure.
    const adj = (await get('/api/indicators/liverpool-sv/table?adjust=loaded-months')).body;
    const aq3 = adj.table.rows.find((r: any) => r.period === '2021/22 Q3');
    const expected = countChange({ before: { count: baseline, exposure: 12 }, after: { count: liverpool.get(LATER)!, exposure: 1 } });
    expect(aq3.coverage).toMatchObject({ complete: false, adjusted: true, monthsUsed: 1 });
    expect(aq3.change.pValue).toBeCloseTo(expected.pValue, 12);
    expect(aq3.baselineEquivalent).toBeCloseTo(baseline / 12, 9);
    expect(aq3.rag).toBe(expected.direction === 'rise' ? 'red' : expected.direction === 'fall' ? 'green' : 'amber');
    console.log(
      `[coverage] Liverpool 2021/22 Q3: ${q3.value} incidents, incomplete (before: ${before.percentChange!.toFixed(1)} %, p=${before.pValue.toExponential(2)}, ${before.direction}); adjusted per loaded month: ${aq3.percentChange.toFixed(1)} %, ${aq3.rag}; rolling 12 months ${rolling.value}, incomplete`,
    );
  });

  it('emerging hot spots at res 8: no historical hot spot invented by the gap (the cube uses the longest complete run, and says so)', async () => {
    const { status, body } = await get('/api/emerging?resolution=8');
    expect(status).toBe(200);
    expect(body.steps[0]).toBe('2019-07');
    expect(body.steps.at(-1)).toBe('2021-09');
    expect(body.coverage.used).toEqual({ from: '2019-07', to: '2021-09', months: 27 });
    expect(body.coverage.statement).toMatch(/never fills a missing month with zeros/);
    const complete = (await get('/api/emerging?resolution=8&to=2021-09')).body;
    expect(body.counts).toEqual(complete.counts);

    // As harmgrid did before: the same cube with the two missing months filled with zeros.
    const analysis = new Analysis(db);
    const r = await analysis.resolve({ resolution: 8 });
    const blind = { ...r, coverage: r.coverage.map((s) => ({ ...s, months: s.months.map((m) => ({ ...m, status: 'loaded' as const, reasons: [] })) })) };
    const zeroFilled = await new HotspotStatistics(analysis).emerging(blind, {
      variable: 'count',
      k: 1,
      weights: 'binary',
      fdr: true,
      timeStep: 1,
      alpha: 0.05,
      trendAlpha: 0.05,
      globalWindow: 'cube',
    });
    const count = (res: { results: { emerging: { category: string } | null }[] }, c: string) => res.results.filter((x) => x.emerging?.category === c).length;
    const invented = count(zeroFilled, 'historical hot spot') - (body.counts['historical hot spot'] ?? 0);
    console.log(
      `[coverage] emerging res 8: historical hot spots ${body.counts['historical hot spot'] ?? 0} over the complete run; ${count(zeroFilled, 'historical hot spot')} with the gap filled with zeros`,
    );
    expect(invented).toBeGreaterThan(0);
  });

  it('HCHH and Gi* say what they counted; impact windows and the backtest refuse the gap, naming it', async () => {
    const hchh = (await get('/api/hchh?resolution=9&from=2021-01')).body;
    expect(hchh.coverage).toMatchObject({ complete: false, missing: ['2021-10', '2021-11'] });
    expect(hchh.coverage.statement).toMatch(/count the months held only/);
    const gi = (await get('/api/gistar?resolution=8&from=2021-01')).body;
    expect(gi.coverage.missing).toEqual(['2021-10', '2021-11']);
    const repeat = (await get('/api/repeat-locations')).body;
    expect(repeat.coverage.missing).toEqual(['2021-10', '2021-11']);
    expect(repeat.halves.incomplete).toMatch(/2021-07 to 2021-12: 2 of the 6 months are not loaded: 2021-10, 2021-11/);
    const bt = await get('/api/backtest?resolution=8&from=2021-01');
    expect(bt.status).toBe(422);
    expect(bt.body.error.message).toMatch(/2021-10, 2021-11/);
    const impact = await get(`/api/impact?area=district:${LIVERPOOL}&date=2021-10&months=3`);
    expect(impact.status).toBe(422);
    expect(impact.body.error.message).toMatch(/2021-10, 2021-11/);
  });

  it('the partnership pack lists coverage on its first page, before the success measures', async () => {
    const res = await fetch(`${app.url}/api/partnership-pack.html`);
    expect(res.status).toBe(200);
    const page = await res.text();
    const coverageAt = page.indexOf('<h2>Data coverage</h2>');
    expect(coverageAt).toBeGreaterThan(0);
    expect(coverageAt).toBeLessThan(page.indexOf('Home Office success measures'));
    expect(page.slice(coverageAt, page.indexOf('</section>', coverageAt))).toMatch(/data\.police\.uk<\/th><td class="n">28<\/td><td>2021-10, 2021-11<\/td>/);
  });
});
