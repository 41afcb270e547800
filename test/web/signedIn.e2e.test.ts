import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../server/server';
import { AuthService } from '../../server/services/auth';
import { launchChromium, startTestServer } from '../support/server';

const PASSWORD = 'correct horse battery staple';

// The top bar in headless Chromium: who is signed in, their role, a sign-out that ends the session,
// and for a partner the disclosure control rules (README, "Disclosure control").
describe('signed-in name, sign-out and the partner note in headless Chromium', () => {
  let server: RunningServer;
  let browser: Browser;

  beforeAll(async () => {
    server = await startTestServer(['2019-10']);
    const auth = new AuthService(server.db, server.config.auth);
    await auth.createUser({ username: 'partner@example.org', displayName: 'Pat Partner', role: 'partner', forces: 'all', password: PASSWORD }, null);
    await auth.createUser({ username: 'analyst@example.org', displayName: 'Ana Analyst', role: 'analyst', forces: 'all', password: PASSWORD }, null);
    browser = await launchChromium();
  }, 600_000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const signIn = async (username: string) => {
    const page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
    await page.goto(`${server.url}/sign-in?next=/`);
    await page.fill('#username', username);
    await page.fill('#password', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForLoadState('load');
    if (page.url() !== `${server.url}/`) throw new Error(`sign-in ended at ${page.url()}: ${(await page.textContent('body'))?.slice(0, 300)}`);
    await page.getByTestId('signed-in').waitFor({ timeout: 60_000 });
    return page;
  };

  it('a partner sees their name, role and the rules; signing out ends the session', async () => {
    const page = await signIn('partner@example.org');
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toContain('Pat Partner (partner)');
    const note = page.getByTestId('disclosure-note');
    expect(await note.isVisible()).toBe(true);
    expect(await note.textContent()).toContain('shown as "<5"');
    expect(await note.textContent()).toContain('multiple of 5');
    await Promise.all([page.waitForURL(/\/sign-in/), page.getByTestId('sign-out').click()]);
    const me = await page.evaluate(() => fetch('/api/auth/me').then((r) => r.status));
    expect(me).toBe(401);
  }, 120_000);

  it('an analyst sees their name and role and no disclosure note', async () => {
    const page = await signIn('analyst@example.org');
    await expect.poll(() => page.getByTestId('signed-in').textContent()).toContain('Ana Analyst (analyst)');
    expect(await page.getByTestId('disclosure-note').count()).toBe(0);
    expect(await page.getByTestId('sign-out').isVisible()).toBe(true);
  }, 120_000);
});
