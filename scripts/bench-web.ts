/**
 * npm run bench:web [-- --before DIR] [-- --months 2019-10,2019-11,2019-12] [-- URL] — render figures of
 * the map in headless Chromium, with software WebGL (SwiftShader): frame times are upper bounds.
 *
 * For each case (resolutions 9, 10 and 11 over the whole loaded area, then every study-area cell at
 * resolution 10, empty ones included, about 48,000 on the sample): time from navigation to the first
 * cells drawn, split into the wait for the API (the last cells answer the page asked for, responseEnd
 * in Resource Timing: the whole answer in earlier builds, the summary now; the tiles in view are
 * MapLibre's own requests and count as client time) and the client's own time after it; how many cells requests the first view made and their bytes on the wire; the longest main-thread task while loading and panning (Long
 * Tasks API); frame times while panning; the JavaScript heap. With --before DIR (a `vite build` of an
 * earlier commit) the same cases run on that build too, in the same run against the same server: its
 * pages are served from DIR, the API and tiles from the server.
 *
 * Starts the service on the real data (the given months, PostgreSQL when DATABASE_URL is set, in
 * schema HARMGRID_TEST_SCHEMA) unless a URL is given. The view is the loaded districts' centre, not a
 * fixed place.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import type { RunningServer } from '../server/server';
import { launchChromium, startTestServer } from '../test/support/server';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const before = arg('--before');
const months = (arg('--months') ?? '2019-10,2019-11,2019-12').split(',');
const given = process.argv.slice(2).find((a, i, all) => /^https?:/.test(a) && !['--before', '--months'].includes(all[i - 1] ?? ''));
const running: RunningServer | null = given ? null : await startTestServer(months);
const url = given ?? running!.url;

const districts = (await (await fetch(`${url}/api/boundaries?kind=district`)).json()) as GeoJSON.FeatureCollection;
let w = Infinity,
  s = Infinity,
  e = -Infinity,
  n = -Infinity;
const walk = (c: unknown): void => {
  if (Array.isArray(c) && typeof c[0] === 'number') {
    w = Math.min(w, c[0]);
    e = Math.max(e, c[0]);
    s = Math.min(s, c[1] as number);
    n = Math.max(n, c[1] as number);
  } else if (Array.isArray(c)) c.forEach(walk);
};
districts.features.forEach((f) => walk((f.geometry as { coordinates: unknown }).coordinates));
const centre = [(w + e) / 2, (s + n) / 2];

const browser: Browser = await launchChromium();
console.log(`Headless Chromium, software WebGL; ${months.length} months of data; the view centred on the loaded districts.`);
console.log(
  '| build | case | cells in the answer | cells requests / bytes (first view) | first cells (s) | of which API wait (s) | client after the answer (s) | longest main-thread task (ms) | pan frames p50 / p95 / max (ms) | JS heap (MB) |',
);
console.log('|---|---|---|---|---|---|---|---|---|---|');
const cases = [
  { resolution: 9, zoom: 10.3 },
  { resolution: 10, zoom: 10.3 },
  { resolution: 11, zoom: 10.3 },
  { resolution: 10, zoom: 10.3, zeros: true, label: '10, empty cells too' },
];
const builds: { name: string; dir: string | null }[] = [...(before ? [{ name: 'before', dir: path.resolve(before) }] : []), { name: 'after', dir: null }];
for (const { resolution, zoom, zeros, label } of cases) {
  const drawn = ((await (await fetch(`${url}/api/cells?resolution=${resolution}${zeros ? '&zeros=true' : ''}`)).json()) as { cells: string[] }).cells.length;
  for (const build of builds) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    if (build.dir) {
      const dir = build.dir;
      await page.route(
        (u) => u.origin === new URL(url).origin && !/^\/(api|tiles|health)\b/.test(u.pathname),
        (route) => {
          const p = new URL(route.request().url()).pathname;
          const file = path.join(dir, p === '/' ? 'index.html' : p);
          if (!fs.existsSync(file)) return route.fulfill({ status: 404 });
          const type =
            file.endsWith('.js') || file.endsWith('.mjs')
              ? 'text/javascript'
              : file.endsWith('.css')
                ? 'text/css'
                : file.endsWith('.html')
                  ? 'text/html'
                  : file.endsWith('.woff2')
                    ? 'font/woff2'
                    : 'application/octet-stream';
          return route.fulfill({ status: 200, body: fs.readFileSync(file), contentType: type });
        },
      );
    }
    // tsx keeps function names with a __name helper that the page does not have.
    await page.addInitScript(() => {
      (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f;
    });
    await page.addInitScript(() => {
      (window as any).__longest = 0;
      new PerformanceObserver((l) => {
        for (const en of l.getEntries()) (window as any).__longest = Math.max((window as any).__longest, en.duration);
      }).observe({ type: 'longtask', buffered: true });
    });
    const cellRequests: { bytes: number }[] = [];
    page.on('requestfinished', async (r) => {
      if (!/\/api\/(cells(\/summary|\/tiles\/[^?]*)?|gistar|emerging)\?/.test(r.url())) return;
      const sizes = await r.sizes().catch(() => ({ responseBodySize: 0 }));
      cellRequests.push({ bytes: sizes.responseBodySize });
    });
    await page.goto(`${url}/?resolution=${resolution}&zoom=${zoom}&lat=${centre[1]}&lng=${centre[0]}${zeros ? '&zeros=1' : ''}`);
    // Polled every 50 ms in the page: its clock starts at navigation.
    const firstCells = (await (
      await page.waitForFunction(
        () => {
          const m = (window as any).__harmgridMap;
          return (window as any).__harmgridReady === true && m && m.loaded() && m.areTilesLoaded() && !m.isMoving() ? performance.now() : false;
        },
        null,
        { timeout: 300_000, polling: 50 },
      )
    ).jsonValue()) as number;
    // API wait: the last cells answer the page itself asked for (the whole answer in earlier builds, the
    // summary now), from its Resource Timing. Cell tiles are fetched by MapLibre's worker, like the
    // basemap's, so their time counts as the client's; their number and bytes on the wire are read from
    // the browser's own record of each request (Playwright), as the page's timing does not list them.
    const apiEnd = await page.evaluate(() =>
      Math.max(
        0,
        ...performance
          .getEntriesByType('resource')
          .filter((r) => /\/api\/(cells(\/summary)?|gistar|emerging)\?/.test(r.name))
          .map((r) => (r as PerformanceResourceTiming).responseEnd),
      ),
    );
    await page.waitForTimeout(300); // the last requests' sizes are read asynchronously
    const firstView = cellRequests.splice(0);
    const firstViewBytes = firstView.reduce((a, r) => a + r.bytes, 0);
    const frames = await page.evaluate(async () => {
      const m = (window as any).__harmgridMap;
      const deltas: number[] = [];
      let last = performance.now();
      let on = true;
      const tick = () => {
        const now = performance.now();
        deltas.push(now - last);
        last = now;
        if (on) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      for (const [dx, dy] of [
        [300, 0],
        [0, 200],
        [-300, 0],
        [0, -200],
      ]) {
        m.panBy([dx, dy], { duration: 600 });
        await new Promise((r) => setTimeout(r, 700));
      }
      on = false;
      return deltas.slice(1).sort((a, b) => a - b);
    });
    const q = (p: number) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))]!;
    const heap = await page.evaluate(() => ((performance as any).memory?.usedJSHeapSize ?? 0) / 1048576);
    const longest = await page.evaluate(() => (window as any).__longest as number);
    console.log(
      `| ${build.name} | ${label ?? resolution} | ${drawn.toLocaleString('en-GB')} | ${firstView.length} / ${(firstViewBytes / 1024).toFixed(0)} KB | ${(firstCells / 1000).toFixed(2)} | ${(apiEnd / 1000).toFixed(2)} | ${((firstCells - apiEnd) / 1000).toFixed(2)} | ${longest.toFixed(0)} | ${q(0.5).toFixed(1)} / ${q(0.95).toFixed(1)} / ${frames[frames.length - 1]!.toFixed(1)} | ${heap.toFixed(0)} |`,
    );
    await page.close();
  }
}
await browser.close();
await running?.close();
process.exit(0);
