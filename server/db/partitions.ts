import type { Knex } from 'knex';
import { rowsOf, type Db } from './connection';

/** PostgreSQL server (node-postgres), where incidents and the cube are partitioned; PGlite keeps one table each. */
export function onPostgresServer(db: Db | Knex.Transaction): boolean {
  return (db.client as { config: { client: unknown } }).config.client === 'pg';
}

// Years known to have their partitions, per database handle: a batch of a month already seen costs no query.
const known = new WeakMap<object, Set<string>>();

/**
 * Makes the partitions of a force's months before its rows are inserted (harmgrid_ensure_partitions,
 * migration 20261203000050), in the importer's transaction: attaching a partition clones the
 * foreign key to import_batch, whose lock the importer already holds, and a rolled-back import
 * leaves no partitions behind. Reads go on meanwhile (the parent is locked only against other
 * partition changes). Rows never depend on it: a missing partition sends them to a default
 * partition, which the next call empties. Nothing to do on PGlite.
 */
export async function ensurePartitions(db: Db | Knex.Transaction, force: string | null, months: string[]): Promise<number> {
  if (!onPostgresServer(db) || months.length === 0) return 0;
  let seen = known.get(db);
  if (!seen) {
    seen = new Set();
    known.set(db, seen);
  }
  const missing = [...new Set(months.map((m) => m.slice(0, 4)))].filter((y) => !seen.has(`${force}|${y}`));
  if (missing.length === 0) return 0;
  const made =
    rowsOf<{ made: number }>(
      await db.raw('SELECT harmgrid_ensure_partitions(?::text, ?::date[]) AS made', [force, missing.map((y) => `${y}-01-01`)] as Knex.RawBinding[]),
    )[0]?.made ?? 0;
  for (const y of missing) seen.add(`${force}|${y}`);
  return made;
}
