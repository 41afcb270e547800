/**
 * npm run bench:web [-- URL] — render figures of the map in headless Chromium: time to the first
 * rendered hotspot layer, frame times while panning, and the JavaScript heap, at resolutions 9, 10
 * and 11 over the whole force, then with every study-area cell drawn, empty ones included (zeros=true):
 * resolution 10 over the five districts (about 48,000 cells) and resolution 11 over St Helens (about
 * 78,000). Starts the service on the configured database unless a URL is given.
 */
import { chromium } from 'playwright-core';
import { startServer } from '../server/server';

const given = process.argv[2];
const running = given ? null : await startServer({ port: 0, quiet: true });
const url = given ?? running!.url;
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--enable-precise-memory-info'],
});
console.log('Headless Chromium with --disable-gpu renders WebGL in software (SwiftShader): frame times are upper bounds.');
console.log('| resolution | cells drawn | first render (s) | pan frames p50 / p95 / max (ms) | longest main-thread stall (ms) | JS heap (MB) |');
console.log('|---|---|---|---|---|---|');
const cases: { resolution: number; zeros?: boolean; districts?: string; label?: string; centre?: [number, number] }[] = [
  { resolution: 9 }, { resolution: 10 }, { resolution: 11 },
  { resolution: 10, zeros: true, label: '10, empty cells too' },
  { resolution: 11, zeros: true, districts: 'E08000013', label: '11, empty cells too, St Helens', centre: [-2.73, 53.46] },
];
for (const { resolution, zeros, districts, label, centre } of cases) {
  const extra = `${zeros ? '&zeros=1' : ''}${districts ? `&districts=${districts}` : ''}`;
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // tsx keeps function names with a __name helper that the page does not have.
  await page.addInitScript(() => { (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f; });
  const t0 = Date.now();
  // Long tasks (main thread busy over 50 ms): the page must never freeze while the cells load or pan.
  await page.addInitScript(() => {
    (window as any).__longest = 0;
    new PerformanceObserver((l) => { for (const e of l.getEntries()) (window as any).__longest = Math.max((window as any).__longest, e.duration); }).observe({ type: 'longtask', buffered: true });
  });
  await page.goto(`${url}/?resolution=${resolution}&zoom=${centre ? 11 : 10.3}&lat=${centre?.[1] ?? 53.43}&lng=${centre?.[0] ?? -2.9}${extra}`);
  await page.waitForFunction(() => (window as any).__harmgridReady === true, null, { timeout: 120_000 });
  await page.waitForFunction(() => { const m = (window as any).__harmgridMap; return m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 120_000 });
  const firstRender = (Date.now() - t0) / 1000;
  const drawn = ((await (await fetch(`${url}/api/cells?resolution=${resolution}${zeros ? '&zeros=true' : ''}${districts ? `&districts=${districts}` : ''}`)).json()) as { cells: string[] }).cells.length;
  const frames = await page.evaluate(async () => {
    const m = (window as any).__harmgridMap;
    const deltas: number[] = [];
    let last = performance.now();
    let running = true;
    const tick = () => { const now = performance.now(); deltas.push(now - last); last = now; if (running) requestAnimationFrame(tick); };
    requestAnimationFrame(tick);
    for (const [dx, dy] of [[300, 0], [0, 200], [-300, 0], [0, -200]]) {
      m.panBy([dx, dy], { duration: 600 });
      await new Promise((r) => setTimeout(r, 700));
    }
    running = false;
    return deltas.slice(1).sort((a, b) => a - b);
  });
  const q = (p: number) => frames[Math.min(frames.length - 1, Math.floor(p * frames.length))]!;
  const heap = await page.evaluate(() => ((performance as any).memory?.usedJSHeapSize ?? 0) / 1048576);
  const longest = await page.evaluate(() => (window as any).__longest as number);
  console.log(`| ${label ?? resolution} | ${drawn.toLocaleString('en-GB')} | ${firstRender.toFixed(1)} | ${q(0.5).toFixed(1)} / ${q(0.95).toFixed(1)} / ${frames[frames.length - 1]!.toFixed(1)} | ${longest.toFixed(0)} | ${heap.toFixed(0)} |`);
  await page.close();
}
await browser.close();
await running?.close();
process.exit(0);
