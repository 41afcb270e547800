import { rowsOf, type Db } from './connection';

export interface FirstStartRecord {
  startedAt: string;
  finishedAt: string | null;
  summary: string | null;
}

/** The first start's sample import: begun, finished, and what it did. */
export class FirstStartStore {
  constructor(private readonly db: Db) {}

  async get(): Promise<FirstStartRecord | undefined> {
    return this.db('first_start').where({ id: 1 }).first({ startedAt: 'started_at', finishedAt: 'finished_at', summary: 'summary' });
  }

  async begin(): Promise<void> {
    await this.db('first_start').insert({ id: 1, started_at: this.db.fn.now(), finished_at: null, summary: null }).onConflict('id').ignore();
  }

  async finish(summary: string): Promise<void> {
    await this.db('first_start').where({ id: 1 }).update({ finished_at: this.db.fn.now(), summary });
  }

  /** Incidents with a position that no tagging pass has reached (boundaries loaded but in_study_area unset). */
  async untaggedIncidents(): Promise<number> {
    const r = rowsOf<{ n: number }>(
      await this.db.raw(
        `SELECT count(*)::int AS n FROM incident WHERE lon IS NOT NULL AND in_study_area IS NULL
         AND EXISTS (SELECT 1 FROM boundary WHERE kind = 'district')`,
      ),
    );
    return r[0]?.n ?? 0;
  }
}
