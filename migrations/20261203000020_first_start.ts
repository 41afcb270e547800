import type { Knex } from 'knex';

/**
 * The first start's sample import, recorded as begun and as finished: a start that finds it begun
 * but not finished (the process was killed) resumes it instead of serving partial data as complete.
 * A database that already holds incidents predates this record and is taken as finished.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('first_start', (t) => {
    t.integer('id').primary(); // always 1: one row
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.timestamp('finished_at', { useTz: true });
    t.text('summary');
  });
  const [row] = await knex('incident').count<{ n: number | string }[]>({ n: '*' });
  if (Number(row?.n ?? 0) > 0)
    await knex('first_start').insert({
      id: 1,
      started_at: knex.fn.now(),
      finished_at: knex.fn.now(),
      summary: 'database created before the first start was recorded',
    });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('first_start');
}
