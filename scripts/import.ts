import path from 'node:path';
import { loadConfig } from '../server/config';
import { describeDb, migrate, openDb, type Db } from '../server/db/connection';
import { seedBuiltins } from '../server/db/seed';
import { importPaths } from '../server/ingest/importPaths';

/**
 * npm run import -- FILES_OR_FOLDERS…
 * Imports data.police.uk street files, force extracts and reference tables (offence codes, CCHI
 * weights) into the configured database. Exit code 1 when any file was rejected or failed.
 */
const args = process.argv.slice(2);
if (args.length === 0 || args.includes('--help')) {
  console.log('usage: npm run import -- FILE_OR_FOLDER…   (CSV files; folders are searched recursively)');
  process.exit(args.length === 0 ? 1 : 0);
}
const config = loadConfig();
let db: Db;
try {
  db = openDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir });
} catch (e) {
  // Another process (npm start) holds the embedded database folder: say who, and how to import anyway.
  console.error(`import refused: ${(e as Error).message}`);
  process.exit(2);
}
console.log(`database: ${describeDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir })}`);
let exitCode = 0;
try {
  await migrate(db);
  await seedBuiltins(db);
  let lastShown = 0;
  const report = await importPaths(db, args.map((a) => path.resolve(a)), (line) => console.log(line), (p) => {
    if (process.stdout.isTTY && Date.now() - lastShown > 250) {
      lastShown = Date.now();
      process.stdout.write(`\r  ${p.phase} ${p.fileName}: ${p.rows} rows…`.padEnd(80) + '\r');
    }
  });
  for (const f of report.files.filter((x) => x.status === 'rejected')) {
    console.log(`\n${f.fileName}: first rejections (all are in the import log, GET /api/imports/${f.importId}):`);
    for (const r of f.rejections.slice(0, 20)) console.log(`  line ${r.line}${r.field ? ` field "${r.field}"` : ''}${r.value !== null ? ` value "${r.value}"` : ''}: ${r.reason}`);
  }
  const imported = report.files.reduce((s, f) => s + f.rowsImported, 0);
  const rejected = report.files.filter((f) => f.status === 'rejected').length;
  console.log(`\ndone: ${imported} incidents imported; ${report.files.length} files read, ${rejected} rejected, ${report.skipped.length} skipped, ${report.failed.length} failed`);
  if (rejected || report.failed.length) exitCode = 1;
} catch (e) {
  console.error(`import failed: ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
