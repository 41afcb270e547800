import type { Knex } from 'knex';
import pg from 'pg';
import { rowsOf, type Db } from './connection';
import { onPostgresServer } from './partitions';

/**
 * Sharding with PostgreSQL itself: a force's partitions of the incidents and the cube (migration
 * 20261203000050) become postgres_fdw foreign tables on another cluster, attached to the same
 * partitioned parents, so one coordinator still answers every question and prunes to the forces it
 * needs. With `enable_partitionwise_aggregate` the per-force aggregates run on the shards, and
 * `async_capable` lets the shards scan at the same time (Async Foreign Scan under one Append).
 *
 * The cube of a sharded force is kept by the shard: PostgreSQL cannot collect transition rows from a
 * foreign partition, so the coordinator's statement triggers cannot count them. The shard's incident
 * table carries the same statement triggers writing its own cube table (the coordinator's foreign
 * cube partition), and IncidentStore.insert writes a sharded force's rows into its foreign
 * partition directly, so the parent's triggers are not involved. A partitioned
 * table with foreign partitions cannot carry a unique index, so placing a force on a shard moves
 * the identity index (source, source_ref, force_code, month) from the parent onto each local force
 * partition and onto the shard's table; de-duplication stays per force, as before. The key from an
 * incident to its import moves onto the local partitions alike; on a shard it is the coordinator's
 * to keep (no foreign key crosses clusters, as on Citus).
 */
export interface ShardPlacement {
  /** ONS PFA code of the force to move. */
  force: string;
  /** Connection string of the shard cluster (its database). */
  url: string;
}

const TABLES = ['incident', 'harm_cube', 'harm_rollup'] as const;

/** The foreign server a shard URL is known by on the coordinator. */
export function shardServerName(url: string): string {
  const u = new URL(url);
  return `harmgrid_shard_${u.hostname.replace(/\W/g, '_')}_${u.port || '5432'}_${u.pathname.slice(1).replace(/\W/g, '_')}`;
}

async function schemaOf(db: Db): Promise<string> {
  return rowsOf<{ s: string }>(await db.raw('SELECT current_schema() AS s'))[0]!.s;
}

/**
 * Column list of a coordinator table as DDL: types and NOT NULL, and with `defaults` its defaults
 * (the foreign partition is written directly, so it fills ids from the coordinator's sequence).
 */
async function columnsDdl(db: Db | Knex.Transaction, table: string, defaults = false): Promise<string> {
  const r = await db.raw(
    `SELECT string_agg(format('%I %s%s%s', a.attname, format_type(a.atttypid, a.atttypmod),
      CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END, CASE WHEN ? AND d.adbin IS NOT NULL THEN ' DEFAULT ' || pg_get_expr(d.adbin, d.adrelid) ELSE '' END),
      ', ' ORDER BY a.attnum) AS ddl
    FROM pg_attribute a LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE a.attrelid = to_regclass(?) AND a.attnum > 0 AND NOT a.attisdropped`,
    [defaults, table],
  );
  return rowsOf<{ ddl: string }>(r)[0]!.ddl;
}

/**
 * Keeps the identity index and the key to import_batch on every local force partition instead of
 * the parent (idempotent): a partitioned table with foreign partitions can hold neither.
 */
async function keysPerPartition(trx: Knex.Transaction): Promise<void> {
  const parts = rowsOf<{ name: string }>(
    await trx.raw(`SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
    WHERE i.inhparent = 'incident'::regclass AND c.relkind IN ('r', 'p') ORDER BY 1`),
  );
  if (rowsOf<{ x: string | null }>(await trx.raw("SELECT to_regclass('incident_identity')::text AS x"))[0]!.x) {
    for (const p of parts) {
      await trx.raw(`CREATE UNIQUE INDEX IF NOT EXISTS ${p.name}_identity ON ${p.name} (source, source_ref, force_code, month) NULLS NOT DISTINCT`);
    }
    await trx.raw('DROP INDEX incident_identity');
  }
  const fks = rowsOf<{ name: string }>(await trx.raw(`SELECT conname AS name FROM pg_constraint WHERE conrelid = 'incident'::regclass AND contype = 'f'`));
  for (const fk of fks) {
    await trx.raw(`ALTER TABLE incident DROP CONSTRAINT ${fk.name}`);
    for (const p of parts) await trx.raw(`ALTER TABLE ${p.name} ADD FOREIGN KEY (import_id) REFERENCES import_batch (id)`);
  }
}

