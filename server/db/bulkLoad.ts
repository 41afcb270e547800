import type { Knex } from 'knex';
import { rowsOf } from './connection';
import { forcesOnShards } from './forceMonths';
import { ForceStore } from './forces';
import { IncidentStore, type DirectCopy } from './incidents';
import { onPostgresServer } from './partitions';

/** The functions of the triggers that keep the cube, coverage and per-force summary equal to the incidents. */
const SUMMARY_TRIGGER_FUNCTIONS = ['harm_cube_add', 'coverage_count_apply', 'force_month_apply'];

/**
 * Loading into an empty store, inside one transaction: the work the incidents' summary triggers,
 * secondary indexes and import key do row by row is done once at the end instead. `begin` locks the
 * incidents against other writers (readers go on), disables the summary triggers, and drops the
 * secondary indexes and the foreign key to the import log; `finish` builds the harm cube, coverage and
 * per-force summary from the incidents with one GROUP BY each, enables the triggers, and makes the
 * indexes and the key again (the key is checked once, by one join). Everything is DDL in the
 * transaction, so a kill or an error leaves the store as it was, triggers and indexes included.
 * The identity index stays: it de-duplicates as rows arrive.
 */
export class BulkLoad implements DirectCopy {
  /** Whether a file of this load stored incidents without a force (see IncidentStore.insertRows). */
  unassignedStored = false;

  private constructor(
    private readonly trx: Knex.Transaction,
    private readonly indexes: { name: string; def: string }[],
    private readonly foreignKeys: { name: string; def: string }[],
    private readonly triggers: string[],
  ) {}

  /**
   * Starts a bulk load in `trx` when the store holds no incident (and no force lives on a shard,
   * whose cube is another server's); otherwise null, and rows go in the usual way.
   */
  static async begin(trx: Knex.Transaction): Promise<BulkLoad | null> {
    if ((await forcesOnShards(trx)).length) return null;
    await trx.raw('LOCK TABLE incident IN SHARE ROW EXCLUSIVE MODE');
    if (rowsOf(await trx.raw('SELECT 1 FROM incident LIMIT 1')).length) return null;
    const q = async <T>(sql: string, bindings: Knex.RawBinding[] = []) => rowsOf<T>(await trx.raw(sql, bindings));
    const triggers = (
      await q<{ name: string }>(
        `SELECT t.tgname AS name FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
         WHERE t.tgrelid = 'incident'::regclass AND NOT t.tgisinternal AND t.tgenabled <> 'D' AND p.proname = ANY(?::text[]) ORDER BY 1`,
        [SUMMARY_TRIGGER_FUNCTIONS as unknown as Knex.RawBinding],
      )
    ).map((t) => t.name);
    const indexes = await q<{ name: string; def: string }>(
      `SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def FROM pg_index i
       WHERE i.indrelid = 'incident'::regclass AND NOT i.indisunique AND NOT i.indisprimary ORDER BY 1`,
    );
    const foreignKeys = await q<{ name: string; def: string }>(
      `SELECT conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = 'incident'::regclass AND contype = 'f' ORDER BY 1`,
    );
    // On PGlite (wal_level minimal, server/db/connection.ts) a table truncated in this transaction is
    // written without WAL: the incidents and what finish rebuilds from them, all empty or rebuilt whole.
    // Not on a server: TRUNCATE would block its readers for the whole load, and its WAL level is its own.
    if (!onPostgresServer(trx)) await trx.raw('TRUNCATE incident, harm_cube, harm_rollup, coverage_count, force_month');
    for (const t of triggers) await trx.raw(`ALTER TABLE incident DISABLE TRIGGER ${quoteIdent(t)}`);
    for (const i of indexes) await trx.raw(`DROP INDEX ${i.name}`);
    for (const f of foreignKeys) await trx.raw(`ALTER TABLE incident DROP CONSTRAINT ${quoteIdent(f.name)}`);
    return new BulkLoad(trx, indexes, foreignKeys, triggers);
  }

  /** Builds what was deferred; `log` hears each step with its time. */
  async finish(log: (line: string) => void = () => {}): Promise<void> {
    const trx = this.trx;
    const step = async (what: string, f: () => Promise<unknown>) => {
      const t0 = Date.now();
      await f();
      log(`bulk   ${what} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    };
    const incidents = new IncidentStore(trx);
    // On a server the cube's GROUP BY over every incident keeps its groups in memory instead of spilling
    // them to temporary files (the 4 MB default holds a few thousand); for this transaction only.
    if (onPostgresServer(trx)) await trx.raw(`SET LOCAL work_mem = '256MB'`);
    await step('built the harm cube from the incidents', () => incidents.rebuildCube());
    await step('built coverage and the per-force summary', async () => {
      await incidents.rebuildCoverage();
      await incidents.rebuildForceMonths();
    });
    for (const t of this.triggers) await trx.raw(`ALTER TABLE incident ENABLE TRIGGER ${quoteIdent(t)}`);
    // Incidents stored without a force wait for one, as after a file-by-file import (the triggers now count the move).
    await new ForceStore(trx).adoptUnassigned();
    await step(`made the incidents' ${this.indexes.length} indexes and the key to the import log`, async () => {
      await trx.raw(`SET LOCAL maintenance_work_mem = '128MB'`);
      // A partitioned table's index prints as ON ONLY (the parent alone); made ON the table it is built on every partition too.
      for (const i of this.indexes) await trx.raw(i.def.replace(/ ON ONLY /, ' ON '));
      if (this.foreignKeys.length) {
        // A force partition made during the load got the key of its own (the parent had none then): the parent's covers it again.
        const own = rowsOf<{ rel: string; name: string }>(
          await trx.raw(`SELECT c.conrelid::regclass::text AS rel, c.conname AS name FROM pg_constraint c JOIN pg_inherits h ON h.inhrelid = c.conrelid
             WHERE h.inhparent = 'incident'::regclass AND c.contype = 'f' AND c.conparentid = 0`),
        );
        for (const o of own) await trx.raw(`ALTER TABLE ${o.rel} DROP CONSTRAINT ${quoteIdent(o.name)}`);
      }
      for (const f of this.foreignKeys) await trx.raw(`ALTER TABLE incident ADD CONSTRAINT ${quoteIdent(f.name)} ${f.def}`);
    });
  }
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}
