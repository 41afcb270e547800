import { AsyncLocalStorage } from 'node:async_hooks';
import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { lockFolder, type FolderLock, type LockHolder } from './folderLock';
import { migrationSource } from './migrationSource';

export { DatabaseLockedError } from './folderLock';

// int8 (bigint) and numeric come back as strings from node-postgres by default; counts and sums
// in this product stay far below 2^53, so parse them as numbers once, here, for every query.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

export type Db = Knex;

export interface DbOptions {
  databaseUrl?: string | undefined;
  /** Folder of the embedded database, or 'memory'. */
  pgliteDir?: string;
  /** PostgreSQL schema to work in (tests use their own); default public. */
  schema?: string;
  /**
   * PostgreSQL only: statement_timeout of every connection in ms (the server sets it so that no single
   * query can run on unbounded; imports run without). PGlite runs in this process and has no timer to
   * stop a statement; see README "Limits".
   */
  statementTimeoutMs?: number;
}

/** What a handle took on opening: the embedded folder's lock and any stale lock it cleared. */
export const lockOf = new WeakMap<Db, FolderLock>();
export function clearedLockOf(db: Db): LockHolder | null {
  return lockOf.get(db)?.cleared ?? null;
}

/** The work one request stands for: once it is abandoned, its queries are refused or cancelled. */
export interface QueryScope {
  signal: AbortSignal;
  /** PostgreSQL backends running a query for this scope (pid → the handle that can cancel it). */
  running: Map<number, Db>;
}
const scopes = new AsyncLocalStorage<QueryScope>();

/** Runs fn with its queries bound to the signal: after abort no new query starts, running ones are cancelled. */
export function withQueryScope<T>(signal: AbortSignal, fn: () => T): T {
  const scope: QueryScope = { signal, running: new Map() };
  signal.addEventListener(
    'abort',
    () => {
      for (const [pid, db] of scope.running) {
        // A query of the abandoned request is still running on this backend: cancel it there.
        db.raw('SELECT pg_cancel_backend(?)', [pid]).catch(() => {});
      }
    },
    { once: true },
  );
  return scopes.run(scope, fn);
}

export class QueryAbandonedError extends Error {
  constructor(reason: unknown) {
    super(`the request was abandoned (${reason instanceof Error ? reason.message : String(reason ?? 'aborted')}), so its remaining queries were not run`);
    this.name = 'QueryAbandonedError';
  }
}

const patched = Symbol('harmgrid.queryScope');
/**
 * Hooks the knex client class (shared by transactions) once: a query asked for inside an aborted
 * scope is refused, and a PostgreSQL backend's pid is recorded while it runs for a scope.
 */
function hookQueries(db: Db): void {
  let proto = Object.getPrototypeOf(db.client) as Record<string | symbol, unknown>;
  while (proto && !Object.prototype.hasOwnProperty.call(proto, 'query')) proto = Object.getPrototypeOf(proto) as Record<string | symbol, unknown>;
  if (!proto || proto[patched]) return;
  const original = proto.query as (this: unknown, conn: unknown, q: unknown) => Promise<unknown>;
  proto.query = async function (this: { [k: symbol]: Db | undefined }, conn: { processID?: number }, q: unknown) {
    const scope = scopes.getStore();
    if (!scope) return original.call(this, conn, q);
    // PGlite answers in this thread through promise callbacks only, so a request of many queries would
    // keep timers and other requests waiting until its last one: give them a turn before each query.
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (scope.signal.aborted) throw new QueryAbandonedError(scope.signal.reason);
    const pid = conn?.processID;
    const handle = this[ownerKey];
    if (pid && handle) scope.running.set(pid, handle);
    try {
      return await original.call(this, conn, q);
    } finally {
      if (pid) scope.running.delete(pid);
    }
  };
  proto[patched] = true;
}
const ownerKey = Symbol('harmgrid.owner');

/** Which database a handle talks to, for messages and the /health endpoint. */
export function describeDb(opts: DbOptions): string {
  if (opts.databaseUrl) return `PostgreSQL (${opts.databaseUrl.replace(/\/\/[^@/]*@/, '//***@')})`;
  return opts.pgliteDir === 'memory' || !opts.pgliteDir ? 'embedded PGlite (in memory)' : `embedded PGlite (${opts.pgliteDir})`;
}

/**
 * Opens the database: PostgreSQL when a connection string is given, else embedded PGlite.
 * Every query of the product goes through the returned knex handle.
 */
export function openDb(opts: DbOptions): Db {
  if (opts.databaseUrl) {
    const db = knexFactory({
      client: 'pg',
      connection: { connectionString: opts.databaseUrl, ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}) },
      pool: { min: 0, max: 8 },
      ...(opts.schema ? { searchPath: [opts.schema] } : {}),
    });
    // Cancelling needs a second connection: a separate small handle, so a full pool cannot block it.
    const canceller = knexFactory({ client: 'pg', connection: opts.databaseUrl, pool: { min: 0, max: 1 } });
    (db.client as { [ownerKey]?: Db })[ownerKey] = canceller;
    hookQueries(db);
    onDestroy(db, () => canceller.destroy());
    return db;
  }
  const dir = opts.pgliteDir;
  const lock = dir && dir !== 'memory' ? lockFolder(dir) : null;
  const db = knexFactory({
    client: ClientPgLite as unknown as Knex.Config['client'],
    dialect: 'postgres',
    connection: { pglite: new PGlite(dir && dir !== 'memory' ? dir : undefined, { startParams: PGLITE_START_PARAMS }) },
  } as Knex.Config);
  hookQueries(db);
  if (lock) {
    lockOf.set(db, lock);
    onDestroy(db, async () => lock.release());
  }
  return db;
}

/**
 * PGlite's own start parameters, plus wal_level minimal: the embedded database has no replica or
 * archive to feed, and at that level a table truncated or an index made in a transaction is written
 * without a copy in the WAL (the bulk load of the first start truncates its empty tables for this;
 * server/db/bulkLoad.ts). Crash safety is unchanged: such files are written out at commit.
 */
const PGLITE_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'wal_level=minimal', '-c', 'max_wal_senders=0'];

/** Runs `after` once the handle's pool is destroyed (knex's own destroy is read-only; its client's is not). */
function onDestroy(db: Db, after: () => Promise<unknown>): void {
  const client = db.client as { destroy(cb?: unknown): Promise<unknown> };
  const destroy = client.destroy.bind(client);
  client.destroy = async (cb?: unknown) => {
    try {
      return await destroy(cb);
    } finally {
      await after();
    }
  };
}

/** Brings the schema up to date; the same migration files run on PostgreSQL and PGlite. */
export async function migrate(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/** Rows of a raw query, whichever driver answered (pg and PGlite shape results alike). */
export function rowsOf<T>(result: unknown): T[] {
  const r = result as { rows?: T[] };
  return r.rows ?? [];
}

/** A timestamp column as an ISO 8601 string in UTC: pg and PGlite give Date objects, answers carry strings. */
export const isoTime = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
