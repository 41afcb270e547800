import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config';
import { openDb } from '../server/db/connection';
import { Analysis } from '../server/services/analysis';
import { HotspotStatistics } from '../server/services/hotspotStatistics';
const config = loadConfig();
const db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
const analysis = new Analysis(db);
const stats = new HotspotStatistics(analysis);
for (const res of [9, 10, 9, 10]) {
  const r = await analysis.resolve({ resolution: res });
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const e = await stats.emerging(r, { k: 1, weights: 'binary', timeStep: 1, globalWindow: 'cube', alpha: 0.05, fdr: true, trendAlpha: 0.05, variable: 'incidents', step: 'month' } as never);
  const c = process.cpuUsage(c0);
  console.log(res, (performance.now() - t0).toFixed(0), 'ms wall', ((c.user + c.system) / 1000).toFixed(0), 'ms cpu', e.cells.length);
}
process.exit(0);
