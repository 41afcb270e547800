import type { Knex } from 'knex';
import { onPostgresServer } from '../server/db/partitions';

/**
 * Every bump of the data version is announced with NOTIFY harmgrid_data_version, payload
 * "<schema> <version>", delivered when the writer commits. Every API node LISTENs
 * (server/db/notify.ts), so each node's cached answers end the moment any node, `npm run import`
 * or a script changes the data, without a query per request. PostgreSQL only; PGlite has one
 * process, which reads the version itself.
 */
export async function up(knex: Knex): Promise<void> {
  if (!onPostgresServer(knex)) return;
  await knex.raw(`
    CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE v bigint;
    BEGIN
      UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO v;
      PERFORM pg_notify('harmgrid_data_version', current_schema() || ' ' || v);
      RETURN NULL;
    END $$`);
}

export async function down(knex: Knex): Promise<void> {
  if (!onPostgresServer(knex)) return;
  await knex.raw(`
    CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
      RETURN NULL;
    END $$`);
}
