import { migrate, openDb, type Db } from '../../server/db/connection';
import { seedBuiltins } from '../../server/db/seed';

/**
 * The database the integration tests run on: PostgreSQL when DATABASE_URL is set (in its own schema,
 * dropped and made anew, so a real database's tables are never touched), else PGlite in memory.
 * CI runs the whole suite once each way.
 */
// HARMGRID_TEST_SCHEMA lets parallel checkouts share one PostgreSQL database without racing.
export const TEST_SCHEMA = process.env.HARMGRID_TEST_SCHEMA || 'harmgrid_test';
export const onPostgres = Boolean(process.env.DATABASE_URL);
export const dbLabel = onPostgres ? 'PostgreSQL' : 'PGlite';

export async function freshDb(): Promise<Db> {
  if (onPostgres) {
    const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
    await admin.raw(`DROP SCHEMA IF EXISTS ${TEST_SCHEMA} CASCADE`);
    await admin.raw(`CREATE SCHEMA ${TEST_SCHEMA}`);
    await admin.destroy();
  }
  const db = openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: 'memory', schema: TEST_SCHEMA });
  await migrate(db);
  await seedBuiltins(db);
  return db;
}