/**
 * Moves one force's incidents and cube rows to a shard: makes the tables there (in a schema named
 * as the coordinator's), the foreign server and user mapping here, copies the rows, and swaps the
 * local partitions for foreign ones in one coordinator transaction. Answers do not change.
 */
export async function placeForceOnShard(db: Db, placement: ShardPlacement): Promise<void> {
  const schema = await schemaOf(db);
  const server = shardServerName(placement.url);
  const f = placement.force.toLowerCase();
  const shard = new pg.Client({ connectionString: placement.url });
  await shard.connect();
  try {
    await shard.query(`CREATE SCHEMA IF NOT EXISTS ${pg.escapeIdentifier(schema)}`);
    for (const table of TABLES) {
      const remote = `${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(`${table}_${f}`)}`;
      await shard.query(`CREATE TABLE IF NOT EXISTS ${remote} (${await columnsDdl(db, table)})`);
      await shard.query(`CREATE INDEX IF NOT EXISTS ${table}_${f}_month ON ${remote} (force_code, month)`);
      await shard.query(`CREATE INDEX IF NOT EXISTS ${table}_${f}_cell ON ${remote} (cell)`);
      if (table === 'incident') {
        await shard.query(`CREATE UNIQUE INDEX IF NOT EXISTS incident_${f}_identity ON ${remote} (source, source_ref, force_code, month) NULLS NOT DISTINCT`);
      }
    }
  } finally {
    await shard.end();
  }
  const u = new URL(placement.url);
  await db.transaction(async (trx) => {
    await trx.raw('CREATE EXTENSION IF NOT EXISTS postgres_fdw');
    // DDL takes no parameters: the options are quoted as literals.
    const lit = pg.escapeLiteral;
    await trx.raw(`CREATE SERVER IF NOT EXISTS ${server} FOREIGN DATA WRAPPER postgres_fdw
      OPTIONS (host ${lit(u.hostname)}, port ${lit(u.port || '5432')}, dbname ${lit(decodeURIComponent(u.pathname.slice(1)))},
               async_capable 'true', fetch_size '10000', batch_size '1000')`);
    await trx.raw(`CREATE USER MAPPING IF NOT EXISTS FOR CURRENT_USER SERVER ${server}
      OPTIONS (user ${lit(decodeURIComponent(u.username || 'postgres'))}${u.password ? `, password ${lit(decodeURIComponent(u.password))}` : ''})`);
    await keysPerPartition(trx);
    for (const table of TABLES) {
      const local = `${table}_${f}`;
      const kind = rowsOf<{ k: string | null }>(await trx.raw('SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass(?)', [local]))[0]?.k;
      if (kind === 'f') continue; // already on a shard
      const cols = rowsOf<{ c: string }>(
        await trx.raw(
          `SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS c FROM pg_attribute
        WHERE attrelid = to_regclass(?) AND attnum > 0 AND NOT attisdropped`,
          [table],
        ),
      )[0]!.c;
      if (kind) {
        await trx.raw(`ALTER TABLE ${table} DETACH PARTITION ${local}`);
        await trx.raw(`ALTER TABLE ${local} RENAME TO ${local}_moving`);
      }
      await trx.raw(`CREATE FOREIGN TABLE ${local} (${await columnsDdl(trx, table, true)}) SERVER ${server}
        OPTIONS (schema_name ${lit(schema)}, table_name ${lit(local)})`);
      // Rows go straight into the foreign table, past the parent's triggers: the cube already counts them.
      if (kind) await trx.raw(`INSERT INTO ${local} (${cols}) SELECT ${cols} FROM ${local}_moving`);
      await trx.raw(`INSERT INTO ${local} (${cols}) SELECT ${cols} FROM ${table}_default WHERE force_code = ?`, [placement.force]);
      await trx.raw(`DELETE FROM ${table}_default WHERE force_code = ?`, [placement.force]);
      await trx.raw(`ALTER TABLE ${table} ATTACH PARTITION ${local} FOR VALUES IN (${lit(placement.force)})`);
      if (kind) await trx.raw(`DROP TABLE ${local}_moving`);
    }
  });
  // Only now, so the rows copied above (whose cube rows were copied too) are not counted twice.
  const after = new pg.Client({ connectionString: placement.url });
  await after.connect();
  try {
    await shardCubeTriggers(db, after, schema, f);
  } finally {
    await after.end();
  }
}

