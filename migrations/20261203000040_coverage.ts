import type { Knex } from 'knex';

/**
 * Coverage: which months (and days, for timed sources) of which source, force and district are held.
 * - `coverage_count`: incidents per import, force, source, month, district and UK local day (null for
 *   sources without times), kept equal to the incidents by statement triggers in the writer's
 *   statement — insert adds, delete subtracts, update (tagging sets district_code, adoption sets
 *   force_code) moves counts — so coverage stays exact on re-import and deletion. One row per key
 *   (upsert), so no compaction is needed; keys whose count reaches zero are removed.
 * - `import_replacement`: what a re-published month changed, per replaced month (the import log's
 *   detail of a replacement: rows kept, added and withdrawn by their reference).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`CREATE TABLE coverage_count (
    import_id integer, force_code text, source text NOT NULL, month date NOT NULL, district_code text, day date,
    incidents integer NOT NULL,
    CONSTRAINT coverage_count_key UNIQUE NULLS NOT DISTINCT (import_id, force_code, source, month, district_code, day))`);
  await knex.raw('CREATE INDEX coverage_count_force_source ON coverage_count (force_code, source, month)');

  await knex.raw('CREATE INDEX coverage_count_emptied ON coverage_count (month) WHERE incidents = 0');

  const upsert = (delta: string) => `INSERT INTO coverage_count AS c (import_id, force_code, source, month, district_code, day, incidents)
        ${delta}
        ON CONFLICT ON CONSTRAINT coverage_count_key DO UPDATE SET incidents = c.incidents + excluded.incidents;`;
  await knex.raw(`
    CREATE FUNCTION coverage_count_apply() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'INSERT' THEN
        ${upsert(`SELECT import_id, force_code, source, month, district_code, ${DAY_SQL}, count(*) FROM new_rows GROUP BY 1, 2, 3, 4, 5, 6`)}
      ELSIF TG_OP = 'DELETE' THEN
        ${upsert(`SELECT import_id, force_code, source, month, district_code, ${DAY_SQL}, -count(*) FROM old_rows GROUP BY 1, 2, 3, 4, 5, 6`)}
      ELSE
        ${upsert(`SELECT import_id, force_code, source, month, district_code, day, sum(n) FROM (
          SELECT import_id, force_code, source, month, district_code, ${DAY_SQL} AS day, 1 AS n FROM new_rows
          UNION ALL
          SELECT import_id, force_code, source, month, district_code, ${DAY_SQL}, -1 FROM old_rows) d
        GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(n) <> 0`)}
      END IF;
      DELETE FROM coverage_count WHERE incidents = 0;
      RETURN NULL;
    END $$`);
  await knex.raw(`CREATE TRIGGER incident_coverage_insert AFTER INSERT ON incident REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_count_apply()`);
  await knex.raw(`CREATE TRIGGER incident_coverage_delete AFTER DELETE ON incident REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_count_apply()`);
  await knex.raw(`CREATE TRIGGER incident_coverage_update AFTER UPDATE ON incident REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION coverage_count_apply()`);
  await knex.raw(`INSERT INTO coverage_count (import_id, force_code, source, month, district_code, day, incidents)
    SELECT import_id, force_code, source, month, district_code, ${DAY_SQL}, count(*) FROM incident GROUP BY 1, 2, 3, 4, 5, 6`);

  await knex.schema.createTable('import_replacement', (t) => {
    t.increments('id').primary();
    t.integer('import_id').notNullable().references('id').inTable('import_batch').onDelete('CASCADE');
    t.integer('replaced_import_id').references('id').inTable('import_batch');
    t.text('source').notNullable();
    t.text('force_code');
    t.text('month').notNullable(); // 'YYYY-MM'
    t.integer('rows_before').notNullable();
    t.integer('rows_after').notNullable();
    t.integer('rows_kept').notNullable(); // same reference in both publications
    t.integer('rows_added').notNullable(); // only in the new publication
    t.integer('rows_withdrawn').notNullable(); // only in the earlier one
    t.index(['import_id']);
  });
  await knex.raw(`CREATE TRIGGER import_replacement_data_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON import_replacement
    FOR EACH STATEMENT EXECUTE FUNCTION data_version_bump()`);
}

/** UK local calendar day of a timed incident (null without a time). */
const DAY_SQL = `(occurred_at AT TIME ZONE 'Europe/London')::date`;

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TRIGGER import_replacement_data_version ON import_replacement');
  await knex.schema.dropTable('import_replacement');
  for (const t of ['insert', 'delete', 'update']) await knex.raw(`DROP TRIGGER incident_coverage_${t} ON incident`);
  await knex.raw('DROP FUNCTION coverage_count_apply()');
  await knex.raw('DROP TABLE coverage_count');
}
