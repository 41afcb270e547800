/**
 * npm run bench:first-start — the first start on the embedded database, as `npm start` does it with an
 * empty DATABASE_URL: a fresh PGlite folder (a temporary one, removed after), the schema, then the
 * sample import. Prints the wall time and this process's CPU time (PGlite runs in this thread, so the
 * CPU time is the database's work too, and is what to compare on a shared machine), with the load
 * average before and after.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { startServer } from '../server/server';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'harmgrid-first-start-'));
const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
console.log(`# first start on PGlite in ${dir} (load average ${load()})`);
const cpu0 = process.cpuUsage();
const t0 = performance.now();
try {
  const running = await startServer({ databaseUrl: '', pgliteDir: dir, port: 0, buildWeb: false });
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `first start ready in ${wall.toFixed(1)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU (user ${(cpu.user / 1e6).toFixed(1)} s); load average ${load()}`,
  );
  await running.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
