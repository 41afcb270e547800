import { rowsOf, type Db } from './connection';

/** The newest import's id: changes whenever any process (the server, or `npm run import` on PostgreSQL) stores a file. */
export async function lastImportId(db: Db): Promise<number> {
  const r = rowsOf<{ v: number | null }>(await db.raw('SELECT max(id) AS v FROM import_batch'));
  return Number(r[0]?.v ?? 0);
}
