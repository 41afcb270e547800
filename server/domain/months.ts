/** A calendar month as 'YYYY-MM', the grain of data.police.uk. */
export type Month = string;

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function isMonth(value: string): boolean {
  return MONTH.test(value);
}

/** 'YYYY-MM' → 'YYYY-MM-01', the date the database stores for a month. */
export function monthToDate(month: Month): string {
  if (!isMonth(month)) throw new Error(`"${month}" is not a month; use YYYY-MM, e.g. 2019-07`);
  return `${month}-01`;
}

/** Months from `from` to `to` inclusive. @example monthRange('2019-11', '2020-02') → 4 months */
export function monthRange(from: Month, to: Month): Month[] {
  monthToDate(from);
  monthToDate(to);
  if (from > to) throw new Error(`the period starts (${from}) after it ends (${to})`);
  const out: Month[] = [];
  let [y, m] = from.split('-').map(Number) as [number, number];
  for (;;) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    out.push(month);
    if (month === to) return out;
    m += 1;
    if (m === 13) {
      m = 1;
      y += 1;
    }
  }
}

/** Month `n` months after (or before, n < 0) the given one. */
export function addMonths(month: Month, n: number): Month {
  monthToDate(month);
  const [y, m] = month.split('-').map(Number) as [number, number];
  const total = y * 12 + (m - 1) + n;
  return `${Math.floor(total / 12)}-${String((total % 12) + 1).padStart(2, '0')}`;
}
