import type { Knex } from 'knex';

/**
 * Foundation schema: incidents, imports with their rejected rows, harm schemes with weights,
 * serious-violence definitions. Plain SQL types only, so it runs unchanged on PostgreSQL and PGlite.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('import_batch', (t) => {
    t.increments('id').primary();
    t.text('file_name').notNullable();
    t.text('checksum').notNullable();
    t.text('format');
    t.text('status').notNullable(); // 'imported' | 'rejected' | 'skipped'
    t.text('message');
    t.integer('rows_total').notNullable().defaultTo(0);
    t.integer('rows_imported').notNullable().defaultTo(0);
    t.integer('rows_duplicate').notNullable().defaultTo(0);
    t.integer('rows_rejected').notNullable().defaultTo(0);
    t.integer('rows_without_location').notNullable().defaultTo(0);
    t.text('first_month');
    t.text('last_month');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.index(['checksum']);
  });

  await knex.schema.createTable('import_rejection', (t) => {
    t.increments('id').primary();
    t.integer('import_id').notNullable().references('id').inTable('import_batch').onDelete('CASCADE');
    t.integer('line').notNullable();
    t.text('field');
    t.text('value');
    t.text('reason').notNullable();
    t.index(['import_id']);
  });

  await knex.schema.createTable('incident', (t) => {
    t.bigIncrements('id').primary();
    t.text('source').notNullable(); // 'data.police.uk' | 'force-extract' | later: hospital, ambulance …
    t.text('source_ref').notNullable(); // Crime ID, the force's incident id, or a derived key (ASB)
    t.date('month').notNullable(); // first day of the recorded month
    t.timestamp('occurred_at', { useTz: true });
    t.text('category').notNullable(); // data.police.uk crime type, or the offence group of a force extract
    t.text('offence_code'); // Home Office offence code
    t.text('offence_name');
    t.boolean('knife');
    t.boolean('firearm');
    t.boolean('domestic');
    t.double('lon');
    t.double('lat');
    // H3 cell at resolution 12 as a signed 64-bit integer: coarser cells come from bit masks in SQL
    // (h3_parent below), so any resolution 7–11 aggregates without an H3 extension.
    t.bigInteger('cell');
    t.text('location');
    t.text('lsoa_code');
    t.text('lsoa_name');
    t.text('outcome');
    t.integer('import_id').references('id').inTable('import_batch');
    t.unique(['source', 'source_ref']);
    t.index(['month']);
    t.index(['cell']);
  });

  // Parent of an H3 cell index at a coarser resolution: set the resolution field (bits 52–55) and
  // fill the digits below that resolution with 7, as the H3 index layout defines (h3geo.org, "H3 Index").
  await knex.raw(`
    CREATE FUNCTION h3_parent(cell bigint, res integer) RETURNS bigint
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT (cell & ~((15::bigint << 52) | ((1::bigint << (3 * (15 - res))) - 1)))
             | (res::bigint << 52)
             | ((1::bigint << (3 * (15 - res))) - 1)
    $$`);

  await knex.schema.createTable('harm_scheme', (t) => {
    t.increments('id').primary();
    t.text('key').notNullable().unique();
    t.text('name').notNullable();
    t.text('unit').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('source').notNullable().defaultTo('');
    // Weight of an incident that no row matches; null means "not weighted" (counts as 0 harm).
    t.double('default_weight');
    t.boolean('builtin').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('harm_weight', (t) => {
    t.increments('id').primary();
    t.integer('scheme_id').notNullable().references('id').inTable('harm_scheme').onDelete('CASCADE');
    t.text('match_kind').notNullable(); // 'offence_code' (preferred) or 'category'
    t.text('match_value').notNullable();
    t.double('weight').notNullable();
    t.text('note').notNullable().defaultTo('');
    t.unique(['scheme_id', 'match_kind', 'match_value']);
  });

  await knex.schema.createTable('sv_definition', (t) => {
    t.increments('id').primary();
    t.text('key').notNullable().unique();
    t.text('name').notNullable();
    t.text('description').notNullable().defaultTo('');
    t.text('source').notNullable().defaultTo('');
    t.boolean('is_proxy').notNullable().defaultTo(false);
    t.boolean('builtin').notNullable().defaultTo(false);
    t.jsonb('rules').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // Home Office offence classification (code → name, subgroup, group), loaded from the ONS code list.
  await knex.schema.createTable('offence_code', (t) => {
    t.text('code').primary();
    t.text('name').notNullable();
    t.text('subgroup');
    t.text('offence_group');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('offence_code');
  await knex.schema.dropTable('sv_definition');
  await knex.schema.dropTable('harm_weight');
  await knex.schema.dropTable('harm_scheme');
  await knex.raw('DROP FUNCTION h3_parent(bigint, integer)');
  await knex.schema.dropTable('incident');
  await knex.schema.dropTable('import_rejection');
  await knex.schema.dropTable('import_batch');
}
