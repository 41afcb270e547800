import type { Knex } from 'knex';
import { onPostgresServer } from '../server/db/partitions';

/**
 * Partitioned incidents and harm cube (PostgreSQL): both tables are split by force (LIST on
 * force_code) and, inside each force, by calendar year (RANGE on month), so a question about one
 * force and period reads only that force's years, a year can be detached or dropped whole, and a
 * force partition can live on another server as a postgres_fdw foreign table (see
 * scripts/shard-clusters.sh). Incidents and cube share the keys, so dropping a year of one drops the
 * same year of the other and the cube stays exact.
 *
 * Partitions are made as data arrives: `harmgrid_ensure_partitions(force, months)` (called by
 * IncidentStore.insert before each batch) creates the force's partition and its years, moving any
 * rows that had landed in a default partition. A row whose partition is missing is never refused:
 * every level has a DEFAULT partition, so correctness never depends on the partitions existing.
 *
 * Identity of an incident: (source, source_ref, force_code, month), nulls not distinct. PostgreSQL
 * requires a unique index on a partitioned table to hold the partition keys; before it was
 * (source, source_ref). A data.police.uk Crime ID is published in one force's file of one month, and
 * a derived key (ASB rows without an ID) hashes the month, so for these sources nothing changes. A
 * force extract that re-dates an incident into another month now stores it in both months (before,
 * the later copy was skipped and the stale month kept); re-importing an unchanged file still stores
 * nothing twice. PGlite keeps one unpartitioned table with the same identity, so both databases
 * de-duplicate alike.
 *
 * Triggers: the cube's statement triggers with transition tables stay on the partitioned parent,
 * which PostgreSQL 15 allows (only row-level triggers with transition tables are refused on
 * partitions); their transition tables hold the rows of every partition the statement touched.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw('ALTER TABLE incident DROP CONSTRAINT incident_source_source_ref_unique');
  await knex.raw('CREATE UNIQUE INDEX incident_identity ON incident (source, source_ref, force_code, month) NULLS NOT DISTINCT');
  if (!onPostgresServer(knex)) {
    // PGlite: one table, so nothing to make; the same call works on both databases.
    await knex.raw(`CREATE FUNCTION harmgrid_ensure_partitions(p_force text, p_months date[]) RETURNS integer
      LANGUAGE sql AS 'SELECT 0'`);
    return;
  }
  await knex.raw('ALTER TABLE incident DROP CONSTRAINT incident_pkey');
  await knex.raw('CREATE INDEX incident_id ON incident (id)');
  await recreate(knex, 'incident', 'LIST (force_code)');
  await recreate(knex, 'harm_cube', 'LIST (force_code)');
  await knex.raw(ENSURE_FUNCTION);
  await knex.raw(`SELECT harmgrid_ensure_partitions(force_code, array_agg(month)) FROM (
    SELECT DISTINCT force_code, month FROM incident UNION SELECT DISTINCT force_code, month FROM harm_cube) m GROUP BY force_code`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION harmgrid_ensure_partitions(text, date[])');
  if (onPostgresServer(knex)) {
    await recreate(knex, 'incident', null);
    await recreate(knex, 'harm_cube', null);
    await knex.raw('DROP INDEX incident_id');
    await knex.raw('ALTER TABLE incident ADD PRIMARY KEY (id)');
  }
  await knex.raw('DROP INDEX incident_identity');
  await knex.raw('ALTER TABLE incident ADD CONSTRAINT incident_source_source_ref_unique UNIQUE (source, source_ref)');
}

/**
 * Makes `table` anew, partitioned by `partitionBy` (with a DEFAULT partition) or plain when null:
 * same columns and defaults, every row, and the old table's indexes, foreign keys and triggers
 * (their definitions as PostgreSQL prints them, pointed at the new table), so indexes or triggers
 * added by any earlier migration carry over.
 */
