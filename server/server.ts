import type { AddressInfo } from 'node:net';
import path from 'node:path';
import fs from 'node:fs';
import { loadConfig, type Config } from './config';
import { clearedLockOf, describeDb, migrate, openDb, type Db } from './db/connection';
import { FirstStartStore } from './db/firstStart';
import { IncidentStore } from './db/incidents';
import { DataVersionFeed } from './db/notify';
import { ReadRouter, readUrlsFromEnv } from './db/routing';
import { seedBuiltins } from './db/seed';
import { createApp } from './http/app';
import { AuthService } from './services/auth';
import { importPaths, summariseImport } from './ingest/importPaths';
import { tagIncidents } from './services/tagging';
import { requestLimits } from './http/limits';
import { createBasemapRouter } from './tiles/router';
import { ensureWebBuild } from './webBuild';

export interface StartOptions {
  port?: number;
  /** Prepare the first answers ahead after start and after new data (default: HARMGRID_PREPARE, on except under the test runner). */
  prepare?: boolean;
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
  /** Interface to listen on (default HOST or 127.0.0.1). */
  host?: string;
  /** Sign-in settings (default from the environment, server/authConfig.ts). */
  auth?: Partial<Config['auth']>;
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
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    auth: { ...base.auth, ...opts.auth },
  };
  const log = opts.quiet ? () => {} : (line: string) => console.log(line);
  const dbOpts = { databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir, ...(opts.schema ? { schema: opts.schema } : {}) };
  const limits = requestLimits();
  // On PostgreSQL the first-start import runs on its own handle without a statement timeout; the
  // serving handle bounds every statement. PGlite allows one handle (and one process) per folder.
  let db = openDb(dbOpts);
  log(`harmgrid: database ${describeDb(dbOpts)}`);
  const stale = clearedLockOf(db);
  if (stale)
    log(
      `harmgrid: cleared the lock left by process ${stale.pid} (${stale.command}), which is no longer running; the database recovers from its write-ahead log`,
    );
  try {
    await migrate(db);
    await seedBuiltins(db);
    await new AuthService(db, config.auth).assertServable(config.host);
    if (config.autoImport) await firstStart(db, config, log);
    await repairTagging(db, log);
    if (config.databaseUrl && limits.statementTimeoutMs) {
      await db.destroy();
      db = openDb({ ...dbOpts, statementTimeoutMs: limits.statementTimeoutMs });
    }
  } catch (e) {
    await db.destroy().catch(() => {});
    throw e;
  }

  // Read replicas (DATABASE_READ_URL) take the read-only statements once the schema and sample are in.
  const readUrls = opts.readUrls ?? readUrlsFromEnv();
  const router =
    readUrls.length && config.databaseUrl
      ? new ReadRouter(db, {
          urls: readUrls,
          primaryUrl: config.databaseUrl,
          schema: opts.schema,
          maxLagMs: Number(process.env.DATABASE_READ_MAX_LAG_MS || 5000),
        })
      : null;
  if (router) {
    await router.ready();
    log(
      `harmgrid: reads on ${readUrls.length} replica(s): ${router
        .status()
        .replicas.map((r) => `${r.url} ${r.up ? 'up' : `down (${r.lastError})`}`)
        .join(', ')}`,
    );
  }

  // Cached answers end on every node when any writer changes the data (NOTIFY, migration 20261203000051);
  // a write announced by another node also sends this node's reads to the primary until replicas catch up.
  const feed = config.databaseUrl ? new DataVersionFeed(config.databaseUrl, opts.schema) : null;
  if (feed) {
    feed.subscribe(() => router?.noteWrite());
    await feed.start().catch((err: Error) => log(`harmgrid: not following data changes by LISTEN (${err.message}); the version is read per request`));
  }

  if (opts.buildWeb ?? process.env.HARMGRID_SKIP_WEB_BUILD !== '1') await ensureWebBuild(log);
  const app = createApp({
    db,
    config,
    limits,
    ...(feed ? { versionFeed: feed } : {}),
    // On by default; off under the test runner (each test's server would pay for it) unless asked.
    ...((opts.prepare ?? (process.env.HARMGRID_PREPARE || (process.env.VITEST ? '0' : '1')) === '1') ? { prepareAhead: log } : {}),
    extraRouters: [createBasemapRouter({ dataDir: config.dataDir, styleUrl: process.env.HARMGRID_BASEMAP_STYLE_URL || undefined, prepare: true })],
  });
  const server = app.listen(config.port, config.host);
  // Keep idle connections longer than the clients and proxies in front (60 s is common), so a client
  // never reuses a socket the server has just closed (ECONNRESET on the next request).
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${port}`;
  return {
    url,
    db,
    config,
    router,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      const preparing = (app.locals.stopPreparing as () => Promise<void>)(); // finishes its step before the database closes
      server.closeAllConnections(); // keep-alive connections would otherwise hold the close open
      await closed;
      await preparing;
      await feed?.close();
      await router?.close();
      await db.destroy();
    },
  };
}

/**
 * Imports the sample data into a new database, recorded as begun and finished. A start that finds
 * it begun but unfinished (the last one was killed) resumes it: the reference and boundary files are
 * each stored whole in their own transaction, and all incident files in one (a bulk load into the
 * empty store, importPaths), so files already stored are recognised by checksum and skipped, and
 * the incidents, of which a kill leaves none, are loaded again from the start.
 */
async function firstStart(db: Db, config: Config, log: (line: string) => void): Promise<void> {
  const store = new FirstStartStore(db);
  const record = await store.get();
  if (record?.finishedAt) return;
  const resuming = Boolean(record);
  if (!resuming && (await new IncidentStore(db).count()) > 0) return; // incidents imported by hand, not a first start
  // A sample folder with boundary files of its own (a force's folder: police/ and boundaries/) brings
  // its own places; otherwise the shared folder's boundaries and local deprivation go with it.
  const ownPlaces = fs.existsSync(config.sampleDir) && holdsGeoJson(config.sampleDir);
  // The national deprivation file (all English LSOAs) serves a force that brings no deprivation of its own.
  const shared = ownPlaces ? ['harm', path.join('national', 'deprivation')] : ['harm', 'boundaries', 'deprivation'];
  const sources = shared
    .map((d) => path.join(config.dataDir, d))
    .concat(config.sampleDir)
    .filter((p) => fs.existsSync(p));
  if (sources.length === 0) {
    log(`harmgrid: the database is empty and no sample data was found at ${config.sampleDir}; set HARMGRID_DATA_DIR or import files with npm run import`);
    return;
  }
  await store.begin();
  log(
    resuming
      ? `harmgrid: the first start's import was interrupted (begun ${new Date(record!.startedAt).toISOString()}); resuming it: files already stored whole are skipped, the rest imported now (the incidents load in one transaction, so none were kept)`
      : `harmgrid: empty database — importing the sample data from ${sources.join(' and ')} (a minute or two, once)`,
  );
  const t0 = Date.now();
  const report = await importPaths(db, sources, log);
  const already = report.files.filter((f) => f.status === 'skipped' && f.message.startsWith('already imported')).length;
  const summary = summariseImport(report).message + (resuming ? `; ${already} files were already stored whole before the interruption` : '');
  log(
    `harmgrid: ${summary}, in ${((Date.now() - t0) / 1000).toFixed(1)} s` +
      (report.failed.length || report.files.some((f) => f.status === 'rejected') ? ' (the reasons are above and in GET /api/imports)' : ''),
  );
  await store.finish(summary);
}

/**
 * Incidents that a tagging pass never reached (an import or first start killed between storing a
 * file and tagging the batch) are tagged now, so no district reads 0 for want of its tags.
 */
async function repairTagging(db: Db, log: (line: string) => void): Promise<void> {
  const untagged = await new FirstStartStore(db).untaggedIncidents();
  if (untagged === 0) return;
  log(`harmgrid: ${untagged} incidents have no district, ward or LSOA yet (an import was interrupted before tagging); tagging them now`);
  const t = await db.transaction((trx) => tagIncidents(trx));
  log(`harmgrid: tagged incidents at ${t.positions} positions in ${(t.ms / 1000).toFixed(1)} s`);
}

/** Whether a folder (searched recursively) holds a GeoJSON file. */
function holdsGeoJson(dir: string): boolean {
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).some((f) => /\.(geo)?json$/i.test(f));
}
