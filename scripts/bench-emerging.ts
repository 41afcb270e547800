/**
 * npm run bench:emerging — figures, not assertions: /api/emerging's computation (HotspotStatistics.emerging,
 * warm: study area, neighbours and cube slice already read) at resolutions 9 and 10 over the bench's
 * RESAMPLED real rows (scripts/benchSample.ts; HARMGRID_BENCH_ROWS, default 1,000,000, which gives 90
 * months), as CPU time of this process (process.cpuUsage) and wall time, with the load average.
 *
 * Where Rscript with spdep and jsonlite, and python3 with scipy, are present, the R reference pipeline
 * (scripts/reference/emerging-pipeline.R: spdep::localG on the space-time neighbourhood, Benjamini–
 * Hochberg per step; then scripts/reference/emerging-trend.py: scipy's Kendall tau per cell and the
 * ArcGIS categories) runs on the same cube and neighbours, and the ratio is printed with how many cells
 * the two pipelines put in the same category.
 *
 * PostgreSQL at DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test), schema
 * HARMGRID_BENCH_SCHEMA (default harmgrid_bench_emerging); --reuse keeps a schema an earlier run loaded.
 * --no-reference leaves the R pipeline out. HARMGRID_BENCH_RUNS sets the timed runs per resolution (default 3, after one warm-up).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config';
import { migrate, openDb, rowsOf, type Db } from '../server/db/connection';
import { seedBuiltins } from '../server/db/seed';
import { monthRange } from '../server/domain/months';
import { importPaths } from '../server/ingest/importPaths';
import { Analysis } from '../server/services/analysis';
import { HotspotStatistics, type EmergingOptions } from '../server/services/hotspotStatistics';
import { resample } from './benchSample';

const config = loadConfig();
const pgUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
const schema = process.env.HARMGRID_BENCH_SCHEMA || 'harmgrid_bench_emerging';
const targetRows = Number(process.env.HARMGRID_BENCH_ROWS || 1_000_000);
const runs = Number(process.env.HARMGRID_BENCH_RUNS || 3);
const reuse = process.argv.includes('--reuse');
const skipReference = process.argv.includes('--no-reference');
const options: EmergingOptions = {
  variable: 'count',
  k: 1,
  weights: 'binary',
  fdr: true,
  timeStep: 1,
  alpha: 0.05,
  trendAlpha: 0.05,
  globalWindow: 'cube',
};

async function load(): Promise<Db> {
  if (reuse) {
    const db = openDb({ databaseUrl: pgUrl, schema });
    const n = rowsOf<{ n: number }>(await db.raw('SELECT count(*)::int AS n FROM incident'))[0]!.n;
    console.log(`reusing schema ${schema}: ${n.toLocaleString('en-GB')} incidents`);
    return db;
  }
  const sample = await resample(targetRows);
  try {
    const admin = openDb({ databaseUrl: pgUrl });
    await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.raw(`CREATE SCHEMA ${schema}`);
    await admin.destroy();
    const db = openDb({ databaseUrl: pgUrl, schema });
    await migrate(db);
    await seedBuiltins(db);
    await importPaths(db, [path.join(config.dataDir, 'harm')]);
    const t0 = performance.now();
    await importPaths(db, [sample.dir], () => {}, undefined, { bulk: true });
    await importPaths(db, [path.join(config.dataDir, 'boundaries'), path.join(config.dataDir, 'deprivation')]);
    await db.raw('ANALYZE');
    console.log(
      `loaded ${sample.rows.toLocaleString('en-GB')} RESAMPLED real rows (${sample.files} month files) in ${((performance.now() - t0) / 1000).toFixed(0)} s`,
    );
    return db;
  } finally {
    fs.rmSync(sample.dir, { recursive: true, force: true });
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** CPU (this process) and wall milliseconds of `runs` calls after one warm-up, medians. */
async function time(f: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  await f();
  const cpu: number[] = [],
    wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await f();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

function hasReference(): boolean {
  try {
    execFileSync('Rscript', ['-e', 'suppressPackageStartupMessages({library(spdep); library(jsonlite)})'], { stdio: 'ignore' });
    execFileSync('python3', ['-c', 'import scipy.stats'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the R reference pipeline on the cube harmgrid used; returns its wall seconds (R's and
 * python's own timers around their computation, reading and writing the files left out) and how many
 * cells it put in harmgrid's category.
 */
function referencePipeline(cube: Float64Array, cells: number, steps: number, nb: { offsets: Int32Array; indices: Int32Array }, categories: (string | null)[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-emerging-ref-'));
  try {
    const bytes = (a: Float64Array | Int32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    fs.writeFileSync(
      path.join(dir, 'meta.json'),
      JSON.stringify({ cells, steps, timeStep: options.timeStep, alpha: options.alpha, trendAlpha: options.trendAlpha }),
    );
    fs.writeFileSync(path.join(dir, 'values.bin'), bytes(cube));
    fs.writeFileSync(path.join(dir, 'offsets.bin'), bytes(nb.offsets));
    fs.writeFileSync(path.join(dir, 'indices.bin'), bytes(nb.indices));
    const here = path.dirname(new URL(import.meta.url).pathname);
    const r = execFileSync('Rscript', [path.join(here, 'reference', 'emerging-pipeline.R'), dir], { encoding: 'utf8' });
    const py = execFileSync('python3', [path.join(here, 'reference', 'emerging-trend.py'), dir], { encoding: 'utf8' });
    const seconds = Number(/seconds (\S+)/.exec(r)![1]) + Number(/seconds (\S+)/.exec(py)![1]);
    const theirs = JSON.parse(fs.readFileSync(path.join(dir, 'categories.json'), 'utf8')) as string[];
    const same = theirs.filter((c, i) => c === categories[i]).length;
    return { seconds, same, r: r.trim(), py: py.trim() };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const db = await load();
try {
  const analysis = new Analysis(db);
  const stats = new HotspotStatistics(analysis);
  const reference = !skipReference && hasReference();
  console.log(`# emerging hot spots (${os.cpus().length} cores, node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)})`);
  console.log('| resolution | study cells | months | harmgrid CPU p50 | harmgrid wall p50 | R pipeline (wall) | R wall ÷ harmgrid wall | same category |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const resolution of [9, 10]) {
    const r = await analysis.resolve({ resolution });
    const t = await time(() => stats.emerging(r, options));
    const e = await stats.emerging(r, options);
    let ref = '| R, spdep or scipy not found | | |';
    if (reference) {
      const months = monthRange(e.coverage.used.from, e.coverage.used.to);
      const cube = await analysis.cellMonthCube({ ...r, from: e.coverage.used.from, to: e.coverage.used.to }, months, e.cells, 'incidents');
      const nb = await analysis.studyNeighbours(r, options.k, options.weights);
      const x = referencePipeline(
        cube,
        e.cells.length,
        months.length,
        nb,
        e.results.map((c) => c.emerging?.category ?? null),
      );
      console.error(x.r, x.py);
      ref = `| ${x.seconds.toFixed(1)} s | ${((x.seconds * 1000) / t.wall).toFixed(0)}× | ${x.same.toLocaleString('en-GB')} of ${e.cells.length.toLocaleString('en-GB')} |`;
    }
    console.log(
      `| ${resolution} | ${e.cells.length.toLocaleString('en-GB')} | ${e.months.length} | ${t.cpu.toFixed(0)} ms | ${t.wall.toFixed(0)} ms ${ref} (load ${os.loadavg()[0]!.toFixed(1)})`,
    );
  }
} finally {
  await db.destroy();
}
process.exit(0);
