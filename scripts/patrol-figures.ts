/**
 * npm run patrol-figures -- [--force CODE] [--from YYYY-MM --to YYYY-MM] [--widths 800,1000] [--variants filled,plain] [--resolution 11]
 * The default HCHH patrol plan's figures on the configured database (DATABASE_URL, else the embedded
 * one): for each loaded force (or --force), each width (maxDiameterM) and each builder variant, the
 * areas' count, share of the study area and shares of the period's incidents and harm, widest area, and compactness
 * (Polsby–Popper of each area's cell outline, over the areas of 10 cells or more), with CPU time and load average. The period defaults to
 * the last 12 loaded months of each force. Variants: `filled` (the default builder: hull filled,
 * compactness term, seeds by their neighbourhood), `plain` (the session-6 builder: no fill, no
 * compactness term, seeds by their own harm), `fill only`, `fill+seeds` (no compactness term).
 * --discs adds a reference: the best non-touching discs of 4–7 rings, greedily by harm, within the limits.
 */
import os from 'node:os';
import { gridDisk } from 'h3-js';
import { loadConfig } from '../server/config';
import { openDb, rowsOf } from '../server/db/connection';
import { areaDiameterM, greedyPatrolAreas, type PatrolAreaLimits } from '../server/domain/backtest/patrolAreas';
import { cellAreasKm2 } from '../server/domain/h3cell';
import { centreLookup } from '../server/domain/hotspots/centres';
import { h3NeighbourLookup } from '../server/domain/hotspots/neighbours';
import { Analysis } from '../server/services/analysis';

const args = process.argv.slice(2);
const arg = (name: string) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};
const widths = (arg('widths') ?? '800,1000,1200,1600').split(',').map(Number);
const variants: Record<string, Partial<PatrolAreaLimits>> = {
  filled: {},
  plain: { fillHull: false, compactness: 0, seedRing: 0 },
  'fill only': { compactness: 0, seedRing: 0 },
  'fill+seeds': { compactness: 0 },
};
// --compactness G and --seed-ring K override the filled variant's defaults, to compare settings.
if (arg('compactness')) variants.filled!.compactness = Number(arg('compactness'));
if (arg('seed-ring')) variants.filled!.seedRing = Number(arg('seed-ring'));
const chosen = (arg('variants') ?? 'filled,plain').split(',');
const config = loadConfig();
const db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
try {
  const analysis = new Analysis(db);
  const forces: { code: string; months: string[] }[] = rowsOf<{ force_code: string; month: string }>(
    await db.raw('SELECT DISTINCT force_code, month::text AS month FROM force_month WHERE force_code IS NOT NULL ORDER BY force_code, month'),
  ).reduce(
    (acc, row) => {
      const f = acc.find((x) => x.code === row.force_code) ?? acc[acc.push({ code: row.force_code, months: [] }) - 1]!;
      f.months.push(String(row.month).slice(0, 7));
      return acc;
    },
    [] as { code: string; months: string[] }[],
  );
  console.log(
    '| force | months | variant | width m | areas (of < 10 cells) | area % | incidents % | harm % | widest m | Polsby–Popper of areas ≥ 10 cells: mean (min–max) | CPU s | load |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const f of forces.filter((x) => !arg('force') || x.code === arg('force'))) {
    const to = arg('to') ?? f.months[f.months.length - 1]!;
    const from = arg('from') ?? f.months[Math.max(0, f.months.indexOf(to) - 11)]!;
    const r = await analysis.resolve({ force: f.code, from: from as never, to: to as never, resolution: Number(arg('resolution') ?? 11) });
    const study = await analysis.studyArea(r);
    const ids = study.cells.map((c) => c.cell);
    const value = Float64Array.from(study.cells, (c) => (c.harm > 0 && c.incidents > 0 ? c.harm : 0));
    const areaKm2 = study.cellKm2 ?? cellAreasKm2(ids);
    const A = areaKm2.reduce((s, a) => s + a, 0);
    const harm = study.cells.reduce((s, c) => s + c.harm, 0),
      incidents = study.cells.reduce((s, c) => s + c.incidents, 0);
    const ring = h3NeighbourLookup(ids),
      centre = centreLookup(ids);
    for (const v of chosen)
      for (const w of widths) {
        const cpu0 = process.cpuUsage();
        const plan = greedyPatrolAreas(value, areaKm2, ring, centre, { maxAreas: 15, maxAreaKm2: 0.5, budgetKm2: 0.005 * A, maxDiameterM: w, ...variants[v] });
        const cpu = process.cpuUsage(cpu0);
        const planHarm = plan.areas.reduce((s, a) => s + a.cells.reduce((t, i) => t + study.cells[i]!.harm, 0), 0);
        const planIncidents = plan.areas.reduce((s, a) => s + a.cells.reduce((t, i) => t + study.cells[i]!.incidents, 0), 0);
        // Compactness of the areas of 10 cells or more: a lone cell or a pair is a hexagon or two, 0.91 or 0.75, whatever the rule.
        const pp = plan.areas.filter((a) => a.cells.length >= 10).map((a) => a.polsbyPopper);
        const small = plan.areas.length - pp.length;
        const widest = Math.max(0, ...plan.areas.map((a) => areaDiameterM(a.cells, centre)));
        console.log(
          `| ${f.code} | ${from}..${to} | ${v} | ${w} | ${plan.areas.length} (${small}) | ${((100 * plan.areaKm2) / A).toFixed(2)} | ${((100 * planIncidents) / incidents).toFixed(1)} | ${((100 * planHarm) / harm).toFixed(1)} | ${widest.toFixed(0)} | ${(pp.reduce((s, x) => s + x, 0) / Math.max(1, pp.length)).toFixed(2)} (${Math.min(...pp).toFixed(2)}–${Math.max(...pp).toFixed(2)}) | ${((cpu.user + cpu.system) / 1e6).toFixed(1)} | ${os
            .loadavg()
            .map((x) => x.toFixed(1))
            .join(' ')} |`,
        );
      }
    // A reference for solid beats: round ones. The best non-touching discs (a cell and its k rings),
    // taken greedily by harm, at most 15 within the budget — what round beats of one size can hold.
    if (args.includes('--discs'))
      for (const k of [4, 5, 6, 7]) {
        const index = new Map(ids.map((c, i) => [c, i]));
        const discs = [...value.keys()]
          .filter((i) => value[i]! > 0)
          .map((i) => {
            const cells = gridDisk(ids[i]!, k).flatMap((c) => (index.has(c) ? [index.get(c)!] : []));
            return { cells, v: cells.reduce((s, c) => s + study.cells[c]!.harm, 0), a: cells.reduce((s, c) => s + areaKm2[c]!, 0) };
          })
          .sort((x, y) => y.v - x.v);
        const taken = new Set<number>();
        let used = 0,
          held = 0,
          count = 0;
        for (const d of discs) {
          if (count >= 15) break;
          if (used + d.a > 0.005 * A || d.cells.some((c) => ring(c).some((j) => taken.has(j)))) continue;
          for (const c of d.cells) taken.add(c);
          used += d.a;
          held += d.v;
          count++;
        }
        console.log(
          `| ${f.code} | ${from}..${to} | discs of ${k} rings (${(discs[0]?.a ?? 0).toFixed(3)} km²) | – | ${count} | ${((100 * used) / A).toFixed(2)} | – | ${((100 * held) / harm).toFixed(1)} | – | – | – | – |`,
        );
      }
  }
} finally {
  await db.destroy();
}
