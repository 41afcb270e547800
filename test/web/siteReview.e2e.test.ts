import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { launchChromium, startTestServer, isRemoteRequest } from '../support/server';

// Three real months: too few for the period before, which the report must say rather than fail.
const MONTHS = ['2021-07', '2021-08', '2021-09'];
const artifacts = path.resolve('test-artifacts');
const NAME = 'Church Street review (e2e)';
// A site drawn by the test: a 60 m buffer around a point on Liverpool's Church Street (OSM basemap
// way, the node at -2.983228, 53.405125). No site ships with harmgrid.
const SITE = { name: NAME, bufferMetres: 60, notes: 'drawn by the e2e test', geometry: { type: 'Point', coordinates: [-2.983228, 53.405125] } };

// Real headless Chromium (Debian's package) on the real server and real data.
describe('site review report printed to PDF in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;
  const errors: string[] = [];

  beforeAll(async () => {
    fs.mkdirSync(artifacts, { recursive: true });
    server = await startTestServer(MONTHS, { buildWeb: false });
    browser = await launchChromium();
  }, 400_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('opens review.html with no remote request and no script error, and prints it to a PDF holding the site name', async () => {
    const created = await fetch(`${server.url}/api/sites`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(SITE) });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: number };
    const page = await (await browser.newContext()).newPage();
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('request', (r) => {
      if (isRemoteRequest(r.url(), server.url)) errors.push(`remote request: ${r.url()}`);
    });
    const res = await page.goto(`${server.url}/api/sites/${id}/review.html`);
    expect(res?.status()).toBe(200);
    expect(await page.locator('h1').textContent()).toBe(`Site review: ${NAME}`);
    expect(await page.locator('text=are not all loaded').count()).toBeGreaterThan(0);
    expect(await page.locator('svg path.site').count()).toBe(1);
    await page.screenshot({ path: path.join(artifacts, 'site-review.png'), fullPage: true });
    // The print button calls window.print() (allowed by the page's script hash, so the CSP does not block it).
    await page.evaluate(() => {
      (window as unknown as { printed: number }).printed = 0;
      window.print = () => {
        (window as unknown as { printed: number }).printed++;
      };
    });
    await page.click('#print');
    expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('#print').isVisible()).toBe(false);
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    fs.writeFileSync(path.join(artifacts, 'site-review.pdf'), pdf);
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-')).toBe(true);
    const pages = (text.match(/\/Type\s*\/Page[^s]/g) ?? []).length;
    expect(pages).toBeGreaterThanOrEqual(1);
    // The title names the site: Chromium writes it into the PDF's document information.
    expect(text).toContain('Church Street review');
    const pre = await page.goto(`${server.url}/api/sites/${id}/review.html?variant=preliminary&rings=250,500`);
    expect(pre?.status()).toBe(200);
    fs.writeFileSync(path.join(artifacts, 'site-review-preliminary.pdf'), await page.pdf({ format: 'A4', printBackground: true }));
    expect(errors).toEqual([]);
  });
});
