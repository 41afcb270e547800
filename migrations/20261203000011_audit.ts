import type { Knex } from 'knex';

/**
 * The audit trail: append-only and hash-chained (server/domain/audit.ts). A trigger refuses every
 * UPDATE, and DELETE unless the transaction has set harmgrid.audit_prune (retention, which first
 * writes a checkpoint); the chain is what makes tampering by someone who can bypass that visible.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_entry', (t) => {
    t.bigInteger('seq').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    t.integer('user_id'); // no foreign key: the trail outlives the account
    t.text('actor').notNullable();
    t.text('role');
    t.text('via');
    t.text('action').notNullable();
    t.text('target').notNullable();
    t.integer('rows');
    t.jsonb('detail');
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable();
    t.index(['at']);
  });
  await knex.raw(`
    CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'DELETE' AND current_setting('harmgrid.audit_prune', true) = 'on' THEN
        RETURN OLD;
      END IF;
      RAISE EXCEPTION 'the audit trail is append-only (% refused)', TG_OP;
    END $$`);
  await knex.raw(`CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_entry');
  await knex.raw('DROP FUNCTION audit_entry_append_only()');
}
