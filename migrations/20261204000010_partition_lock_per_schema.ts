import type { Knex } from 'knex';
import { onPostgresServer } from '../server/db/partitions';
import { ENSURE_FUNCTION } from './20261203000050_partitions';

/**
 * The advisory lock that serialises partition making is keyed by the schema the tables live in.
 * Advisory locks are database-wide, so one key for every schema made an import in one schema (a long
 * first-start transaction, say) hold up partition making in every other schema of the database: a
 * second deployment, a test checkout, the benchmarks. Same function otherwise (migration 50).
 */
const OLD_LOCK = "pg_advisory_xact_lock(hashtext('harmgrid_ensure_partitions'))";
const NEW_LOCK = "pg_advisory_xact_lock(hashtext(current_schema() || '.harmgrid_ensure_partitions'))";

const replace = (sql: string) => sql.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION');

export async function up(knex: Knex): Promise<void> {
  if (!onPostgresServer(knex)) return; // PGlite has no partitions: its function makes none and takes no lock
  if (!ENSURE_FUNCTION.includes(OLD_LOCK)) throw new Error('migration 50 no longer holds the lock this migration replaces');
  await knex.raw(replace(ENSURE_FUNCTION).replace(OLD_LOCK, NEW_LOCK));
}

export async function down(knex: Knex): Promise<void> {
  if (!onPostgresServer(knex)) return;
  await knex.raw(replace(ENSURE_FUNCTION));
}
