import type { Knex } from 'knex';

/**
 * Force as a dimension, the data version, and the harm cube.
 * - `force`: the police force areas (ONS PFA code), seeded from geodata/forces.json on every start.
 * - Incidents, imports, districts, zones, sites and indicators carry the force they belong to.
 * - `data_version`: one counter bumped in the same transaction as every change of stored data, so
 *   answers can be cached and carry an ETag until new data lands.
 * - `harm_cube`: incident counts per force, fine cell (H3 res 11), month, ISO week (timed sources) and
 *   the fields a definition or harm scheme reads; every aggregate answer is read from here. Plain
 *   columns and no cross-table keys, so it distributes by force on Citus unchanged.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('force', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.text('police_uk_name').notNullable();
  });
  await knex.schema.alterTable('incident', (t) => {
    t.text('force_code');
  });
  await knex.schema.alterTable('import_batch', (t) => {
    t.text('force_code');
  });
  await knex.schema.alterTable('boundary', (t) => {
    t.text('force_code');
    // true when the user named the force at import; else it follows the incidents inside the district
    t.boolean('force_declared').notNullable().defaultTo(false);
  });
  for (const table of ['zone', 'site', 'indicator']) {
    await knex.schema.alterTable(table, (t) => {
      t.text('force_code');
    });
  }
  await knex.raw('CREATE INDEX incident_force_month ON incident (force_code, month)');

  await knex.schema.createTable('data_version', (t) => {
    t.integer('id').primary();
    t.bigInteger('version').notNullable();
    t.timestamp('changed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex('data_version').insert({ id: 1, version: 1 });

  await knex.schema.createTable('harm_cube', (t) => {
    t.text('force_code');
    t.bigInteger('cell'); // H3 res 11 as bigint, coarser cells by h3_parent; null without a position
    t.date('month').notNullable();
    t.date('week'); // Monday of the ISO week (UK local time) for timed incidents, else null
    t.text('source').notNullable();
    t.text('category').notNullable();
    t.text('offence_code');
    t.boolean('knife');
    t.boolean('firearm');
    t.boolean('domestic');
    t.integer('incidents').notNullable();
  });
  await knex.raw('CREATE INDEX harm_cube_force_month ON harm_cube (force_code, month)');

  // The cube follows the incidents inside the same statement: rows inserted add their counts, rows
  // deleted subtract theirs (statement triggers with transition tables, so a 5,000-row batch costs
  // one grouped insert). Fragments of one key are summed by every query and compacted after each file.
  await knex.raw(`
    CREATE FUNCTION harm_cube_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
      SELECT force_code, h3_parent(cell, 11), month, ${WEEK_SQL}, source, category, offence_code, knife, firearm, domestic,
             CASE WHEN TG_OP = 'DELETE' THEN -count(*) ELSE count(*) END
      FROM changed GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER incident_cube_insert AFTER INSERT ON incident REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION harm_cube_add()`);
  await knex.raw(`CREATE TRIGGER incident_cube_delete AFTER DELETE ON incident REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION harm_cube_add()`);
  await knex.raw(`INSERT INTO harm_cube (force_code, cell, month, week, source, category, offence_code, knife, firearm, domestic, incidents)
    SELECT force_code, h3_parent(cell, 11), month, ${WEEK_SQL}, source, category, offence_code, knife, firearm, domestic, count(*)
    FROM incident GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10`);

  // Every change of the data answers are made from bumps the version, in the writer's transaction,
  // whoever the writer is (this server, \`npm run import\`, another node); caches key on it.
  await knex.raw(`
    CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
      RETURN NULL;
    END $$`);
  for (const table of DATA_TABLES) {
    await knex.raw(`CREATE TRIGGER ${table}_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON ${table}
      FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`);
  }
}

/** ISO week (Monday, UK local time) of a timed incident. */
const WEEK_SQL = `(date_trunc('week', occurred_at AT TIME ZONE 'Europe/London'))::date`;

/** Tables whose contents change an answer. */
export const DATA_TABLES = [
  'incident',
  'import_batch',
  'boundary',
  'lsoa_deprivation',
  'lsoa_ward_lookup',
  'ward_deprivation_published',
  'harm_scheme',
  'harm_weight',
  'sv_definition',
  'offence_code',
  'zone',
  'site',
  'indicator',
  'force',
  'aggregate_count',
];

export async function down(knex: Knex): Promise<void> {
  for (const table of DATA_TABLES) await knex.raw(`DROP TRIGGER ${table}_data_version ON ${table}`);
  await knex.raw('DROP FUNCTION data_version_bump()');
  await knex.raw('DROP TRIGGER incident_cube_insert ON incident');
  await knex.raw('DROP TRIGGER incident_cube_delete ON incident');
  await knex.raw('DROP FUNCTION harm_cube_add()');
  await knex.schema.dropTable('harm_cube');
  await knex.schema.dropTable('data_version');
  await knex.raw('DROP INDEX incident_force_month');
  for (const table of ['zone', 'site', 'indicator'])
    await knex.schema.alterTable(table, (t) => {
      t.dropColumn('force_code');
    });
  await knex.schema.alterTable('boundary', (t) => {
    t.dropColumn('force_code');
    t.dropColumn('force_declared');
  });
  await knex.schema.alterTable('import_batch', (t) => {
    t.dropColumn('force_code');
  });
  await knex.schema.alterTable('incident', (t) => {
    t.dropColumn('force_code');
  });
  await knex.schema.dropTable('force');
}
