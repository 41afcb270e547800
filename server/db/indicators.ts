import type { IndicatorInput } from '../domain/indicators';
import type { Db } from './connection';

export interface IndicatorRecord extends IndicatorInput {
  id: number;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

/** Partnership indicators as partners define them. */
export class IndicatorStore {
  constructor(private readonly db: Db) {}

  async list(): Promise<IndicatorRecord[]> {
    const rows = await this.db('indicator').select('*').orderBy('id');
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as number,
      key: r.key as string,
      name: r.name as string,
      measure: r.measure as IndicatorInput['measure'],
      definition: r.definition_key as string,
      ...(r.scheme_key ? { scheme: r.scheme_key as string } : {}),
      ...(r.sources ? { sources: json(r.sources) as string[] } : {}),
      area: json(r.area),
      baseline: { from: r.baseline_from as string, to: r.baseline_to as string },
      rag: json(r.rag),
    }));
  }

  async get(key: string): Promise<IndicatorRecord | undefined> {
    return (await this.list()).find((i) => i.key === key);
  }

  async save(i: IndicatorInput): Promise<void> {
    await this.db('indicator')
      .insert({
        key: i.key,
        name: i.name,
        measure: i.measure,
        definition_key: i.definition,
        scheme_key: i.scheme ?? null,
        sources: i.sources ? JSON.stringify(i.sources) : null,
        area: JSON.stringify(i.area),
        baseline_from: i.baseline.from,
        baseline_to: i.baseline.to,
        rag: JSON.stringify(i.rag),
      })
      .onConflict('key')
      .merge();
  }

  async remove(key: string): Promise<boolean> {
    return (await this.db('indicator').where({ key }).delete()) > 0;
  }
}
