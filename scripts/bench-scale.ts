/**
 * npm run bench:scale — the growth curve of partitioned PostgreSQL and read scaling with a replica.
 * Figures, not assertions; the big sizes stay out of CI.
 *
 * Data: RESAMPLED REAL ROWS. The base is the real data.police.uk rows of every Merseyside month in
 * the shared data folder (about 1.3 million), imported through harmgrid's own path. Larger sizes copy
 * those real rows under further forces of the registry (the rows keep their positions, months and
 * categories; only the force code differs), one force of about 1.3 million rows per copy, so every
 * force partition and its cube look like a real force's. Nothing is invented.
 *
 * At each size: ingest rate (50,000 real rows re-filed under a fresh force through IncidentStore.insert,
 * partitions and cube triggers included, in one transaction per 5,000-row batch as an import does),
 * and p50/p95 of cold answers (data version bumped before every run, so no cache answers) through
 * the HTTP API: single-force hotspot cells at res 9, single-force HCHH at res 9, national res-7
 * overview (force=all).
 *
 * Read scaling (with --replica): 50 concurrent clients for a fixed time each way, reading cell totals
 * of a random force and month window through the store, once on the primary alone and once routed to
 * one streaming replica (scripts/replica-cluster.sh); throughput, errors, and the ratio.
 *
 *   npm run bench:scale -- --sizes 1.3,5,20,60 [--replica]     (millions; default 1.3,5)
 * PostgreSQL only (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test), schema harmgrid_bench_scale.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Knex } from 'knex';
import { loadConfig, repoRoot } from '../server/config';
import { migrate, openDb, rowsOf, type Db } from '../server/db/connection';
import { IncidentStore } from '../server/db/incidents';
import { ensurePartitions } from '../server/db/partitions';
import { ReferenceStore } from '../server/db/reference';
import { ReadRouter } from '../server/db/routing';
import { seedBuiltins } from '../server/db/seed';
import type { IncidentRow } from '../server/ingest/incidentRow';
import { importPaths } from '../server/ingest/importPaths';
import { startServer } from '../server/server';

const SCHEMA = 'harmgrid_bench_scale';
const pgUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const sizes = (arg('--sizes') ?? '1.3,5').split(',').map((s) => Math.round(Number(s) * 1e6));
const withReplica = process.argv.includes('--replica');
const RUNS = 12;
const INGEST_SAMPLE = 50_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
};
const count = async (db: Db) => rowsOf<{ n: number }>(await db.raw('SELECT count(*)::int AS n FROM incident'))[0]!.n;

async function prepare(): Promise<{ db: Db; base: string }> {
  const admin = openDb({ databaseUrl: pgUrl });
  await admin.raw(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`);
  await admin.raw(`CREATE SCHEMA ${SCHEMA}`);
  await admin.destroy();
  const db = openDb({ databaseUrl: pgUrl, schema: SCHEMA });
  await migrate(db);
  await seedBuiltins(db);
  const dataDir = loadConfig().dataDir;
  const t0 = performance.now();
  const report = await importPaths(db, [path.join(dataDir, 'harm'), path.join(dataDir, 'police', 'merseyside')]);
  if (report.failed.length) throw new Error(`import failed: ${JSON.stringify(report.failed).slice(0, 500)}`);
  const n = await count(db);
  console.log(
    `base: ${n} real rows imported in ${((performance.now() - t0) / 1000).toFixed(0)} s (${Math.round(n / ((performance.now() - t0) / 1000))} rows/s, whole import path)`,
  );
  const base = rowsOf<{ f: string }>(await db.raw('SELECT force_code AS f FROM incident GROUP BY 1 ORDER BY count(*) DESC LIMIT 1'))[0]!.f;
  return { db, base };
}

/** Copies the base force's rows under `force` (resampled real rows), partitions first; the cube triggers count them. */
async function copyForce(db: Db, base: string, force: string): Promise<void> {
  const months = rowsOf<{ m: string }>(await db.raw(`SELECT DISTINCT to_char(month, 'YYYY-MM') AS m FROM incident WHERE force_code = ?`, [base])).map(
    (r) => r.m,
  );
  await ensurePartitions(db, force, months);
  const cols = rowsOf<{ c: string }>(
    await db.raw(`SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) AS c FROM pg_attribute
    WHERE attrelid = 'incident'::regclass AND attnum > 0 AND NOT attisdropped AND attname NOT IN ('id', 'force_code')`),
  )[0]!.c;
  for (const m of months) {
    await db.raw(`INSERT INTO incident (${cols}, force_code) SELECT ${cols}, ? FROM incident WHERE force_code = ? AND month = ?::date`, [
      force,
      base,
      `${m}-01`,
    ]);
  }
  // Only this force's cube rows: compacting every force's would make each copy slower than the last.
  await new IncidentStore(db).compactCube(months[0]!, months[months.length - 1]!, force);
}

