import type { Knex } from 'knex';
import { definitionRulesSchema, type Definition, type DefinitionRules } from '../domain/definitions';
import type { HarmSchemeInput } from '../domain/harm';
import type { OffenceClass } from '../domain/offences';
import { rowsOf, type Db } from './connection';

export interface HarmSchemeRecord {
  id: number;
  key: string;
  name: string;
  unit: string;
  description: string;
  source: string;
  defaultWeight: number | null;
  builtin: boolean;
  weights: number;
}

export interface DefinitionRecord extends Definition {
  id: number;
  builtin: boolean;
}

/** Harm schemes, serious-violence definitions and the offence classification. */
export class ReferenceStore {
  constructor(private readonly db: Db) {}

  async schemes(): Promise<HarmSchemeRecord[]> {
    const result = await this.db.raw(`
      SELECT s.id, s.key, s.name, s.unit, s.description, s.source, s.default_weight AS "defaultWeight", s.builtin,
             (SELECT count(*)::int FROM harm_weight w WHERE w.scheme_id = s.id) AS weights
      FROM harm_scheme s ORDER BY s.builtin DESC, s.id`);
    return rowsOf<HarmSchemeRecord>(result);
  }

  async scheme(key: string): Promise<HarmSchemeRecord | undefined> {
    return (await this.schemes()).find((s) => s.key === key);
  }

  async schemeWeights(schemeId: number): Promise<{ matchKind: string; matchValue: string; weight: number; note: string }[]> {
    return this.db('harm_weight')
      .where({ scheme_id: schemeId })
      .select({ matchKind: 'match_kind', matchValue: 'match_value', weight: 'weight', note: 'note' })
      .orderBy(['match_kind', 'match_value']);
  }

  /** Creates or replaces a scheme with its weights, in one transaction. */
  async saveScheme(input: HarmSchemeInput, opts: { builtin?: boolean; trx?: Knex.Transaction } = {}): Promise<number> {
    const run = async (trx: Knex.Transaction) => {
      const row = {
        key: input.key,
        name: input.name,
        unit: input.unit,
        description: input.description,
        source: input.source,
        default_weight: input.defaultWeight,
        builtin: opts.builtin ?? false,
      };
      const existing = await trx('harm_scheme').where({ key: input.key }).first('id');
      let id: number;
      if (existing) {
        id = existing.id as number;
        await trx('harm_scheme').where({ id }).update(row);
        await trx('harm_weight').where({ scheme_id: id }).delete();
      } else {
        const inserted = await trx('harm_scheme').insert(row).returning('id');
        id = (inserted[0] as { id: number }).id;
      }
      for (let i = 0; i < input.weights.length; i += 1000) {
        const chunk = input.weights.slice(i, i + 1000).map((w) => ({
          scheme_id: id,
          match_kind: w.matchKind,
          match_value: w.matchValue,
          weight: w.weight,
          note: w.note,
        }));
        await trx('harm_weight').insert(chunk);
      }
      return id;
    };
    return opts.trx ? run(opts.trx) : this.db.transaction(run);
  }

  async definitions(): Promise<DefinitionRecord[]> {
    const rows = await this.db('sv_definition')
      .select('*')
      .orderBy([{ column: 'builtin', order: 'desc' }, 'id']);
    return rows.map((r: Record<string, unknown>) => ({
      id: r.id as number,
      key: r.key as string,
      name: r.name as string,
      description: r.description as string,
      source: r.source as string,
      isProxy: r.is_proxy as boolean,
      builtin: r.builtin as boolean,
      rules: definitionRulesSchema.parse(typeof r.rules === 'string' ? JSON.parse(r.rules) : r.rules) as DefinitionRules,
    }));
  }

  async definition(key: string): Promise<DefinitionRecord | undefined> {
    return (await this.definitions()).find((d) => d.key === key);
  }

  /** Creates a definition, or replaces a user's own; built-in presets are never overwritten by users. */
  async saveDefinition(d: Definition, opts: { builtin?: boolean } = {}): Promise<void> {
    const row = {
      key: d.key,
      name: d.name,
      description: d.description,
      source: d.source,
      is_proxy: d.isProxy,
      builtin: opts.builtin ?? false,
      rules: JSON.stringify(d.rules),
    };
    await this.db('sv_definition').insert(row).onConflict('key').merge();
  }

  async offences(): Promise<Map<string, OffenceClass>> {
    const rows = await this.db('offence_code').select('code', 'name', 'subgroup', { group: 'offence_group' });
    return new Map(
      rows.map((r: { code: string; name: string; subgroup: string | null; group: string | null }) => [
        r.code.toUpperCase(),
        { code: r.code, name: r.name, subgroup: r.subgroup ?? '', group: r.group ?? '' },
      ]),
    );
  }

  async saveOffences(trx: Knex.Transaction, offences: OffenceClass[]): Promise<void> {
    await trx('offence_code').delete();
    for (let i = 0; i < offences.length; i += 500) {
      await trx('offence_code').insert(
        offences.slice(i, i + 500).map((o) => ({
          code: o.code,
          name: o.name,
          subgroup: o.subgroup || null,
          offence_group: o.group || null,
        })),
      );
    }
  }
}
