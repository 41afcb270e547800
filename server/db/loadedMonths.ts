import { rowsOf, type Db } from './connection';

/** First and last month holding incidents (min/max on the month index, cheap at any size), or null. */
export async function loadedMonthRange(db: Db): Promise<{ first: string; last: string } | null> {
  const r = rowsOf<{ first: string | null; last: string | null }>(
    await db.raw(`SELECT to_char(min(month), 'YYYY-MM') AS first, to_char(max(month), 'YYYY-MM') AS last FROM incident`),
  );
  const row = r[0];
  return row?.first && row.last ? { first: row.first, last: row.last } : null;
}
