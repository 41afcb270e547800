import fs from 'node:fs';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../server/config';
import type { Db } from '../../server/db/connection';
import { createApp } from '../../server/http/app';
import { startServer, type RunningServer, type StartOptions } from '../../server/server';
import { TEST_SCHEMA, freshDb, onPostgres } from './db';
import { dataDir, monthFile, tempDir } from './data';

export const CHROMIUM = '/usr/bin/chromium';
export const hasChromium = fs.existsSync(CHROMIUM);

/**
 * The real server on the real data: the given months of data.police.uk files as its sample folder
 * (linked, not copied), on PostgreSQL in the test schema (made anew) or PGlite in memory, like CI.
 * close() stops it and removes the sample folder.
 */
export async function startTestServer(
  months: string[],
  opts: Omit<StartOptions, 'sampleDir' | 'databaseUrl' | 'pgliteDir' | 'schema'> = {},
): Promise<RunningServer> {
  const sample = tempDir();
  for (const m of months) fs.symlinkSync(monthFile(m), path.join(sample, path.basename(monthFile(m))));
  return serveFolders(sample, { dataDir, sampleDir: sample }, opts);
}

/** The real server, importing on first start, on a clean test database; close() also removes `remove`. */
async function serveFolders(remove: string, folders: { dataDir: string; sampleDir: string }, opts: Partial<StartOptions>): Promise<RunningServer> {
  if (onPostgres) await (await freshDb()).destroy(); // a clean schema; the server migrates it
  const server = await startServer({
    port: 0,
    quiet: true,
    ...folders,
    autoImport: true,
    ...opts,
    ...(onPostgres ? { databaseUrl: `${process.env.DATABASE_URL}`, schema: TEST_SCHEMA } : { databaseUrl: '', pgliteDir: 'memory' }),
  });
  return {
    ...server,
    close: async () => {
      await server.close();
      fs.rmSync(remove, { recursive: true, force: true });
    },
  };
}

/**
 * The real server over exactly the files given (data.police.uk months and ONS boundary files of any
 * force, linked, not copied), imported on first start like a user's own: a data folder of its own
 * holds the harm tables and the basemap of the shared data and nothing else, so no other force's
 * boundaries or deprivation come in. close() stops it and removes the folders.
 */
export async function startServerWith(
  files: string[],
  opts: Omit<StartOptions, 'sampleDir' | 'dataDir' | 'databaseUrl' | 'pgliteDir' | 'schema'> = {},
): Promise<RunningServer> {
  const data = tempDir('harmgrid-data-');
  for (const d of ['harm', 'basemap']) if (fs.existsSync(path.join(dataDir, d))) fs.symlinkSync(path.join(dataDir, d), path.join(data, d));
  const sample = path.join(data, 'files');
  fs.mkdirSync(sample);
  for (const f of files) {
    if (!fs.existsSync(f)) throw new Error(`the test needs the real data file ${f}; set HARMGRID_DATA_DIR to the shared data folder`);
    fs.symlinkSync(f, path.join(sample, path.basename(f)));
  }
  return serveFolders(data, { dataDir: data, sampleDir: sample }, opts);
}

/**
 * Waits until the app says every layer shows the answer for the current view (`__harmgridReady`) and
 * the map has its tiles and stands still: the moment a user would read it.
 */
export async function mapSettled(page: Page, timeout = 60_000): Promise<void> {
  type AppWindow = { __harmgridReady?: boolean; __harmgridMap?: { loaded(): boolean; areTilesLoaded(): boolean; isMoving(): boolean } };
  await page.waitForFunction(() => (window as unknown as AppWindow).__harmgridReady === true, null, { timeout });
  await page.waitForFunction(
    () => {
      const m = (window as unknown as AppWindow).__harmgridMap;
      return Boolean(m && m.loaded() && m.areTilesLoaded() && !m.isMoving());
    },
    null,
    { timeout },
  );
}

/**
 * Debian's Chromium, headless, as the brief sets it: no sandbox (root in CI), no GPU, and no background
 * networking (the machine has no internet; Chromium's own calls home would be refused).
 */
export function launchChromium(): Promise<Browser> {
  // Fail loudly: a browser test that skips without Chromium would pass without testing anything.
  if (!hasChromium) throw new Error(`the browser tests need Chromium at ${CHROMIUM} (apt-get install chromium)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-quic',
      '--no-first-run',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * The HTTP app over a database the test filled itself (importPaths), on a free local port; for tests
 * that choose exactly which files are loaded. close() stops listening (the test closes its database).
 */
export async function serveApp(db: Db): Promise<{ url: string; close(): Promise<void> }> {
  const server = createApp({ db, config: { ...loadConfig(), dataDir } }).listen(0, '127.0.0.1');
  // As server.ts does: idle sockets outlive the client's, so a reused socket is never one just closed (ECONNRESET).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Whether a page's request left the machine: anything but the server itself, its blob: URLs and data: URLs. */
export function isRemoteRequest(url: string, serverUrl: string): boolean {
  return !(url.startsWith(serverUrl) || url.startsWith(`blob:${serverUrl}`) || url.startsWith('data:'));
}
