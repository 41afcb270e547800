import { rowsOf, type Db } from '../db/connection';
import type { ForceStore } from '../db/forces';
import { forcesOnServer, unreachableShard } from '../db/shards';
import { DomainError } from '../domain/errors';

/**
 * A statement that failed because a shard cluster is down, as the answer the user gets: which forces
 * cannot be answered now (the ones whose partitions live there) and that the others still can.
 * Null for any other failure. Questions about other forces never touch the shard (their plans prune
 * its partitions), so they keep answering.
 */
export async function shardFailure(db: Db, err: unknown): Promise<DomainError | null> {
  const server = unreachableShard(err);
  if (!server) return null;
  const forces = await forcesOnServer(db, server).catch(() => []);
  const named = forces.length ? forces.map((f) => `${f.name} (${f.code})`).join(', ') : 'some forces';
  return new DomainError(
    'unavailable',
    `the data of ${named} is on a database shard that is not reachable now (${server}); ask again later, or ask about other forces, which are answered as usual`,
  );
}

type LoadedForce = Awaited<ReturnType<ForceStore['loaded']>>[number];

/**
 * The loaded forces while a shard is down (`err` is the failure of reading them all): the forces
 * whose partitions are reachable, counted from the cube, plus the down shard's forces with nothing
 * counted, so a question about one of those still reaches its data and gets the 503 naming it.
 * Rethrows any other failure.
 */
export async function loadedDespiteDownShard(db: Db, forces: ForceStore, err: unknown): Promise<LoadedForce[]> {
  const server = unreachableShard(err);
  if (!server) throw err;
  const away = await forcesOnServer(db, server);
  const reachable = rowsOf<{ code: string }>(
    await db.raw(
      `SELECT f.code FROM force f
    WHERE f.code <> ALL(?::text[]) AND to_regclass(format('incident_%s', lower(f.code))) IS NOT NULL`,
      [away.map((f) => f.code)] as never,
    ),
  );
  const loaded = await forces.loaded(reachable.map((f) => f.code));
  const registry = new Map((await forces.registry()).map((f) => [f.code, f]));
  for (const f of away) {
    if (loaded.some((l) => l.code === f.code)) continue;
    loaded.push({ ...registry.get(f.code)!, districts: [], incidents: 0, firstMonth: null, lastMonth: null });
  }
  return loaded.sort((a, b) => a.name.localeCompare(b.name));
}