/**
 * The cube triggers on the shard: the coordinator's h3_parent and harm_cube_add (migration
 * 20261203000001), the latter pointed at the shard's cube table and with the schema fixed, since
 * postgres_fdw sessions run with search_path = pg_catalog.
 */
async function shardCubeTriggers(db: Db, shard: pg.Client, schema: string, f: string): Promise<void> {
  const h3 = rowsOf<{ def: string }>(await db.raw("SELECT pg_get_functiondef('h3_parent(bigint, integer)'::regprocedure) AS def"))[0]!.def;
  const body = rowsOf<{ src: string }>(await db.raw("SELECT prosrc AS src FROM pg_proc WHERE oid = 'harm_cube_add()'::regprocedure"))[0]!.src;
  const s = pg.escapeIdentifier(schema);
  await shard.query(h3);
  await shard.query(
    `CREATE OR REPLACE FUNCTION ${s}.harm_cube_add_${f}() RETURNS trigger LANGUAGE plpgsql SET search_path = ${s} AS ${pg.escapeLiteral(
      body.replace(/INSERT INTO harm_cube\b/, `INSERT INTO harm_cube_${f}`).replace(/INSERT INTO harm_rollup\b/, `INSERT INTO harm_rollup_${f}`),
    )}`,
  );
  for (const [event, ref] of [
    ['INSERT', 'NEW'],
    ['DELETE', 'OLD'],
  ] as const) {
    await shard.query(`CREATE OR REPLACE TRIGGER incident_${f}_cube_${event.toLowerCase()} AFTER ${event} ON ${s}.incident_${f}
      REFERENCING ${ref} TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION ${s}.harm_cube_add_${f}()`);
  }
}

/**
 * Where a force's new incidents are written: its foreign partition when the force is on a shard (the
 * shard's triggers keep its cube), else the parent (whose triggers keep the cube).
 */
export async function incidentTarget(db: Db | Knex.Transaction, force: string | null): Promise<string> {
  if (force === null || !onPostgresServer(db)) return 'incident';
  const table = `incident_${force.toLowerCase()}`;
  const r = await db.raw('SELECT relkind::text AS k FROM pg_class WHERE oid = to_regclass(?)', [table]);
  return rowsOf<{ k: string }>(r)[0]?.k === 'f' ? table : 'incident';
}

/** The forces whose partitions live on a foreign server (by its name), with their names. */
export async function forcesOnServer(db: Db, server: string): Promise<{ code: string; name: string }[]> {
  const r = await db.raw(
    `SELECT DISTINCT f.code, f.name FROM pg_foreign_table ft
      JOIN pg_foreign_server s ON s.oid = ft.ftserver JOIN pg_class c ON c.oid = ft.ftrelid
      JOIN force f ON pg_get_expr(c.relpartbound, c.oid) = format('FOR VALUES IN (%L)', f.code)
    WHERE s.srvname = ? AND c.relnamespace = current_schema()::regnamespace ORDER BY f.name`,
    [server],
  );
  return rowsOf(r);
}

/** The foreign server a failed statement could not reach, from postgres_fdw's error; null for any other error. */
export function unreachableShard(err: unknown): string | null {
  const message = (err as { message?: string })?.message ?? '';
  return /could not connect to server "([^"]+)"/.exec(message)?.[1] ?? null;
}
