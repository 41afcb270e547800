import type { Knex } from 'knex';

/**
 * An LSOA → ward lookup names its vintages (ONS publishes LSOA11 → WD19, LSOA11 → WD20, LSOA21 → WD22
 * and more): the lookup rows carry them, so several lookups can be kept and each ward set uses its own.
 * Rows already stored are the LSOA 2011 → ward 2019 lookup, the only one read until now.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('lsoa_ward_lookup', (t) => {
    t.text('lsoa_vintage').notNullable().defaultTo('2011');
    t.text('ward_vintage').notNullable().defaultTo('2019');
  });
  await knex.schema.alterTable('lsoa_ward_lookup', (t) => {
    t.dropPrimary();
    t.primary(['ward_vintage', 'lsoa_vintage', 'lsoa_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex('lsoa_ward_lookup').whereNot({ ward_vintage: '2019', lsoa_vintage: '2011' }).delete();
  await knex.schema.alterTable('lsoa_ward_lookup', (t) => {
    t.dropPrimary();
    t.primary(['lsoa_code']);
    t.dropColumn('lsoa_vintage');
    t.dropColumn('ward_vintage');
  });
}
