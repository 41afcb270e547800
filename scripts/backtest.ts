/**
 * npm run backtest -- [--resolution 10] [--window 12] [--methods a,b] [--json FILE]
 * Runs the rolling-origin backtest on the configured database (DATABASE_URL, else the embedded
 * one) over every month loaded and prints the methods × budgets table (horizon 1 and 3) as Markdown,
 * then the oracle and hindsight references (bounds.ts), which read the evaluation months: the ceiling.
 */
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { loadConfig } from '../server/config';
import { openDb } from '../server/db/connection';
import { Analysis } from '../server/services/analysis';
import { BacktestService } from '../server/services/backtest';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const config = loadConfig();
const db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
try {
  const analysis = new Analysis(db);
  const service = new BacktestService(db, analysis);
  const r = await analysis.resolve({ resolution: Number(arg('resolution') ?? 10) });
  const t0 = performance.now();
  const cpuStart = process.cpuUsage();
  const result = await service.backtest(r, { methods: arg('methods')?.split(','), windows: [Number(arg('window') ?? 12)] });
  const seconds = (performance.now() - t0) / 1000;
  const cpuRun = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpuRun.user + cpuRun.system) / 1e6;
  const pc = (v: number) => (100 * v).toFixed(1);
  const iv = (x: { mean: number; lower: number; upper: number }, f: (v: number) => string) => `${f(x.mean)} (${f(x.lower)}–${f(x.upper)})`;
  console.log(
    `${r.definition.name}, harm ${r.scheme.name}, resolution ${r.resolution}, months ${result.months.first} to ${result.months.last} (${result.months.count}); study area ${result.studyArea.cells} cells, ${result.studyArea.areaKm2.toFixed(0)} km²; ${seconds.toFixed(1)} s (${cpuSeconds.toFixed(1)} s CPU)`,
  );
  for (const horizon of result.options.horizons) {
    console.log(
      `\nhorizon ${horizon} month${horizon > 1 ? 's' : ''}, window ${result.options.windows.join(', ')} months, ${result.rows.find((x) => x.horizon === horizon)?.origins} origins`,
    );
    console.log('| method | budget | hit rate % | harm captured % | PAI | RRI | stability % | hit rate ÷ last 3 months |');
    console.log('|---|---|---|---|---|---|---|---|');
    for (const row of result.rows.filter((x) => x.horizon === horizon)) {
      console.log(
        `| ${row.method} | ${(row.budgetShare * 100).toFixed(2)} % | ${iv(row.hitRate, pc)} | ${iv(row.harmCaptured, pc)} | ${iv(row.pai, (v) => v.toFixed(1))} | ${row.rri ? iv(row.rri, (v) => v.toFixed(2)) : '–'} | ${row.stability ? iv(row.stability, pc) : '–'} | ${row.hitRateVsBaseline ? iv(row.hitRateVsBaseline, (v) => v.toFixed(2)) : '–'} |`,
      );
    }
  }
  const cpu0 = process.cpuUsage();
  const bounds = await service.bounds(r);
  const cpu = process.cpuUsage(cpu0);
  console.log(`\nreferences that read the evaluation months (not methods; ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s CPU)`);
  console.log('| reference | horizon | budget | hit rate % | hit rate ÷ last 3 months |');
  console.log('|---|---|---|---|---|');
  for (const b of bounds)
    console.log(
      `| ${b.bound} | ${b.horizon} | ${(b.budgetShare * 100).toFixed(2)} % | ${iv(b.hitRate, pc)} | ${iv(b.hitRateVsBaseline, (v) => v.toFixed(2))} |`,
    );
  const chosen = new Map<string, Map<string, number>>();
  for (const c of result.chosen) {
    const m = chosen.get(c.method) ?? new Map<string, number>();
    m.set(c.chosen, (m.get(c.chosen) ?? 0) + 1);
    chosen.set(c.method, m);
  }
  for (const [method, m] of chosen) {
    const entries = [...m.entries()].sort((a, b) => b[1] - a[1]);
    // Bandwidths vary by a few metres per origin: give their range rather than every value.
    const metres = entries
      .map(([k]) => /^bandwidth (\d+) m$/.exec(k)?.[1])
      .filter(Boolean)
      .map(Number);
    const text =
      metres.length === entries.length ? `bandwidth ${Math.min(...metres)}–${Math.max(...metres)} m` : entries.map(([k, v]) => `${k} (${v})`).join('; ');
    console.log(`\n${method} chose: ${text}`);
  }
  const out = arg('json');
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 1));
} finally {
  await db.destroy();
}