/** Real rows of the base force, as an import would send them, re-filed under `force`. */
async function sampleRows(db: Db, base: string): Promise<IncidentRow[]> {
  const r = await db.raw(
    `SELECT source, source_ref, to_char(month, 'YYYY-MM') AS month, category, lon, lat, cell::text AS cell, location,
    lsoa_code, lsoa_name, outcome, position_precision FROM incident WHERE force_code = ? ORDER BY id LIMIT ?`,
    [base, INGEST_SAMPLE],
  );
  return rowsOf<any>(r).map((x) => ({
    source: x.source,
    sourceRef: x.source_ref,
    month: x.month,
    occurredAt: null,
    category: x.category,
    offenceCode: null,
    offenceName: null,
    knife: null,
    firearm: null,
    domestic: null,
    lon: x.lon,
    lat: x.lat,
    cell: x.cell,
    location: x.location,
    lsoaCode: x.lsoa_code,
    lsoaName: x.lsoa_name,
    outcome: x.outcome,
    positionPrecision: x.position_precision,
    attributes: null,
  }));
}

async function ingestRate(db: Db, rows: IncidentRow[], force: string): Promise<number> {
  const store = new IncidentStore(db);
  const importId = rowsOf<{ id: number }>(
    await db.raw(`INSERT INTO import_batch (file_name, checksum, status) VALUES ('bench:scale', ?, 'imported') RETURNING id`, [`bench-${force}`]),
  )[0]!.id;
  const t0 = performance.now();
  for (let i = 0; i < rows.length; i += 5000) {
    await db.transaction(async (trx: Knex.Transaction) => {
      await store.insert(trx, rows.slice(i, i + 5000), importId, force);
    });
  }
  return rows.length / ((performance.now() - t0) / 1000);
}

async function coldTimes(db: Db, url: string): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // A change of stored data (a no-op update bumps the version and NOTIFYs the server), so no cache answers.
    await db.raw('UPDATE force SET name = name WHERE code = (SELECT min(code) FROM force)');
    const t0 = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    out.push(performance.now() - t0);
  }
  return out;
}

async function readLoad(db: Db, forces: string[], months: string[], seconds: number): Promise<{ perSecond: number; errors: number }> {
  const scheme = (await new ReferenceStore(db).schemes())[0]!;
  const store = new IncidentStore(db);
  const end = performance.now() + seconds * 1000;
  let done = 0,
    errors = 0,
    k = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (performance.now() < end) {
        const at = (k++ * 7) % (months.length - 3);
        try {
          await store.cellTotals(
            {
              from: months[at] as never,
              to: months[at + 2] as never,
              schemeId: scheme.id,
              forces: [forces[k % forces.length]!],
              definition: { anyOf: [{ categories: ['Violence and sexual offences', 'Robbery', 'Possession of weapons'], weapon: 'any', domestic: 'include' }] },
            },
            8,
          );
          done += 1;
        } catch {
          errors += 1;
        }
      }
    }),
  );
  return { perSecond: done / seconds, errors };
}

