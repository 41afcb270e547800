import type { Knex } from 'knex';

/**
 * Geography: boundary sets kept with their vintage (districts 2019, wards 2019 and 2022, LSOAs 2011
 * and 2021), the English Indices of Deprivation 2019 by LSOA, the ONS best-fit LSOA → ward lookup,
 * the published ward aggregates, and each incident's district, ward and LSOA by point in polygon.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('boundary', (t) => {
    t.increments('id').primary();
    t.text('kind').notNullable(); // 'district' | 'ward' | 'lsoa'
    t.text('vintage').notNullable(); // '2019', '2022', '2011', '2021'
    t.text('code').notNullable();
    t.text('name').notNullable();
    t.text('district_code');
    t.jsonb('geometry').notNullable(); // GeoJSON Polygon or MultiPolygon, WGS84
    t.double('area_km2').notNullable();
    t.integer('import_id').references('id').inTable('import_batch');
    t.unique(['kind', 'vintage', 'code']);
  });

  await knex.schema.createTable('lsoa_deprivation', (t) => {
    t.text('lsoa_code').primary(); // LSOA 2011
    t.text('lsoa_name').notNullable();
    t.text('district_code').notNullable();
    t.integer('imd_rank').notNullable();
    t.integer('imd_decile').notNullable();
    t.integer('crime_rank').notNullable();
    t.integer('crime_decile').notNullable();
    t.integer('population').notNullable(); // mid-2015, excluding prisoners
    t.jsonb('domains').notNullable(); // every published rank and decile, under the publisher's column names
  });

  await knex.schema.createTable('lsoa_ward_lookup', (t) => {
    t.text('lsoa_code').primary(); // LSOA 2011
    t.text('ward_code').notNullable(); // ward December 2019
    t.text('ward_name').notNullable();
    t.text('district_code').notNullable();
    t.text('district_name').notNullable();
  });

  await knex.schema.createTable('ward_deprivation_published', (t) => {
    t.text('ward_code').primary();
    t.text('ward_name').notNullable();
    t.text('district_code').notNullable();
    t.jsonb('values').notNullable(); // Score, Proportion, Extent and the domain columns, as published
  });

  await knex.schema.alterTable('incident', (t) => {
    t.text('district_code');
    t.text('ward_code');
    t.text('ward_vintage');
    t.text('lsoa_tagged');
    t.text('lsoa_vintage');
    t.boolean('in_study_area'); // null until boundaries are loaded
    t.index(['ward_code']);
    t.index(['district_code']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('incident', (t) => {
    t.dropIndex(['ward_code']);
    t.dropIndex(['district_code']);
    for (const c of ['district_code', 'ward_code', 'ward_vintage', 'lsoa_tagged', 'lsoa_vintage', 'in_study_area']) t.dropColumn(c);
  });
  await knex.schema.dropTable('ward_deprivation_published');
  await knex.schema.dropTable('lsoa_ward_lookup');
  await knex.schema.dropTable('lsoa_deprivation');
  await knex.schema.dropTable('boundary');
}
