import type { Knex } from 'knex';
import { onPostgresServer } from '../server/db/partitions';

/**
 * Two counters in `data_version`: `version`, bumped by every change of stored data (the answer cache
 * and ETags follow it), and `core_version`, bumped by every change except to zones, sites and
 * indicators — the analyst's own places. The analysis keeps its cube slices, study areas and HCHH
 * areas per core version, so drawing a site no longer throws away a minute of prepared reads (it did:
 * the first review of a new site rebuilt the res-11 study area and every slice).
 */
const PLACE_TABLES = ['zone', 'site', 'indicator'];

const bump = (notify: boolean, withCore: boolean) => `
  CREATE OR REPLACE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE v bigint;
  BEGIN
    ${
      withCore
        ? `IF TG_NARGS > 0 AND TG_ARGV[0] = 'places' THEN
      UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO v;
    ELSE
      UPDATE data_version SET version = version + 1, core_version = core_version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO v;
    END IF;`
        : 'UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1 RETURNING version INTO v;'
    }
    ${notify ? "PERFORM pg_notify('harmgrid_data_version', current_schema() || ' ' || v);" : ''}
    RETURN NULL;
  END $$`;

async function placeTriggers(knex: Knex, args: string): Promise<void> {
  for (const table of PLACE_TABLES) {
    await knex.raw(`DROP TRIGGER ${table}_data_version ON ${table}`);
    await knex.raw(`CREATE TRIGGER ${table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump(${args})`);
  }
}

export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE data_version ADD COLUMN core_version bigint NOT NULL DEFAULT 0');
  await knex.raw('UPDATE data_version SET core_version = version');
  await knex.raw(bump(onPostgresServer(knex), true));
  await placeTriggers(knex, "'places'");
}

export async function down(knex: Knex): Promise<void> {
  await placeTriggers(knex, '');
  await knex.raw(bump(onPostgresServer(knex), false));
  await knex.raw('ALTER TABLE data_version DROP COLUMN core_version');
}