const { db, base } = await prepare();
const registry = rowsOf<{ code: string }>(await db.raw('SELECT code FROM force WHERE code <> ? ORDER BY code', [base])).map((r) => r.code);
const sample = await sampleRows(db, base);
const baseRows = await count(db);
const server = await startServer({ databaseUrl: pgUrl, schema: SCHEMA, port: 0, autoImport: false, buildWeb: false, quiet: true, readUrls: [] });
const curve: string[] = [
  '| rows (resampled real) | forces | ingest rows/s | hotspot cells p50 / p95 ms | HCHH p50 / p95 ms | national res-7 p50 / p95 ms |',
  '|---|---|---|---|---|---|',
];
let next = 0;
for (const target of sizes) {
  while ((await count(db)) + baseRows / 2 < target) {
    const t0 = performance.now();
    await copyForce(db, base, registry[next++]!);
    console.log(`  grown to ${await count(db)} rows (+1 force in ${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  await db.raw('ANALYZE incident; ANALYZE harm_cube; ANALYZE harm_rollup');
  const rate = await ingestRate(db, sample, registry[next++]!);
  const rows = await count(db);
  const forces = rowsOf<{ n: number }>(await db.raw('SELECT count(DISTINCT force_code)::int AS n FROM harm_cube'))[0]!.n;
  const cells = await coldTimes(db, `${server.url}/api/cells?resolution=9&force=${base}`);
  const hchh = await coldTimes(db, `${server.url}/api/hchh?resolution=9&force=${base}`);
  const national = await coldTimes(db, `${server.url}/api/cells?resolution=7&force=all`);
  const line = `| ${(rows / 1e6).toFixed(1)}M | ${forces} | ${Math.round(rate)} | ${pct(cells, 0.5).toFixed(0)} / ${pct(cells, 0.95).toFixed(0)} | ${pct(hchh, 0.5).toFixed(0)} / ${pct(hchh, 0.95).toFixed(0)} | ${pct(national, 0.5).toFixed(0)} / ${pct(national, 0.95).toFixed(0)} |`;
  curve.push(line);
  console.log(line);
}
await server.close();
console.log('\nGrowth curve (cold answers: data version bumped before each of', RUNS, 'runs; PostgreSQL 15, 2 shared cores)');
console.log(curve.join('\n'));

if (withReplica) {
  execFileSync(path.join(repoRoot, 'scripts', 'replica-cluster.sh'), ['start', '5433'], { stdio: 'inherit' });
  const forces = rowsOf<{ f: string }>(await db.raw('SELECT DISTINCT force_code AS f FROM harm_cube')).map((r) => r.f);
  const months = rowsOf<{ m: string }>(await db.raw(`SELECT DISTINCT to_char(month, 'YYYY-MM') AS m FROM harm_cube ORDER BY 1`)).map((r) => r.m);
  const replicaUrl = new URL(pgUrl);
  replicaUrl.port = '5433';
  const primaryOnly = await readLoad(db, forces, months, 15);
  const routedDb = openDb({ databaseUrl: pgUrl, schema: SCHEMA });
  const router = new ReadRouter(routedDb, { urls: [replicaUrl.toString()], primaryUrl: pgUrl, schema: SCHEMA, poolSize: 8 });
  await router.ready();
  for (let i = 0; i < 120 && (router.status().replicas[0]!.lagging || !router.status().replicas[0]!.up); i++) {
    await new Promise((r) => setTimeout(r, 500));
    await router.check();
  }
  const routed = await readLoad(routedDb, forces, months, 15);
  const st = router.status();
  console.log('\nRead scaling, 50 concurrent clients, 15 s each way, cell totals of one force over 3 months at res 8');
  console.log('| setup | reads/s | errors |\n|---|---|---|');
  console.log(`| primary alone (8 connections) | ${primaryOnly.perSecond.toFixed(0)} | ${primaryOnly.errors} |`);
  console.log(
    `| primary + 1 replica (8 + 8 connections; replica took ${st.replicas[0]!.reads}, primary ${st.primaryReads}) | ${routed.perSecond.toFixed(0)} | ${routed.errors} |`,
  );
  console.log(`ratio routed / primary alone: ${(routed.perSecond / primaryOnly.perSecond).toFixed(2)}`);
  await router.close();
  await routedDb.destroy();
}
await db.destroy();
