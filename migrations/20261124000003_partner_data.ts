import type { Knex } from 'knex';

/**
 * Multi-source data. Record-level events from other services (emergency-department assault
 * attendances, ambulance call-outs, deliberate fires) are incidents with their own source; they keep
 * the precision they were given in (a point, an LSOA, or location text only) so that none is ever
 * shown finer than it came, plus their service-specific fields. Published aggregates (hospital
 * admissions, Homicide Index) are area-period counts that keep their suppression markers.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('incident', (t) => {
    t.text('position_precision').notNullable().defaultTo('point'); // 'point' | 'lsoa' | 'text'
    t.jsonb('attributes');
  });

  await knex.schema.createTable('aggregate_count', (t) => {
    t.increments('id').primary();
    t.text('source').notNullable(); // e.g. 'HES', 'Homicide Index'
    t.text('measure').notNullable(); // e.g. 'admissions for assault by sharp object (X99)'
    t.text('area_code').notNullable();
    t.text('area_name');
    t.text('area_type').notNullable(); // 'force' | 'district' | 'ward' | 'lsoa' | …
    t.text('period_type').notNullable();
    t.text('period_label').notNullable();
    t.text('period_start').notNullable(); // 'YYYY-MM'
    t.text('period_end').notNullable();
    t.text('age_band').notNullable().defaultTo('all ages');
    t.double('value'); // null when suppressed
    t.text('suppression_marker'); // the publisher's marker, kept as published
    t.text('revision').notNullable().defaultTo('unknown'); // 'provisional' | 'revised' | 'final' | 'unknown'
    t.integer('import_id').references('id').inTable('import_batch');
    t.unique(['source', 'measure', 'area_code', 'period_type', 'period_label', 'age_band']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('aggregate_count');
  await knex.schema.alterTable('incident', (t) => {
    t.dropColumn('attributes');
    t.dropColumn('position_precision');
  });
}
