/**
 * npm run bench — figures, not assertions.
 *
 * Ingest: the real data.police.uk rows (45 months of Merseyside) RESAMPLED to at least a million rows:
 * each real row appears once as published and once more with its month moved on by the length of the
 * run and its reference suffixed, so the extra rows are real rows in shifted months. They are written
 * as data.police.uk CSV files and imported through harmgrid's own path (read, validate, index, insert
 * per file in a transaction); the same files then go through a plain PostgreSQL COPY into a bare
 * table of text columns, for the ratio.
 * Queries: hotspot cells and HCHH areas at resolutions 8, 9 and 10 over that table, p50/p95 of
 * repeated runs, against a bare GROUP BY of the same rows.
 *
 * Backtest: one selection method over 45 months at resolution 10 through the service, against the
 * bare load of the same cell-month totals.
 *
 * Runs on PostgreSQL (DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test, in schema
 * harmgrid_bench or HARMGRID_BENCH_SCHEMA); with --pglite also on the embedded database. With
 * --ingest-only it stops after the ingest figures (no queries, statistics, backtest or load test); with
 * --file-by-file the ingest takes the path of an import into a store that already holds incidents;
 * --load-only runs only the load section; HARMGRID_BENCH_ROWS sets the least number of rows (default 1,000,000; the real rows at least once).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config';
import { migrate, openDb, rowsOf, type Db } from '../server/db/connection';
import { seedBuiltins } from '../server/db/seed';
import { addMonths } from '../server/domain/months';
import { importPaths, listCsvFiles } from '../server/ingest/importPaths';
import { Analysis } from '../server/services/analysis';
import { HotspotStatistics } from '../server/services/hotspotStatistics';
import { BacktestService } from '../server/services/backtest';
import { gistar } from '../server/domain/hotspots/gistar';
import { h3Neighbours } from '../server/domain/hotspots/neighbours';
import { loadTest } from './benchLoad';
import { resample } from './benchSample';

const TARGET_ROWS = Number(process.env.HARMGRID_BENCH_ROWS || 1_000_000);
const ingestOnly = process.argv.includes('--ingest-only');
// Into the empty store the files go in as one bulk load (server/db/bulkLoad.ts); --file-by-file measures the steady-state path instead.
const fileByFile = process.argv.includes('--file-by-file');
const schema = process.env.HARMGRID_BENCH_SCHEMA || 'harmgrid_bench';
const config = loadConfig();
const pgUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const withPglite = process.argv.includes('--pglite');

// --load-only: just the load section (50 clients on the map's layers, both databases), e.g. after a change to the request path.
if (process.argv.includes('--load-only')) {
  await loadTest('PostgreSQL', { databaseUrl: pgUrl, schema: 'harmgrid_load' });
  await loadTest('PGlite (in memory)', {});
  process.exit(0);
}

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
}

async function timeRuns(n: number, f: () => Promise<unknown>): Promise<{ p50: number; p95: number }> {
  await f(); // warm
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await f();
    times.push(performance.now() - t0);
  }
  return { p50: quantile(times, 0.5), p95: quantile(times, 0.95) };
}

async function benchDatabase(label: string, db: Db, sample: { dir: string; rows: number }, copyFiles: ((files: string[]) => number) | null) {
  await migrate(db);
  await seedBuiltins(db);
  await importPaths(db, [path.join(config.dataDir, 'harm')]);
  const files = listCsvFiles([sample.dir]);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // The bulk load's own lines say how long its closing steps (cube, coverage, indexes) took.
  const report = await importPaths(db, [sample.dir], (l) => l.startsWith('bulk ') && console.log(l), undefined, { bulk: !fileByFile });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const imported = report.files.reduce((s, f) => s + f.rowsImported, 0);
  console.log(`\n## ${label}${fileByFile ? ' (file by file)' : ' (bulk load into the empty store)'}`);
  console.log(
    `ingest: ${imported.toLocaleString('en-GB')} rows (RESAMPLED real rows) from ${files.length} files in ${seconds.toFixed(1)} s = ${Math.round(imported / seconds).toLocaleString('en-GB')} rows/s (this process: ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU; load average ${os.loadavg()[0]!.toFixed(1)})`,
  );
  if (copyFiles) {
    const copySeconds = copyFiles(files);
    console.log(
      `plain COPY of the same files into a bare text table: ${copySeconds.toFixed(1)} s = ${Math.round(sample.rows / copySeconds).toLocaleString('en-GB')} rows/s; harmgrid takes ${(seconds / copySeconds).toFixed(1)}× as long (it validates every field, indexes H3 cells, de-duplicates and logs the import)`,
    );
  }
  if (ingestOnly) return;
  await db.raw('ANALYZE');
  // Three costs per answer: cold (a new data version: the cube slice of the definition is read once),
  // warm (another period or resolution of the same slice: computed in memory from the cube), and the
  // bare GROUP BY over the cube itself, the floor any cube answer is measured against.
  const months = await new Analysis(db).incidents.months();
  const analysis = new Analysis(db);
  let k = 0;
  const nextFrom = () => months[(k++ * 7) % Math.max(1, months.length - 12)]!;
  console.log(
    '| resolution | cells | cold p50 (slice read) | warm p50 / p95 (another period) | bare GROUP BY over the cube p50 | warm ÷ bare | HCHH warm p50 / p95 | HCHH areas |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const resolution of [7, 8, 9, 10, 11]) {
    const cold = await timeRuns(3, async () => {
      const a = new Analysis(db);
      await a.cells(await a.resolve({ resolution }));
    });
    const cells = await analysis.cells(await analysis.resolve({ resolution }));
    const warm = await timeRuns(7, async () => analysis.cells(await analysis.resolve({ resolution, from: nextFrom() })));
    const bare = await timeRuns(5, () =>
      db.raw(
        `SELECT h3_parent(cell, ?) AS c, sum(incidents) FROM harm_cube WHERE category = ANY(?::text[]) AND cell IS NOT NULL AND month >= ?::date GROUP BY 1`,
        [resolution, ['Violence and sexual offences', 'Robbery', 'Possession of weapons'], `${nextFrom()}-01`],
      ),
    );
    const hchh = await timeRuns(3, async () => analysis.hchh(await analysis.resolve({ resolution, from: nextFrom() }), {}));
    const areas = (await analysis.hchh(await analysis.resolve({ resolution }), {})).areas.length;
    console.log(
      `| ${resolution} | ${cells.length.toLocaleString('en-GB')} | ${cold.p50.toFixed(0)} ms | ${warm.p50.toFixed(1)} / ${warm.p95.toFixed(1)} ms | ${bare.p50.toFixed(0)} ms | ${(warm.p50 / bare.p50).toFixed(2)} | ${hchh.p50.toFixed(0)} / ${hchh.p95.toFixed(0)} ms | ${areas} |`,
    );
  }
  const n = rowsOf<{ n: number }>(await db.raw('SELECT count(*)::int AS n FROM incident'))[0]!.n;
  console.log(`(over ${n.toLocaleString('en-GB')} incidents; definition public-proxy, scheme cchi, all months)`);

  // Statistics run over the study area of the five districts, so load the boundaries now (after the
  // ingest figures, which they would otherwise include); every stored incident is tagged once here.
  const t1 = performance.now();
  await importPaths(db, [path.join(config.dataDir, 'boundaries'), path.join(config.dataDir, 'deprivation')]);
  console.log(`\nboundaries loaded and ${n.toLocaleString('en-GB')} incidents tagged by point in polygon in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
  const stats = new HotspotStatistics(analysis);
  console.log('\n| resolution | study cells | months | Gi* (API path) p50 | Gi* compute only | spdep::localG compute | ratio | emerging (API path) |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const resolution of [9, 10]) {
    const r = await analysis.resolve({ resolution });
    const opts = { variable: 'count' as const, k: 1, weights: 'binary' as const, fdr: true };
    const g = await stats.gistar(r, opts);
    const api = await timeRuns(3, () => stats.gistar(r, opts));
    const nb = h3Neighbours(g.cells, { k: 1, weights: 'binary' });
    const compute = await timeRuns(5, async () => gistar(g.values, nb));
    const spdep = spdepSeconds(g.values, nb);
    const emerging = await timeRuns(1, () => stats.emerging(r, { ...opts, timeStep: 1, alpha: 0.05, trendAlpha: 0.05, globalWindow: 'cube' }));
    const months = (await analysis.defaults()).months.length;
    console.log(
      `| ${resolution} | ${g.cells.length.toLocaleString('en-GB')} | ${months} | ${api.p50.toFixed(0)} ms | ${compute.p50.toFixed(1)} ms | ${spdep === null ? 'R not found' : `${(spdep * 1000).toFixed(1)} ms`} | ${spdep === null ? '' : `${((spdep * 1000) / compute.p50).toFixed(1)}× faster`} | ${(emerging.p50 / 1000).toFixed(1)} s |`,
    );
  }

  // Backtest (issue 15): one method over the first 45 months at res 10, through the service (load + run),
  // against the bare load of the same cell-month totals in the same run.
  const backtest = new BacktestService(db, analysis);
  const first = (await analysis.defaults()).months[0]!;
  const r45 = await analysis.resolve({ resolution: 10, to: addMonths(first, 44) });
  console.log('\n| backtest (45 months, res 10) | p50 | cell-month totals query alone p50 | ratio |');
  console.log('|---|---|---|---|');
  const load = await timeRuns(3, () => analysis.incidents.cellMonthTotals(r45.filter, 10));
  for (const method of ['top-count', 'last-3-months', 'recency']) {
    const run = await timeRuns(2, () => backtest.backtest(r45, { methods: [method] }));
    console.log(`| ${method} | ${(run.p50 / 1000).toFixed(1)} s | ${(load.p50 / 1000).toFixed(1)} s | ${(run.p50 / load.p50).toFixed(1)}× |`);
  }
}

/** Times spdep::localG on the same values and neighbours, where R and spdep are installed. */
function spdepSeconds(values: Float64Array, nb: ReturnType<typeof h3Neighbours>): number | null {
  try {
    execFileSync('Rscript', ['-e', 'suppressPackageStartupMessages(library(spdep))'], { stdio: 'ignore' });
  } catch {
    return null;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-spdep-'));
  const rows: number[][] = [];
  for (let i = 0; i < values.length; i++) rows.push(Array.from(nb.indices.slice(nb.offsets[i]!, nb.offsets[i + 1]!), (j) => j + 1));
  fs.writeFileSync(path.join(dir, 'in.json'), JSON.stringify({ values: Array.from(values), nb: rows }));
  const script = `suppressPackageStartupMessages({library(spdep); library(jsonlite)})
    d <- fromJSON("${dir}/in.json", simplifyVector = FALSE)
    nb <- lapply(d$nb, function(r) as.integer(unlist(r))); attr(nb, "self.included") <- TRUE; class(nb) <- "nb"
    lw <- nb2listw(nb, style = "B"); x <- as.numeric(unlist(d$values))
    invisible(localG(x, lw)); t <- system.time(for (i in 1:5) localG(x, lw))[["elapsed"]] / 5
    cat(t)`;
  try {
    return Number(execFileSync('Rscript', ['-e', script], { encoding: 'utf8' }).trim());
  } catch {
    return null;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const sample = await resample(TARGET_ROWS);
console.log(`# harmgrid bench (${os.cpus().length} cores, node ${process.version})`);
console.log(
  `sample: ${sample.rows.toLocaleString('en-GB')} rows in ${sample.files} files — RESAMPLED from the real 45 months (each real row twice, the copy in months shifted by 45)`,
);
try {
  const admin = openDb({ databaseUrl: pgUrl });
  await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.raw(`CREATE SCHEMA ${schema}`);
  await admin.destroy();
  const db = openDb({ databaseUrl: pgUrl, schema });
  const copy = (files: string[]) => {
    const psql = (sql: string) => execFileSync('psql', [pgUrl, '-q', '-v', 'ON_ERROR_STOP=1', '-c', sql], { stdio: ['ignore', 'ignore', 'inherit'] });
    psql(
      `DROP TABLE IF EXISTS ${schema}.copy_target; CREATE TABLE ${schema}.copy_target (crime_id text, month text, reported_by text, falls_within text, longitude text, latitude text, location text, lsoa_code text, lsoa_name text, crime_type text, last_outcome text, context text)`,
    );
    const t0 = performance.now();
    for (const f of files) psql(`\\copy ${schema}.copy_target FROM '${f}' WITH (FORMAT csv, HEADER true)`);
    return (performance.now() - t0) / 1000;
  };
  await benchDatabase(`PostgreSQL (${pgUrl.replace(/\/\/[^@/]*@/, '//')})`, db, sample, copy);
  await db.destroy();
  // Load: 50 clients on the map's layers, on both databases (HARMGRID_LOAD_SECONDS, default 60).
  if (!ingestOnly) {
    await loadTest('PostgreSQL', { databaseUrl: pgUrl, schema: 'harmgrid_load' });
    await loadTest('PGlite (in memory)', {});
  }
  if (withPglite) {
    const lite = openDb({ pgliteDir: 'memory' });
    await benchDatabase('PGlite (embedded, in memory)', lite, sample, null);
    await lite.destroy();
  }
} finally {
  fs.rmSync(sample.dir, { recursive: true, force: true });
}
process.exit(0);
