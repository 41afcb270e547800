import type { Knex } from 'knex';
import { onPostgresServer } from '../server/db/partitions';
import { ENSURE_FUNCTION } from './20261203000050_partitions';

/**
 * The harm rollup: the harm cube's counts with the cell taken to its H3 res-7 parent, per force,
 * month, ISO week and every field a definition, a scheme, a source or a force reads (the cube's key
 * with a coarser cell). A question at resolution 7 or coarser, or one that reads no cell (totals,
 * months, sources of a definition), is answered from it instead of the res-11 cube: the national res-7
 * overview summed every force's res-11 rows, 20.5 s at 20M incidents (README, "Scaling out").
 *
 * Kept exact with the cube, by the same writers:
 * - `harm_cube_add` (the incidents' statement triggers) writes both from the one transition table;
 * - compacting a month of the cube compacts the rollup's (IncidentStore.compactCube), rebuilding
 *   rebuilds it from the cube (IncidentStore.rebuildCube: the bulk load's final build);
 * - moving unassigned incidents to a force moves their rollup rows (ForceStore.adoptUnassigned);
 * - a force on a shard keeps its rollup there, written by the shard's copy of the trigger function
 *   (server/db/shards.ts), like its cube.
 *
 * PostgreSQL: partitioned by force (LIST on force_code, a DEFAULT partition), one partition a force,
 * made by harmgrid_ensure_partitions with the cube's; a force's rollup is small (about a tenth of its
 * cube), so it is not split by year. PGlite: one plain table. No unique index, so it distributes by
 * force_code on Citus as the cube does.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('harm_rollup', (t) => {
    t.text('force_code');
    t.bigInteger('cell'); // the cube cell's H3 res-7 parent; null without a position
    t.date('month').notNullable();
    t.date('week');
    t.text('source').notNullable();
    t.text('category').notNullable();
    t.text('offence_code');
    t.boolean('knife');
    t.boolean('firearm');
    t.boolean('domestic');
    t.integer('incidents').notNullable();
  });
  if (onPostgresServer(knex)) {
    await knex.raw('ALTER TABLE harm_rollup RENAME TO harm_rollup_plain');
    await knex.raw('CREATE TABLE harm_rollup (LIKE harm_rollup_plain INCLUDING DEFAULTS) PARTITION BY LIST (force_code)');
    await knex.raw('DROP TABLE harm_rollup_plain');
    await knex.raw('CREATE TABLE harm_rollup_default PARTITION OF harm_rollup DEFAULT');
    await knex.raw(ensureWithRollup(ENSURE_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION').replace(OLD_LOCK, NEW_LOCK)));
    await knex.raw(
      `SELECT harmgrid_ensure_partitions(force_code, array_agg(month)) FROM (SELECT DISTINCT force_code, month FROM harm_cube) m GROUP BY force_code`,
    );
  }
  await knex.raw('CREATE INDEX harm_rollup_force_month ON harm_rollup (force_code, month)');
  await knex.raw(HARM_CUBE_ADD);
  await knex.raw(`INSERT INTO harm_rollup (${COLUMNS})
    SELECT force_code, h3_parent(cell, 7), month, week, source, category, offence_code, knife, firearm, domestic, sum(incidents)
    FROM harm_cube GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 HAVING sum(incidents) <> 0`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw(HARM_CUBE_ADD_BEFORE);
  if (onPostgresServer(knex)) await knex.raw(ENSURE_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION').replace(OLD_LOCK, NEW_LOCK));
  await knex.schema.dropTable('harm_rollup');
}

const COLUMNS = 'force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents';

/** The lock of migration 20261204000010, which this function keeps. */
const OLD_LOCK = "pg_advisory_xact_lock(hashtext('harmgrid_ensure_partitions'))";
const NEW_LOCK = "pg_advisory_xact_lock(hashtext(current_schema() || '.harmgrid_ensure_partitions'))";

/**
 * harmgrid_ensure_partitions (migration 20261203000050) making a force's rollup partition too: one
 * plain table per force (no years), rows moved from the default partition first as for the others.
 * Built by replacing the parts that differ, each checked to be there.
 */
function ensureWithRollup(fn: string): string {
  const swaps: [string, string][] = [
    ["unnest(ARRAY['incident', 'harm_cube']) t", "unnest(ARRAY['incident', 'harm_cube', 'harm_rollup']) t"],
    ["FOREACH tbl IN ARRAY ARRAY['incident', 'harm_cube'] LOOP", "FOREACH tbl IN ARRAY ARRAY['incident', 'harm_cube', 'harm_rollup'] LOOP"],
    [
      `      EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS) PARTITION BY RANGE (month)', nsp, fpart, nsp, tbl);
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I DEFAULT', nsp, fpart || '_default', nsp, fpart);`,
      `      IF tbl = 'harm_rollup' THEN
        -- The rollup is split by force only: its years would be small.
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS)', nsp, fpart, nsp, tbl);
      ELSE
        EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS) PARTITION BY RANGE (month)', nsp, fpart, nsp, tbl);
        EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I DEFAULT', nsp, fpart || '_default', nsp, fpart);
      END IF;`,
    ],
  ];
  let out = fn;
  for (const [from, to] of swaps) {
    if (!out.includes(from)) throw new Error(`harmgrid_ensure_partitions no longer holds: ${from.trim().slice(0, 60)}`);
    out = out.replace(from, to);
  }
  return out;
}

/** The cube's trigger function as migration 20261203000001 made it. */
const HARM_CUBE_ADD_BEFORE = `
CREATE OR REPLACE FUNCTION harm_cube_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
  SELECT force_code, h3_parent(cell, 11), month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date, source, category, offence_code, knife, firearm, domestic,
         CASE WHEN TG_OP = 'DELETE' THEN -count(*) ELSE count(*) END
  FROM changed GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  RETURN NULL;
END $$`;

/**
 * The cube's trigger function writing the rollup too, from the same transition table, so both follow
 * every statement that inserts or deletes incidents. The shard's copy points both inserts at the
 * force's own tables (server/db/shards.ts rewrites `INSERT INTO harm_cube` and `INSERT INTO harm_rollup`).
 */
const HARM_CUBE_ADD = `
CREATE OR REPLACE FUNCTION harm_cube_add() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
  SELECT force_code, h3_parent(cell, 11), month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date, source, category, offence_code, knife, firearm, domestic,
         CASE WHEN TG_OP = 'DELETE' THEN -count(*) ELSE count(*) END
  FROM changed GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  INSERT INTO harm_rollup (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
  SELECT force_code, h3_parent(cell, 7), month, (date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date, source, category, offence_code, knife, firearm, domestic,
         CASE WHEN TG_OP = 'DELETE' THEN -count(*) ELSE count(*) END
  FROM changed GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
  RETURN NULL;
END $$`;
