/**
 * Reporting periods of published aggregates. Partners report by financial year (April to March),
 * financial quarter, rolling 12 months and calendar periods; every figure keeps its period type.
 */
export const periodTypes = ['financial_year', 'financial_quarter', 'rolling_12_months', 'calendar_year', 'calendar_quarter', 'month'] as const;
export type PeriodType = (typeof periodTypes)[number];

export interface Period {
  type: PeriodType;
  /** First and last month covered, 'YYYY-MM'. */
  start: string;
  end: string;
  /** The period as harmgrid writes it, e.g. '2019/20', '2019/20 Q1', 'YE 2020-03'. */
  label: string;
}

const ACCEPTED: Record<PeriodType, string> = {
  financial_year: '2019/20 or 2019-20 (April 2019 to March 2020)',
  financial_quarter: '2019/20 Q1 (Q1 = April to June)',
  rolling_12_months: 'YE 2020-03 (the 12 months ending March 2020)',
  calendar_year: '2019',
  calendar_quarter: '2019 Q1 (January to March)',
  month: '2019-07',
};

const ym = (y: number, m: number) => `${y}-${String(m).padStart(2, '0')}`;
function shift(y: number, m: number, by: number): [number, number] {
  const t = y * 12 + (m - 1) + by;
  return [Math.floor(t / 12), (t % 12) + 1];
}

/**
 * Reads a period of the given type, or throws an error that shows the accepted form.
 * @example parsePeriod('financial_quarter', '2019/20 Q3') // { start: '2019-10', end: '2019-12', … }
 */
export function parsePeriod(type: string, text: string): Period {
  if (!(periodTypes as readonly string[]).includes(type)) {
    throw new Error(`unknown period type "${type}"; use one of ${periodTypes.join(', ')}`);
  }
  const t = type as PeriodType;
  const s = text.trim();
  const bad = () => new Error(`"${text}" is not a ${t.replace(/_/g, ' ')}; write it as ${ACCEPTED[t]}`);
  const fy = (a: string, b: string) => {
    const y = Number(a);
    const next = Number(b.length === 2 ? `${a.slice(0, 2)}${b}` : b);
    if (next !== y + 1) throw bad();
    return y;
  };
  let m: RegExpExecArray | null;
  switch (t) {
    case 'financial_year': {
      if (!(m = /^(\d{4})[/-](\d{2}|\d{4})$/.exec(s))) throw bad();
      const y = fy(m[1]!, m[2]!);
      return { type: t, start: ym(y, 4), end: ym(y + 1, 3), label: `${y}/${String(y + 1).slice(2)}` };
    }
    case 'financial_quarter': {
      if (!(m = /^(?:FY\s*)?(\d{4})[/-](\d{2}|\d{4})\s*Q([1-4])$/i.exec(s))) throw bad();
      const y = fy(m[1]!, m[2]!);
      const q = Number(m[3]);
      const [sy, sm] = shift(y, 4, (q - 1) * 3);
      const [ey, em] = shift(sy, sm, 2);
      return { type: t, start: ym(sy, sm), end: ym(ey, em), label: `${y}/${String(y + 1).slice(2)} Q${q}` };
    }
    case 'rolling_12_months': {
      if (!(m = /^(?:YE|year ending)\s*(\d{4})-(0[1-9]|1[0-2])$/i.exec(s))) throw bad();
      const [sy, sm] = shift(Number(m[1]), Number(m[2]), -11);
      return { type: t, start: ym(sy, sm), end: ym(Number(m[1]), Number(m[2])), label: `YE ${m[1]}-${m[2]}` };
    }
    case 'calendar_year': {
      if (!(m = /^(\d{4})$/.exec(s))) throw bad();
      return { type: t, start: `${m[1]}-01`, end: `${m[1]}-12`, label: m[1]! };
    }
    case 'calendar_quarter': {
      if (!(m = /^(\d{4})[\s-]*Q([1-4])$/i.exec(s))) throw bad();
      const q = Number(m[2]);
      return { type: t, start: ym(Number(m[1]), q * 3 - 2), end: ym(Number(m[1]), q * 3), label: `${m[1]} Q${q}` };
    }
    case 'month': {
      if (!(m = /^(\d{4})-(0[1-9]|1[0-2])$/.exec(s))) throw bad();
      return { type: t, start: s, end: s, label: s };
    }
  }
}

/**
 * Publishers' markers for a withheld (suppressed) value. A suppressed cell keeps its marker and is
 * never read as zero: sums over suppressed cells are reported as incomplete.
 */
export const SUPPRESSION_MARKERS = ['*', 'c', '[c]', 'x', '[x]', '..', ':', '~', '[low]', 'suppressed', 's', '-'];

/** A published value: a count, or a suppression marker. */
export function parsePublishedValue(text: string): { value: number; marker: null } | { value: null; marker: string } | null {
  const s = text.trim();
  if (SUPPRESSION_MARKERS.includes(s.toLowerCase())) return { value: null, marker: s };
  const n = Number(s.replace(/,/g, ''));
  if (s !== '' && Number.isFinite(n) && n >= 0) return { value: n, marker: null };
  return null;
}
