import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, type Config } from './config';
import { describeDb, migrate, openDb, type Db } from './db/connection';
import { IncidentStore } from './db/incidents';
import { DataVersionFeed } from './db/notify';
import { ReadRouter, readUrlsFromEnv } from './db/routing';
import { seedBuiltins } from './db/seed';
import { createApp } from './http/app';
import { importPaths, summariseImport } from './ingest/importPaths';
import { createBasemapRouter } from './tiles/router';
import { ensureWebBuild } from './webBuild';

export interface StartOptions {
  port?: number;
  databaseUrl?: string;
  /** Folder of the embedded database, or 'memory'. */
  pgliteDir?: string;
  dataDir?: string;
  sampleDir?: string;
  autoImport?: boolean;
  quiet?: boolean;
  /** PostgreSQL schema (tests); default public. */
  schema?: string;
  uploadLimitBytes?: number;
  /** Replica connection strings for reads (default DATABASE_READ_URL). */
  readUrls?: string[];
  /** Build the web app first when it is missing or stale (default true). */
  buildWeb?: boolean;
}

export interface RunningServer {
  url: string;
  db: Db;
  config: Config;
  /** Read routing to replicas, when DATABASE_READ_URL (or readUrls) names any. */
  router: ReadRouter | null;
  close(): Promise<void>;
}

/**
 * Opens the database, brings the schema up to date, imports the sample data into an empty database
 * (harm reference tables, then every incident CSV under the sample folder) and starts listening.
 */
export async function startServer(opts: StartOptions = {}): Promise<RunningServer> {
  const base = loadConfig();
  const config: Config = {
    ...base,
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.databaseUrl !== undefined ? { databaseUrl: opts.databaseUrl || undefined } : {}),
    ...(opts.pgliteDir !== undefined ? { pgliteDir: opts.pgliteDir } : {}),
    ...(opts.dataDir !== undefined ? { dataDir: opts.dataDir, sampleDir: opts.sampleDir ?? path.join(opts.dataDir, 'police') } : {}),
    ...(opts.sampleDir !== undefined ? { sampleDir: opts.sampleDir } : {}),
    ...(opts.autoImport !== undefined ? { autoImport: opts.autoImport } : {}),
    ...(opts.uploadLimitBytes !== undefined ? { uploadLimitBytes: opts.uploadLimitBytes } : {}),
  };
  const log = opts.quiet ? () => {} : (line: string) => console.log(line);
  const db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, ...(opts.schema ? { schema: opts.schema } : {}) });
  log(`harmgrid: database ${describeDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir })}`);
  await migrate(db);
  await seedBuiltins(db);

  if (config.autoImport && (await new IncidentStore(db).count()) === 0) {
    const sources = ['harm', 'boundaries', 'deprivation', path.join('national', 'deprivation')].map((d) => path.join(config.dataDir, d)).concat(config.sampleDir).filter((p) => fs.existsSync(p));
    if (sources.length === 0) {
      log(`harmgrid: the database is empty and no sample data was found at ${config.sampleDir}; set HARMGRID_DATA_DIR or import files with npm run import`);
    } else {
      log(`harmgrid: empty database — importing the sample data from ${sources.join(' and ')} (a minute or two, once)`);
      const t0 = Date.now();
      const report = await importPaths(db, sources, log);
      log(`harmgrid: ${summariseImport(report).message}, in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
        (report.failed.length || report.files.some((f) => f.status === 'rejected') ? ' (the reasons are above and in GET /api/imports)' : ''));
    }
  }

  // Read replicas (DATABASE_READ_URL) take the read-only statements once the schema and sample are in.
  const readUrls = opts.readUrls ?? readUrlsFromEnv();
  const router = readUrls.length && config.databaseUrl
    ? new ReadRouter(db, { urls: readUrls, primaryUrl: config.databaseUrl, schema: opts.schema, maxLagMs: Number(process.env.DATABASE_READ_MAX_LAG_MS || 5000) })
    : null;
  if (router) { await router.ready(); log(`harmgrid: reads on ${readUrls.length} replica(s): ${router.status().replicas.map((r) => `${r.url} ${r.up ? 'up' : `down (${r.lastError})`}`).join(', ')}`); }

  // Cached answers end on every node when any writer changes the data (NOTIFY, migration 20261203000051);
  // a write announced by another node also sends this node's reads to the primary until replicas catch up.
  const feed = config.databaseUrl ? new DataVersionFeed(config.databaseUrl, opts.schema) : null;
  if (feed) {
    feed.subscribe(() => router?.noteWrite());
    await feed.start().catch((err: Error) => log(`harmgrid: not following data changes by LISTEN (${err.message}); the version is read per request`));
  }

  if (opts.buildWeb ?? process.env.HARMGRID_SKIP_WEB_BUILD !== '1') await ensureWebBuild(log);
  const app = createApp({
    db, config, ...(feed ? { versionFeed: feed } : {}),
    extraRouters: [createBasemapRouter({ dataDir: config.dataDir, styleUrl: process.env.HARMGRID_BASEMAP_STYLE_URL || undefined })],
  });
  const server = app.listen(config.port, config.host);
  // Keep idle connections longer than the clients and proxies in front (60 s is common), so a client
  // never reuses a socket the server has just closed (ECONNRESET on the next request).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => { server.once('listening', resolve); server.once('error', reject); });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  return {
    url, db, config, router,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections(); // keep-alive connections would otherwise hold the close open
      await closed;
      await feed?.close();
      await router?.close();
      await db.destroy();
    },
  };
}
