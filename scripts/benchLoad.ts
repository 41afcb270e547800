import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config';
import { openDb } from '../server/db/connection';
import { startServer } from '../server/server';

/**
 * The load section of `npm run bench`: the real server on loopback with real months as its sample,
 * HARMGRID_LOAD_CLIENTS concurrent clients (default 50) for HARMGRID_LOAD_SECONDS (default 60)
 * asking for the map's layers (/api/cells at resolution 10, /api/hchh at resolution 9) in turn.
 * Reports requests, errors (any status but 200, or a failed connection), p50/p95/max latency and
 * the process's peak RSS (the server runs in this process), for each database.
 */
export async function loadTest(label: string, db: { databaseUrl?: string; schema?: string }): Promise<void> {
  const clients = Number(process.env.HARMGRID_LOAD_CLIENTS || 50);
  const seconds = Number(process.env.HARMGRID_LOAD_SECONDS || 60);
  const months = (process.env.HARMGRID_LOAD_MONTHS || '2021-04,2021-05,2021-06,2021-07,2021-08,2021-09').split(',');
  const config = loadConfig();
  const sample = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-load-'));
  for (const m of months)
    fs.symlinkSync(path.join(config.dataDir, 'police', 'merseyside', `${m}-merseyside-street.csv`), path.join(sample, `${m}-merseyside-street.csv`));
  if (db.databaseUrl && db.schema) {
    const admin = openDb({ databaseUrl: db.databaseUrl });
    await admin.raw(`DROP SCHEMA IF EXISTS ${db.schema} CASCADE`);
    await admin.raw(`CREATE SCHEMA ${db.schema}`);
    await admin.destroy();
  }
  process.env.HARMGRID_RATE_LIMIT_PER_MIN = '0';
  const server = await startServer({
    port: 0,
    quiet: true,
    sampleDir: sample,
    autoImport: true,
    buildWeb: false,
    ...(db.databaseUrl ? { databaseUrl: db.databaseUrl, schema: db.schema } : { databaseUrl: '', pgliteDir: 'memory' }),
  });
  const paths = ['/api/cells?resolution=10', '/api/hchh?resolution=9'];
  const latencies: number[] = [];
  let errors = 0;
  const errorKinds = new Map<string, number>();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
  }, 250);
  const end = performance.now() + seconds * 1000;
  const client = async (i: number) => {
    let n = i;
    while (performance.now() < end) {
      const p = paths[n++ % paths.length]!;
      const t0 = performance.now();
      try {
        const res = await fetch(server.url + p);
        await res.arrayBuffer();
        if (res.status !== 200) {
          errors++;
          errorKinds.set(String(res.status), (errorKinds.get(String(res.status)) ?? 0) + 1);
        }
      } catch (e) {
        errors++;
        const k = (e as Error).message;
        errorKinds.set(k, (errorKinds.get(k) ?? 0) + 1);
      }
      latencies.push(performance.now() - t0);
    }
  };
  await Promise.all(Array.from({ length: clients }, (_, i) => client(i)));
  clearInterval(sampler);
  await server.close();
  fs.rmSync(sample, { recursive: true, force: true });
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
  console.log(
    `load ${label}: ${clients} clients × ${seconds} s on loopback, ${months.length} months: ${latencies.length} requests ` +
      `(${(latencies.length / seconds).toFixed(1)}/s), ${errors} errors${errors ? ` ${JSON.stringify(Object.fromEntries(errorKinds))}` : ''}, ` +
      `p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${q(1).toFixed(0)} ms, peak RSS ${(peakRss / 1048576).toFixed(0)} MB`,
  );
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const pgUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/test';
  await loadTest('PostgreSQL', { databaseUrl: pgUrl, schema: 'harmgrid_load' });
  await loadTest('PGlite (in memory)', {});
  process.exit(0);
}
