import path from 'node:path';
import { loadConfig } from '../server/config';
import { describeDb, migrate, openDb, type Db } from '../server/db/connection';
import { seedBuiltins } from '../server/db/seed';
import { importPaths, summariseImport } from '../server/ingest/importPaths';
import { republishIncidentFile } from '../server/services/republish';

/**
 * npm run import -- [--force CODE] FILES_OR_FOLDERS…
 * Imports data.police.uk street files, force extracts, partner events, ONS boundary files (GeoJSON),
 * LSOA → ward lookups, the Indices of Deprivation and reference tables (offence codes, CCHI weights)
 * into the configured database, each recognised by its content. Reports what was stored by kind
 * (incidents, boundary features, reference rows). Exit code 1 when any file was rejected or failed.
 * npm run import -- --replace FILE… [--force CODE]: each incident file replaces the months it holds (a
 * re-published month); the import log says per month how many records were kept, added and withdrawn.
 */
const all = process.argv.slice(2);
// --force CODE names the force of files that do not say it themselves (force extracts, partner events);
// --replace makes an incident file's months replace the stored ones (a re-publication).
const replace = all.includes('--replace');
const forceAt = all.indexOf('--force');
const force = forceAt >= 0 ? all[forceAt + 1] : undefined;
const args = all.filter((a, i) => a !== '--replace' && (forceAt < 0 || (i !== forceAt && i !== forceAt + 1)));
if (args.length === 0 || args.includes('--help') || (forceAt >= 0 && !force)) {
  console.log(
    'usage: npm run import -- [--force CODE] FILE_OR_FOLDER…   (CSV and GeoJSON files; folders are searched recursively;\n' +
      '         --force names the ONS police force area code of files that do not carry their force, such as force extracts)\n' +
      '       npm run import -- --replace FILE… [--force CODE]   (incident files whose months replace the stored ones)',
  );
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
  if (replace) {
    for (const file of args) {
      try {
        console.log(`${path.basename(file)}: ${(await republishIncidentFile(db, path.resolve(file), { ...(force ? { force } : {}) })).message}`);
      } catch (e) {
        console.log(`${path.basename(file)}: refused: ${(e as Error).message}`);
        exitCode = 1;
      }
    }
    await db.destroy();
    process.exit(exitCode);
  }
  let lastShown = 0;
  const report = await importPaths(
    db,
    args.map((a) => path.resolve(a)),
    (line) => console.log(line),
    (p) => {
      if (process.stdout.isTTY && Date.now() - lastShown > 250) {
        lastShown = Date.now();
        process.stdout.write(`\r  ${p.phase} ${p.fileName}: ${p.rows} rows…`.padEnd(80) + '\r');
      }
    },
    { force },
  );
  for (const f of report.files.filter((x) => x.status === 'rejected')) {
    console.log(`\n${f.fileName}: first rejections (all are in the import log, GET /api/imports/${f.importId}):`);
    for (const r of f.rejections.slice(0, 20))
      console.log(`  line ${r.line}${r.field ? ` field "${r.field}"` : ''}${r.value !== null ? ` value "${r.value}"` : ''}: ${r.reason}`);
  }
  for (const f of report.failed) console.log(`\n${path.relative(process.cwd(), f.file)}: failed: ${f.reason}`);
  const summary = summariseImport(report);
  console.log(`\ndone: ${summary.message}`);
  if (summary.files.rejected || summary.files.failed) exitCode = 1;
} catch (e) {
  console.error(`import failed: ${(e as Error).message}`);
  exitCode = 1;
} finally {
  await db.destroy();
}
process.exit(exitCode);
