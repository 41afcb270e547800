import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadAuthConfig, type AuthConfig } from './authConfig';

/** Repository root, so that defaults do not depend on the directory a command is run from. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface Config {
  /** HTTP port (env PORT). */
  port: number;
  /** Interface to bind (env HOST). */
  host: string;
  /** PostgreSQL connection string (env DATABASE_URL); unset → embedded PGlite. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database (env HARMGRID_DB_DIR); 'memory' keeps it in memory. */
  pgliteDir: string;
  /** Folder of the public data sets (env HARMGRID_DATA_DIR): police/, boundaries/, harm/, … */
  dataDir: string;
  /** Folder whose CSVs are imported recursively into an empty database (env HARMGRID_SAMPLE_DIR). */
  sampleDir: string;
  /** Import the sample data when the database is empty (env HARMGRID_AUTO_IMPORT=0 to disable). */
  autoImport: boolean;
  /** Largest accepted upload in bytes (env HARMGRID_UPLOAD_LIMIT_MB, default 100). */
  uploadLimitBytes: number;
  /** Sign-in, hosts, sessions and audit retention (server/authConfig.ts). */
  auth: AuthConfig;
}

function intFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative whole number; got "${raw}"`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const dataDir = path.resolve(repoRoot, env.HARMGRID_DATA_DIR || '../shared/data');
  const pgliteDir = env.HARMGRID_DB_DIR === 'memory' ? 'memory' : path.resolve(repoRoot, env.HARMGRID_DB_DIR || '.harmgrid/pgdata');
  return {
    port: intFromEnv('PORT', 8080, env),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    pgliteDir,
    dataDir,
    sampleDir: path.resolve(repoRoot, env.HARMGRID_SAMPLE_DIR || path.join(dataDir, 'police')),
    autoImport: env.HARMGRID_AUTO_IMPORT !== '0',
    uploadLimitBytes: intFromEnv('HARMGRID_UPLOAD_LIMIT_MB', 100, env) * 1024 * 1024,
    auth: loadAuthConfig(env),
  };
}
