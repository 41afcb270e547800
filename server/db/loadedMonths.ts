import type { Knex } from 'knex';
import { rowsOf, type Db } from './connection';
import { forcesOnShards } from './forceMonths';
import { unreachableShard } from './shards';

type Range = { first: string | null; last: string | null };

/**
 * First and last month holding incidents, or null: from the per-force summary (a few hundred rows),
 * and for forces on a shard from their cube. A shard that cannot be reached leaves its forces out
 * (the range only bounds the months a request may name), instead of failing every request.
 */
export async function loadedMonthRange(db: Db): Promise<{ first: string; last: string } | null> {
  const remote = await forcesOnShards(db);
  const ranges = rowsOf<Range>(
    await db.raw(
      `SELECT to_char(min(month), 'YYYY-MM') AS first, to_char(max(month), 'YYYY-MM') AS last FROM force_month
       WHERE force_code IS NULL OR force_code <> ALL(?::text[])`,
      [remote as unknown as Knex.RawBinding],
    ),
  );
  if (remote.length) {
    try {
      ranges.push(
        ...rowsOf<Range>(
          await db.raw(
            `SELECT to_char(min(month), 'YYYY-MM') AS first, to_char(max(month), 'YYYY-MM') AS last FROM harm_cube WHERE force_code = ANY(?::text[])`,
            [remote as unknown as Knex.RawBinding],
          ),
        ),
      );
    } catch (err) {
      if (!unreachableShard(err)) throw err;
    }
  }
  const firsts = ranges.map((r) => r.first).filter((m): m is string => m !== null);
  const lasts = ranges.map((r) => r.last).filter((m): m is string => m !== null);
  if (firsts.length === 0 || lasts.length === 0) return null;
  return { first: firsts.sort()[0]!, last: lasts.sort().at(-1)! };
}
