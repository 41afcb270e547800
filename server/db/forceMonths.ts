import type { Knex } from 'knex';
import { rowsOf, type Db } from './connection';
import { onPostgresServer } from './partitions';

/**
 * Forces whose cube partition lives on a shard (a postgres_fdw foreign table): their incidents are
 * written past the coordinator's triggers, so the per-force summary does not count them.
 */
export async function forcesOnShards(db: Db | Knex.Transaction): Promise<string[]> {
  if (!onPostgresServer(db)) return [];
  const r = await db.raw(`SELECT upper(substr(relname, length('harm_cube_') + 1)) AS code FROM pg_class
    WHERE relkind = 'f' AND relname LIKE 'harm\\_cube\\_%' AND relnamespace = current_schema()::regnamespace`);
  return rowsOf<{ code: string }>(r).map((x) => x.code);
}

/**
 * The incidents per force, source and month as a relation (force_code, source, month, incidents):
 * the summary table (migration 20261203000060) for forces held here, the cube of a force on a shard.
 * `only` limits it to these forces; a shard's cube is read only when one of its forces is asked for.
 */
export async function forceMonthsSql(db: Db | Knex.Transaction, only?: string[]): Promise<{ sql: string; bindings: Knex.RawBinding[] }> {
  const remote = (await forcesOnShards(db)).filter((f) => !only || only.includes(f));
  const local = `SELECT force_code, source, month, incidents FROM force_month
    WHERE (force_code IS NULL OR force_code <> ALL(?::text[]))${only ? ' AND force_code = ANY(?::text[])' : ''}`;
  const bindings: Knex.RawBinding[] = [remote as unknown as Knex.RawBinding, ...(only ? [only as unknown as Knex.RawBinding] : [])];
  if (remote.length === 0) return { sql: `(${local})`, bindings };
  return {
    sql: `(${local} UNION ALL SELECT force_code, source, month, sum(incidents)::int FROM harm_cube WHERE force_code = ANY(?::text[]) GROUP BY 1, 2, 3)`,
    bindings: [...bindings, remote as unknown as Knex.RawBinding],
  };
}