async function recreate(knex: Knex, table: string, partitionBy: string | null): Promise<void> {
  const old = `${table}_before_partitioning`;
  await knex.raw(`ALTER TABLE ${table} RENAME TO ${old}`);
  const q = <T>(sql: string) => knex.raw(sql, { old }).then((r: { rows: T[] }) => r.rows);
  const indexes = await q<{ def: string; name: string }>(`SELECT pg_get_indexdef(i.indexrelid) AS def, c.relname AS name FROM pg_index i
    JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = to_regclass(:old) AND NOT i.indisprimary ORDER BY c.relname`);
  const foreignKeys = await q<{ def: string; name: string }>(`SELECT pg_get_constraintdef(oid) AS def, conname AS name FROM pg_constraint
    WHERE conrelid = to_regclass(:old) AND contype = 'f' ORDER BY conname`);
  const triggers = await q<{ def: string }>(`SELECT pg_get_triggerdef(oid) AS def FROM pg_trigger
    WHERE tgrelid = to_regclass(:old) AND NOT tgisinternal ORDER BY tgname`);
  const sequences = await q<{ seq: string | null; col: string }>(`SELECT pg_get_serial_sequence(:old, attname) AS seq, attname AS col FROM pg_attribute
    WHERE attrelid = to_regclass(:old) AND attnum > 0 AND NOT attisdropped`);

  await knex.raw(`CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS)${partitionBy ? ` PARTITION BY ${partitionBy}` : ''}`);
  if (partitionBy) await knex.raw(`CREATE TABLE ${table}_default PARTITION OF ${table} DEFAULT`);
  await knex.raw(`INSERT INTO ${table} SELECT * FROM ${old}`);
  for (const s of sequences) if (s.seq) await knex.raw(`ALTER SEQUENCE ${s.seq} OWNED BY ${table}.${s.col}`);
  await knex.raw(`DROP TABLE ${old}`);
  const onOld = new RegExp(`\\bON (ONLY )?(\\S+\\.)?${old}\\b`);
  for (const i of indexes) await knex.raw(i.def.replace(onOld, `ON ${table}`));
  for (const f of foreignKeys) await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${f.name} ${f.def}`);
  for (const t of triggers) await knex.raw(t.def.replace(onOld, `ON ${table}`));
}

/**
 * Creates, for one force and the calendar years of `p_months`, the partitions of the incidents and
 * the cube that are missing: the force's partition (itself split by year, with a default) and each
 * year's. Rows already sitting in a default partition for them are moved in first, so ATTACH finds
 * the default clean. Each new partition is made as a plain table and attached, which locks the
 * parent only against other partition changes (SHARE UPDATE EXCLUSIVE), not against reads and
 * writes. Serialised by an advisory lock, taken only when a partition is missing; returns how many
 * partitions it made. Tables are made in the parent's schema.
 */
export const ENSURE_FUNCTION = `
CREATE FUNCTION harmgrid_ensure_partitions(p_force text, p_months date[]) RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
  tbl text; nsp text; cols text; fpart text; ypart text; y integer; made integer := 0;
  bound text := CASE WHEN p_force IS NULL THEN 'NULL' ELSE quote_literal(p_force) END;
BEGIN
  -- Nothing missing (the usual case): return before taking the lock, which an importer's transaction
  -- would otherwise hold to its end and so queue every other import behind it.
  IF NOT EXISTS (
    SELECT 1 FROM unnest(ARRAY['incident', 'harm_cube']) t,
      (SELECT DISTINCT extract(year FROM m)::int AS y FROM unnest(p_months) m WHERE m IS NOT NULL) ys,
      LATERAL (SELECT t || '_' || COALESCE(lower(p_force), 'unassigned') AS f) n
    WHERE to_regclass(n.f) IS NULL
       OR ((SELECT relkind FROM pg_class WHERE oid = to_regclass(n.f)) = 'p' AND to_regclass(n.f || '_' || ys.y) IS NULL)
  ) THEN
    RETURN 0;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtext('harmgrid_ensure_partitions'));
  FOREACH tbl IN ARRAY ARRAY['incident', 'harm_cube'] LOOP
    SELECT n.nspname INTO nsp FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = to_regclass(tbl);
    SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) INTO cols FROM pg_attribute
      WHERE attrelid = to_regclass(tbl) AND attnum > 0 AND NOT attisdropped;
    fpart := tbl || '_' || COALESCE(lower(p_force), 'unassigned');
    IF to_regclass(format('%I.%I', nsp, fpart)) IS NULL THEN
      EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS) PARTITION BY RANGE (month)', nsp, fpart, nsp, tbl);
      EXECUTE format('CREATE TABLE %I.%I PARTITION OF %I.%I DEFAULT', nsp, fpart || '_default', nsp, fpart);
      EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM %I.%I WHERE force_code IS NOT DISTINCT FROM %L',
        nsp, fpart, cols, cols, nsp, tbl || '_default', p_force);
      EXECUTE format('DELETE FROM %I.%I WHERE force_code IS NOT DISTINCT FROM %L', nsp, tbl || '_default', p_force);
      EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES IN (%s)', nsp, tbl, nsp, fpart, bound);
      -- Once a force lives on a shard the identity index and the key to its import are kept per force
      -- partition (a partitioned table with foreign partitions holds neither; server/db/shards.ts).
      IF tbl = 'incident' AND to_regclass(format('%I.incident_identity', nsp)) IS NULL THEN
        EXECUTE format('CREATE UNIQUE INDEX %I ON %I.%I (source, source_ref, force_code, month) NULLS NOT DISTINCT', fpart || '_identity', nsp, fpart);
      END IF;
      IF tbl = 'incident' AND NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = to_regclass(format('%I.incident', nsp)) AND contype = 'f') THEN
        EXECUTE format('ALTER TABLE %I.%I ADD FOREIGN KEY (import_id) REFERENCES %I.import_batch (id)', nsp, fpart, nsp);
      END IF;
      made := made + 1;
    END IF;
    FOR y IN SELECT DISTINCT extract(year FROM m)::int FROM unnest(p_months) m WHERE m IS NOT NULL ORDER BY 1 LOOP
      ypart := fpart || '_' || y;
      CONTINUE WHEN to_regclass(format('%I.%I', nsp, ypart)) IS NOT NULL;
      -- A foreign (sharded) force partition holds its years on its own server.
      CONTINUE WHEN (SELECT relkind FROM pg_class WHERE oid = to_regclass(format('%I.%I', nsp, fpart))) <> 'p';
      EXECUTE format('CREATE TABLE %I.%I (LIKE %I.%I INCLUDING DEFAULTS)', nsp, ypart, nsp, tbl);
      EXECUTE format('INSERT INTO %I.%I (%s) SELECT %s FROM %I.%I WHERE month >= make_date(%s, 1, 1) AND month < make_date(%s, 1, 1)',
        nsp, ypart, cols, cols, nsp, fpart || '_default', y, y + 1);
      EXECUTE format('DELETE FROM %I.%I WHERE month >= make_date(%s, 1, 1) AND month < make_date(%s, 1, 1)', nsp, fpart || '_default', y, y + 1);
      EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES FROM (%L) TO (%L)',
        nsp, fpart, nsp, ypart, make_date(y, 1, 1), make_date(y + 1, 1, 1));
      made := made + 1;
    END LOOP;
  END LOOP;
  RETURN made;
END $$`;
