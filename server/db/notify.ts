import pg from 'pg';

/**
 * The data version as the database announces it (NOTIFY harmgrid_data_version, migration
 * 20261203000051): one connection per API node LISTENs, reads the present version once, then
 * follows the notifications of its schema. While it is connected `current` is the version (no query
 * per request); when the connection drops `current` is null (callers read the version themselves)
 * and it reconnects with a growing pause.
 */
export class DataVersionFeed {
  current: number | null = null;
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 250;
  private readonly listeners = new Set<(version: number) => void>();

  constructor(
    private readonly url: string,
    private readonly schema = 'public',
  ) {}

  /** Called with every newer version (not the first read). */
  subscribe(fn: (version: number) => void): void {
    this.listeners.add(fn);
  }

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: `harmgrid data version ${this.schema}`,
      ...(this.schema !== 'public' ? { options: `-c search_path=${this.schema}` } : {}),
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (n) => {
      const [schema, v] = (n.payload ?? '').split(' ');
      const version = Number(v);
      if (schema !== this.schema || !Number.isFinite(version)) return;
      if (this.current === null || version > this.current) {
        this.current = version;
        for (const fn of this.listeners) fn(version);
      }
    });
    let r: pg.QueryResult<{ version: string | number }>;
    try {
      await client.connect();
      await client.query('LISTEN harmgrid_data_version');
      // Read after LISTEN, so no change falls between the two.
      r = await client.query<{ version: string | number }>('SELECT version FROM data_version WHERE id = 1');
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.client = client;
    this.current = Math.max(this.current ?? 0, Number(r.rows[0]?.version ?? 0));
    this.retryMs = 250;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return; // a failed attempt, or already handled
    this.client = null;
    this.current = null;
    void client.end().catch(() => {});
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    const wait = this.retryMs;
    this.retryMs = Math.min(this.retryMs * 2, 10_000);
    setTimeout(() => {
      if (!this.closed) this.start().catch(() => this.retry());
    }, wait).unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    const c = this.client;
    this.client = null;
    this.current = null;
    await c?.end().catch(() => {});
  }
}
