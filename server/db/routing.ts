import pg from 'pg';
import type { Db } from './connection';

/**
 * Read replicas (DATABASE_READ_URL, one or several, comma-separated): read-only statements made
 * outside a transaction go to a streaming replica of the primary; everything else — writes, DDL,
 * anything inside a transaction, and reads made before the replicas have replayed this process's
 * last write — goes to the primary. A replica that is down, or behind the primary for longer than
 * `maxLagMs`, is skipped until a health check finds it well; a read that fails because its replica
 * went away is run again on the primary, so no request fails with a replica.
 *
 * Read-your-own-writes: after a write (a statement outside a transaction, or a COMMIT) the primary's
 * WAL position is taken; a replica takes reads again only once its replay position has passed it.
 * `noteWrite()` does the same for writes made elsewhere (another node, `npm run import`), which the
 * data-version notification announces (server/db/notify.ts).
 *
 * How: the knex client's `_query` (where the pg dialect hands a statement to a connection) is
 * wrapped, so every store of the product is routed without being told. Positions compare as
 * PostgreSQL's pg_lsn (hex "X/Y", 64-bit).
 */
export interface ReadRoutingOptions {
  /** Connection strings of the replicas. */
  urls: string[];
  /** The primary's connection string, for health checks (its WAL position). */
  primaryUrl: string;
  /** Schema the product works in (search_path), as given to openDb. */
  schema?: string | undefined;
  /** A replica behind the primary for longer than this is skipped (default 5000 ms). */
  maxLagMs?: number;
  /** How often replicas are checked (default 500 ms). */
  checkEveryMs?: number;
  /** Connections per replica (default 8). */
  poolSize?: number;
}

interface Replica {
  url: string;
  pool: pg.Pool;
  up: boolean;
  replay: bigint;
  reads: number;
  lastError: string | null;
}

export interface RoutingStatus {
  primaryReads: number;
  replicas: { url: string; up: boolean; lagging: boolean; reads: number; lastError: string | null }[];
}

type KnexClient = {
  transacting?: boolean;
  _query(connection: pg.ClientBase, obj: { sql: string; bindings?: unknown[]; method?: string; options?: object; response?: unknown }): Promise<unknown>;
};

/** WAL position "X/Y" as a number. */
export function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) | BigInt(`0x${lo}`);
}

// Statements that read only: SELECT, WITH … SELECT and EXPLAIN, none of which writes, locks rows,
// or calls a function that changes anything.
const READ_START = /^\s*(select|with|explain)\b/i;
const WRITES =
  /\b(insert|update|delete|merge|for\s+(no\s+key\s+)?update|for\s+(key\s+)?share|nextval|setval|pg_notify|pg_advisory\w*|harmgrid_ensure_partitions|into)\b/i;

/** True when a statement can run on a replica. */
export function isReadOnly(sql: string, method?: string): boolean {
  if (method === 'select' || method === 'first' || method === 'pluck') return !WRITES.test(sql);
  return READ_START.test(sql) && !WRITES.test(sql);
}

// Errors after which the same read is run again on the primary: the replica is unreachable, shutting
// down, or cancelled the read for a conflict with replay.
const REPLICA_GONE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
  '40001',
]);
function replicaGone(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return REPLICA_GONE.has(e.code ?? '') || /Connection terminated|connection timeout|Client has encountered a connection error/i.test(e.message ?? '');
}

export class ReadRouter {
  private readonly replicas: Replica[];
  private readonly control: pg.Pool;
  private readonly maxLagMs: number;
  private timer: NodeJS.Timeout | null = null;
  private next = 0;
  private primaryReads = 0;
  /** The primary's position after this process's (or a notified) last write; 0 when none. */
  private mustReach = 0n;
  private writePending = false;
  /** The primary's WAL position at each recent check: a replica lags by the age of the oldest it has not replayed. */
  private samples: { at: number; lsn: bigint }[] = [];
  private readonly original: KnexClient['_query'];
  private readonly client: KnexClient;

  constructor(
    private readonly db: Db,
    opts: ReadRoutingOptions,
  ) {
    if (opts.urls.length === 0) throw new Error('read routing needs at least one replica URL (DATABASE_READ_URL)');
    const options = opts.schema ? `-c search_path=${opts.schema}` : undefined;
    this.maxLagMs = opts.maxLagMs ?? 5000;
    this.replicas = opts.urls.map((url) => ({
      url,
      pool: this.pool(url, opts.poolSize ?? 8, options),
      up: false,
      replay: 0n,
      reads: 0,
      lastError: 'not checked yet',
    }));
    this.control = this.pool(opts.primaryUrl, 1, options);
    this.client = db.client as unknown as KnexClient;
    this.original = this.client._query;
    const router = this;
    this.client._query = function (this: KnexClient, connection, obj) {
      return router.run(this, connection, obj);
    };
    const every = opts.checkEveryMs ?? 500;
    this.timer = setInterval(() => {
      void this.check();
    }, every);
    this.timer.unref();
  }

