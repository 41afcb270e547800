import type { Knex } from 'knex';
import { rowsOf, type Db } from '../db/connection';
import { CoverageStore, type ForceSourceCounts, type ReplacementRecord } from '../db/coverage';
import {
  classifySourceMonths,
  longestCompleteRun,
  nameMonths,
  periodCoverage,
  type MonthCoverage,
  type PeriodCoverage,
  type SeriesCoverage,
} from '../domain/coverage';
import type { DefinitionRules } from '../domain/definitions';
import { DomainError } from '../domain/errors';
import type { Month } from '../domain/months';

/** Every source of every force, classified month by month over the force's span of loaded months. */
export interface ForceCoverage {
  force: string | null;
  span: { first: Month; last: Month } | null;
  sources: (SeriesCoverage & { timed: boolean })[];
}

const cache = new WeakMap<
  object,
  { version: number; counts: Promise<ForceSourceCounts[]>; names: Promise<Map<string, string>>; series: Map<string, Promise<SeriesCoverage[]>> }
>();

function cached(db: Db | Knex.Transaction, version: number) {
  let c = cache.get(db);
  if (!c || c.version !== version) {
    const store = new CoverageStore(db);
    c = {
      version,
      counts: store.counts(),
      series: new Map(),
      names: db
        .raw(`SELECT DISTINCT code, name FROM boundary WHERE kind = 'district'`)
        .then((r) => new Map(rowsOf<{ code: string; name: string }>(r).map((x) => [x.code, x.name]))),
    };
    c.counts.catch(() => cache.delete(db));
    cache.set(db, c);
  }
  return c;
}

/** Classifies every loaded source of the given forces (all when none given). */
export async function forceCoverage(db: Db, version: number, forces?: string[]): Promise<ForceCoverage[]> {
  const c = cached(db, version);
  const [counts, names] = await Promise.all([c.counts, c.names]);
  const chosen = counts.filter((s) => !forces?.length || forces.includes(s.force ?? ''));
  const byForce = new Map<string | null, ForceSourceCounts[]>();
  for (const s of chosen) byForce.set(s.force, [...(byForce.get(s.force) ?? []), s]);
  return [...byForce.entries()].map(([force, list]) => {
    const months = list.flatMap((s) => [...s.months.filter((m) => m.incidents > 0).map((m) => m.month), ...s.imports.flatMap((i) => [i.first, i.last])]).sort();
    const span = months.length ? { first: months[0]!, last: months[months.length - 1]! } : null;
    return {
      force,
      span,
      sources: span
        ? list.map((s) => ({
            force,
            source: s.source,
            months: classifySourceMonths(s, span, (code) => names.get(code) ?? code),
            timed: s.months.some((m) => m.days.size > 0),
          }))
        : [],
    };
  });
}

/**
 * The series a context reads: for each of its forces, every source holding incidents of its
 * definition (restricted to the requested sources). Kept per data version.
 */
export async function contextSeries(
  db: Db,
  version: number,
  ctx: { definition: DefinitionRules; schemeId: number; forces?: string[] | undefined; sources?: string[] | undefined },
): Promise<SeriesCoverage[]> {
  const c = cached(db, version);
  const key = JSON.stringify(ctx);
  let hit = c.series.get(key);
  if (!hit) {
    hit = (async () => {
      const [all, relevant] = await Promise.all([
        forceCoverage(db, version, ctx.forces),
        new CoverageStore(db).definitionSources(ctx.definition, ctx.schemeId, ctx.forces, ctx.sources),
      ]);
      const wanted = new Set(relevant.map((x) => `${x.force ?? ''}|${x.source}`));
      return all.flatMap((f) => f.sources.filter((s) => wanted.has(`${s.force ?? ''}|${s.source}`)).map(({ timed: _t, ...s }) => s));
    })();
    c.series.set(key, hit);
    hit.catch(() => c.series.delete(key));
  }
  return hit;
}

/** The context fields a coverage check reads (ResolvedParams satisfies it). */
export interface CoverageContext {
  from: Month;
  to: Month;
  coverage: SeriesCoverage[];
}

/** The coverage of a context's period, or of another period over the same series. */
export function coverageOf(r: CoverageContext, from: Month = r.from, to: Month = r.to): PeriodCoverage {
  return periodCoverage(r.coverage, from, to);
}

/**
 * Refuses a figure over a period with missing or partial months (every figure that compares or
 * ranks months calls this with its context), naming the months and the longest complete run the
 * user could choose instead. Returns the coverage (complete) for the answer's coverage block.
 */
export function requireComplete(r: CoverageContext, figure: string, from: Month = r.from, to: Month = r.to): PeriodCoverage {
  const c = coverageOf(r, from, to);
  if (c.complete) return c;
  const run = longestCompleteRun(c);
  throw new DomainError(
    'unprocessable',
    `${figure} needs every month of ${from} to ${to} loaded: ${c.statement}. ` +
      (run
        ? `The longest run of complete months is ${run.from} to ${run.to} (${run.months} months); choose it or import the missing months (GET /api/coverage lists them).`
        : 'No month of the period is complete; import its months first (GET /api/coverage).'),
  );
}

/** The months of a set that are not fully held, named, for notes. */
export function incompleteMonthsOf(c: PeriodCoverage, months: Month[]): { missing: Month[]; partial: Month[] } {
  const partial = new Set(c.partial.map((p) => p.month));
  return { missing: months.filter((m) => c.missing.includes(m)), partial: months.filter((m) => partial.has(m) && !c.missing.includes(m)) };
}

export async function replacements(db: Db, importId?: number): Promise<ReplacementRecord[]> {
  return new CoverageStore(db).replacements(importId);
}

export { nameMonths, type MonthCoverage, type PeriodCoverage, type SeriesCoverage };
