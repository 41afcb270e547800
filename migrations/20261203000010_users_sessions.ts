import type { Knex } from 'knex';

/**
 * Sign-in: users (local password or single sign-on), sessions and API tokens (only hashes of their
 * secrets are stored), sign-in failures for throttling, and the OpenID Connect flows in progress.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('app_user', (t) => {
    t.increments('id').primary();
    t.text('username').notNullable().unique(); // local sign-in name, or the e-mail given by single sign-on
    t.text('display_name').notNullable();
    t.text('role').notNullable();
    t.jsonb('forces').notNullable(); // ["force-a", …] or "all"
    t.text('password_hash'); // scrypt$N$r$p$salt$hash, null for single-sign-on-only users
    t.text('oidc_issuer');
    t.text('oidc_subject');
    t.boolean('disabled').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['oidc_issuer', 'oidc_subject']);
  });
  await knex.schema.createTable('user_session', (t) => {
    t.text('id_hash').primary(); // SHA-256 of the cookie value
    t.integer('user_id').notNullable().references('app_user.id').onDelete('CASCADE');
    t.text('via').notNullable(); // password | oidc
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('last_seen_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
  await knex.schema.createTable('api_token', (t) => {
    t.increments('id').primary();
    t.integer('user_id').notNullable().references('app_user.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('secret_hash').notNullable();
    t.jsonb('scopes').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
  });
  await knex.schema.createTable('sign_in_failure', (t) => {
    t.increments('id').primary();
    t.text('key').notNullable(); // "user:<name>" or "ip:<address>"
    t.timestamp('at', { useTz: true }).notNullable();
    t.index(['key', 'at']);
  });
  await knex.schema.createTable('oidc_flow', (t) => {
    t.text('id_hash').primary();
    t.text('state').notNullable();
    t.text('nonce').notNullable();
    t.text('code_verifier').notNullable();
    t.text('return_to').notNullable();
    t.timestamp('expires_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ['oidc_flow', 'sign_in_failure', 'api_token', 'user_session', 'app_user']) await knex.schema.dropTable(t);
}