  private pool(url: string, max: number, options: string | undefined): pg.Pool {
    const pool = new pg.Pool({ connectionString: url, max, connectionTimeoutMillis: 2000, ...(options ? { options } : {}) });
    pool.on('error', () => {
      /* an idle client lost its server; the next check marks the replica down */
    });
    return pool;
  }

  /** Checks every replica once: reachable, in recovery, and how far it has replayed. */
  async check(): Promise<void> {
    try {
      const r = await this.control.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const now = Date.now();
      this.samples.push({ at: now, lsn: lsnValue(r.rows[0]!.lsn) });
      // Keep one sample older than the bound, so a lag past it can still be seen.
      while (this.samples.length > 2 && this.samples[1]!.at < now - this.maxLagMs) this.samples.shift();
    } catch {
      /* primary unreachable: reads go there anyway and fail there */
    }
    await Promise.all(
      this.replicas.map(async (rep) => {
        try {
          const r = await rep.pool.query<{ standby: boolean; replay: string | null }>(
            'SELECT pg_is_in_recovery() AS standby, pg_last_wal_replay_lsn()::text AS replay',
          );
          const row = r.rows[0]!;
          if (!row.standby || !row.replay) throw new Error('not a streaming replica (pg_is_in_recovery() is false)');
          rep.replay = lsnValue(row.replay);
          rep.up = true;
          rep.lastError = null;
        } catch (err) {
          rep.up = false;
          rep.lastError = (err as Error).message;
        }
      }),
    );
  }

  /** Reads go to the primary until the replicas have replayed the primary's present position. */
  noteWrite(): void {
    this.writePending = true;
  }

  /**
   * Waits for the first health check (startup and tests). Writes made before the router existed (the
   * migrations and the first start, on another handle) must be replayed before a replica answers.
   */
  async ready(): Promise<void> {
    await this.check();
    const last = this.samples[this.samples.length - 1];
    if (last && last.lsn > this.mustReach) this.mustReach = last.lsn;
  }

  status(): RoutingStatus {
    return {
      primaryReads: this.primaryReads,
      replicas: this.replicas.map((r) => ({
        url: r.url.replace(/\/\/[^@/]*@/, '//***@'),
        up: r.up,
        lagging: this.lagging(r),
        reads: r.reads,
        lastError: r.lastError,
      })),
    };
  }

  /** Not yet replayed a position the primary had reached more than maxLagMs ago. */
  private lagging(r: Replica): boolean {
    const bound = Date.now() - this.maxLagMs;
    return this.samples.some((s) => s.at < bound && s.lsn > r.replay);
  }

  private pick(): Replica | null {
    for (let k = 0; k < this.replicas.length; k++) {
      const r = this.replicas[(this.next + k) % this.replicas.length]!;
      if (r.up && !this.lagging(r) && r.replay >= this.mustReach) {
        this.next = (this.next + k + 1) % this.replicas.length;
        return r;
      }
    }
    return null;
  }

  private async run(client: KnexClient, connection: pg.ClientBase, obj: Parameters<KnexClient['_query']>[1]): Promise<unknown> {
    const read = !client.transacting && isReadOnly(obj.sql, obj.method);
    if (!read) {
      const out = await this.original.call(client, connection, obj);
      if (!client.transacting || /^\s*commit\b/i.test(obj.sql)) this.writePending = true;
      return out;
    }
    if (this.writePending) {
      // The position after the write, on the connection already in hand.
      this.writePending = false;
      const r = await connection.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn');
      const at = lsnValue(r.rows[0]!.lsn);
      if (at > this.mustReach) this.mustReach = at;
    }
    const replica = this.pick();
    if (replica) {
      try {
        obj.response = await replica.pool.query({ text: obj.sql, values: (obj.bindings ?? []) as unknown[], ...(obj.options ?? {}) });
        replica.reads += 1;
        return obj;
      } catch (err) {
        if (!replicaGone(err)) throw err;
        replica.up = false;
        replica.lastError = (err as Error).message;
      }
    }
    this.primaryReads += 1;
    return this.original.call(client, connection, obj);
  }

  /** Stops routing (the primary answers everything again) and closes the replica connections. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.client._query = this.original;
    await Promise.all([...this.replicas.map((r) => r.pool.end()), this.control.end()]);
  }
}

/** DATABASE_READ_URL as a list (comma-separated; blanks ignored). */
export function readUrlsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.DATABASE_READ_URL ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}
