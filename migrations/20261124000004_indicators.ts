import type { Knex } from 'knex';

/** Partnership indicators: what is measured, where, against which baseline, with which RAG rule. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('indicator', (t) => {
    t.increments('id').primary();
    t.text('key').notNullable().unique();
    t.text('name').notNullable();
    t.text('measure').notNullable(); // 'count' | 'harm'
    t.text('definition_key').notNullable();
    t.text('scheme_key');
    t.jsonb('sources'); // restrict to these incident sources, or null for all
    t.jsonb('area').notNullable(); // { type: 'force' } | { type: 'cells', name, cells: [...] }
    t.text('baseline_from').notNullable();
    t.text('baseline_to').notNullable();
    t.jsonb('rag').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('indicator');
}
