import type { Knex } from 'knex';

/**
 * Settings the server makes for itself once and must keep across restarts, such as the disclosure
 * control secret (server/services/disclosure.ts): a partner's protected figures are only consistent
 * (the same question, the same answer) while the secret stays the same.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('server_setting', (t) => {
    t.text('key').primary();
    t.text('value').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('server_setting');
}
