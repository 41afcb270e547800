import fs from 'node:fs';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import pg from 'pg';
import { migrationSource } from './migrationSource';

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
}

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
    return knexFactory({
      client: 'pg', connection: opts.databaseUrl, pool: { min: 0, max: 8 },
      ...(opts.schema ? { searchPath: [opts.schema] } : {}),
    });
  }
  const dir = opts.pgliteDir;
  if (dir && dir !== 'memory') fs.mkdirSync(dir, { recursive: true });
  return knexFactory({
    client: ClientPgLite as unknown as Knex.Config['client'],
    dialect: 'postgres',
    connection: dir && dir !== 'memory' ? { filename: dir } : {},
  } as Knex.Config);
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
