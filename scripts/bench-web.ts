/**
 * npm run bench:web [-- URL] — render figures of the map in headless Chromium: time to the first
 * rendered hotspot layer, frame times while panning, and the JavaScript heap, at resolutions 9, 10
 * and 11 over the whole force. Starts the service on the configured database unless a URL is given.
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
console.log('| resolution | cells drawn | first render (s) | pan frames p50 / p95 / max (ms) | JS heap (MB) |');
console.log('|---|---|---|---|---|');
for (const resolution of [9, 10, 11]) {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  // tsx keeps function names with a __name helper that the page does not have.
  await page.addInitScript(() => { (window as unknown as { __name: (f: unknown) => unknown }).__name = (f) => f; });
  const t0 = Date.now();
  await page.goto(`${url}/?resolution=${resolution}&zoom=10.3&lat=53.43&lng=-2.9`);
  await page.waitForFunction(() => (window as any).__harmgridReady === true, null, { timeout: 120_000 });
  await page.waitForFunction(() => { const m = (window as any).__harmgridMap; return m.loaded() && m.areTilesLoaded() && !m.isMoving(); }, null, { timeout: 120_000 });
  const firstRender = (Date.now() - t0) / 1000;
  const drawn = ((await (await fetch(`${url}/api/cells?resolution=${resolution}`)).json()) as { cells: string[] }).cells.length;
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
  console.log(`| ${resolution} | ${drawn.toLocaleString('en-GB')} | ${firstRender.toFixed(1)} | ${q(0.5).toFixed(1)} / ${q(0.95).toFixed(1)} / ${frames[frames.length - 1]!.toFixed(1)} | ${heap.toFixed(0)} |`);
  await page.close();
}
await browser.close();
await running?.close();
process.exit(0);
