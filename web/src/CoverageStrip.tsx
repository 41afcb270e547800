import { useEffect, useState } from 'react';
import type { CoverageAnswer, CoverageStatus, PeriodCoverage } from './api';
import { getJson, qs } from './api';

/** One month of the strip: the status over every source of the force (or forces) and why. */
export interface StripMonth {
  month: string;
  status: CoverageStatus;
  title: string;
}

/** Every month from first to last, both included (YYYY-MM). */
export function monthsBetween(first: string, last: string): string[] {
  const out: string[] = [];
  let [y, m] = first.split('-').map(Number) as [number, number];
  for (let month = first; month <= last; month = `${y}-${String(m).padStart(2, '0')}`) {
    out.push(month);
    m += 1;
    if (m > 12) [y, m] = [y + 1, 1];
  }
  return out;
}

/**
 * The months of the force's span with their coverage. A month no source holds is missing (unknown,
 * never zero); a month some source holds only in part is partial; otherwise loaded. The title names
 * the status of each source and its reasons, so a gap says why it is a gap.
 */
export function stripMonths(answer: CoverageAnswer): StripMonth[] {
  const spans = answer.forces.flatMap((f) => (f.span ? [f.span] : []));
  if (!spans.length) return [];
  const first = spans.map((s) => s.first).sort()[0]!;
  const last = spans
    .map((s) => s.last)
    .sort()
    .at(-1)!;
  const several = answer.forces.length > 1;
  return monthsBetween(first, last).map((month) => {
    const held = answer.forces.flatMap((f) =>
      f.sources.map((s) => ({ who: several && f.force ? `${s.source}, ${f.force}` : s.source, c: s.months.find((x) => x.month === month) })),
    );
    const statuses = held.map((h) => h.c?.status ?? 'missing');
    const status: CoverageStatus = statuses.every((s) => s === 'missing') ? 'missing' : statuses.includes('partial') ? 'partial' : 'loaded';
    const lines = held.map(({ who, c }) => {
      if (!c || c.status === 'missing') return `${who}: not loaded${c?.reasons.length ? ` (${c.reasons.join('; ')})` : ''}`;
      return `${who}: ${c.status}, ${c.incidents.toLocaleString('en-GB')} incidents${c.reasons.length ? ` (${c.reasons.join('; ')})` : ''}`;
    });
    return { month, status, title: `${month}: ${status}${status === 'missing' ? ' — not loaded, unknown (not zero)' : ''}\n${lines.join('\n')}` };
  });
}

/** GET /api/coverage for the view's definition and period (api.ts adds the force); null until it answers. */
export function useCoverage(definition: string, from: string, to: string): CoverageAnswer | null {
  const [answer, setAnswer] = useState<CoverageAnswer | null>(null);
  useEffect(() => {
    const abort = new AbortController();
    getJson<CoverageAnswer>(`/api/coverage?${qs({ definition, from, to })}`, abort.signal)
      .then(setAnswer)
      .catch(() => {
        // Without an answer the slider keeps to the loaded months and no strip is drawn (the statement of the map's own answer still shows).
        if (!abort.signal.aborted) setAnswer(null);
      });
    return () => abort.abort();
  }, [definition, from, to]);
  return answer;
}

/** The accessible summary: how many months are not loaded, and which (partial ones likewise). */
export function stripSummary(months: StripMonth[]): string {
  const missing = months.filter((m) => m.status === 'missing').map((m) => m.month);
  const partial = months.filter((m) => m.status === 'partial').map((m) => m.month);
  const parts = [
    missing.length ? `${missing.length} of ${months.length} months not loaded: ${missing.join(', ')}` : `all ${months.length} months loaded`,
    ...(partial.length ? [`${partial.length} partial: ${partial.join(', ')}`] : []),
  ];
  return `Data coverage: ${parts.join('; ')}`;
}

/**
 * The coverage strip under the month slider: one cell per month, in the slider's steps. Loaded months
 * are filled, partial ones hatched, missing ones left empty (an outline only), so a gap never reads as
 * a month without crime. The list is the text alternative; each cell's title says status and why.
 */
export function CoverageStrip({ months }: { months: StripMonth[] }) {
  if (!months.length) return null;
  const summary = stripSummary(months);
  return (
    <div className="coverage-strip" style={{ '--steps': months.length } as React.CSSProperties}>
      <ol className="coverage-cells" aria-label={summary}>
        {months.map((m) => (
          <li key={m.month} className={`coverage-cell ${m.status}`} data-month={m.month} data-status={m.status} title={m.title}>
            <span className="sr-only">
              {m.month}: {m.status === 'missing' ? 'not loaded' : m.status}
            </span>
          </li>
        ))}
      </ol>
    </div>
  );
}

/** The statement of the current answer when its period is not wholly loaded. */
export function CoverageStatement({ coverage }: { coverage: PeriodCoverage | null | undefined }) {
  if (!coverage || coverage.complete) return null;
  return (
    <p className="coverage-statement" role="status">
      {coverage.statement}
    </p>
  );
}
