import type { Knex } from 'knex';

/**
 * Places users draw: Clear-Hold-Build zones (name, partnership, phase start dates, outline, notes)
 * and sites under review (outline or point, optional buffer in metres). Geometry is GeoJSON in jsonb,
 * WGS84, so the same schema runs on PostgreSQL and PGlite without PostGIS. The boundary sets, the
 * Indices of Deprivation and the incident tags are in 20261124000005_geography.ts; this migration
 * touches no other table, so it runs in either order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('zone', (t) => {
    t.increments('id').primary();
    t.text('name').notNullable().unique();
    t.text('partnership');
    t.date('clear_start').notNullable();
    t.date('hold_start');
    t.date('build_start');
    t.jsonb('geometry').notNullable(); // GeoJSON Polygon or MultiPolygon, WGS84
    t.double('area_km2').notNullable();
    t.text('notes');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('site', (t) => {
    t.increments('id').primary();
    t.text('name').notNullable().unique();
    t.jsonb('geometry').notNullable(); // GeoJSON Point, Polygon or MultiPolygon, WGS84
    t.double('buffer_m'); // metres around the geometry; required for a point
    t.text('notes');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('site');
  await knex.schema.dropTable('zone');
}
