import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Knex } from 'knex';
import { repoRoot } from '../config';

const migrationsDir = path.join(repoRoot, 'migrations');

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * knex's file loader cannot import TypeScript under every runner (tsx, vitest), so list the
 * `migrations/` folder ourselves and import each file; names keep knex's timestamp convention.
 */
export const migrationSource: Knex.MigrationSource<string> = {
  async getMigrations() {
    return fs
      .readdirSync(migrationsDir)
      .filter((f) => /^\d{14}_[a-z0-9_]+\.ts$/.test(f))
      .sort();
  },
  getMigrationName(migration) {
    return migration;
  },
  async getMigration(migration) {
    const mod = (await import(pathToFileURL(path.join(migrationsDir, migration)).href)) as MigrationModule;
    return { up: mod.up, down: mod.down };
  },
};
