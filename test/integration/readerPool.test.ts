import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb, type Db } from '../../server/db/connection';
import { seedBuiltins } from '../../server/db/seed';
import { ForceStore } from '../../server/db/forces';
import type { ForceRecord } from '../../server/domain/forces';
import type { RowsRead } from '../../server/ingest/importIncidents';
import { importPaths, type ImportReport } from '../../server/ingest/importPaths';
import { ReaderPool, type ReadJob } from '../../server/ingest/readerPool';
import { readFile } from '../../server/ingest/readerWorker';
import { TEST_SCHEMA, dbLabel, freshDb, onPostgres } from '../support/db';
import { monthFile, readRows, tempDir } from '../support/data';

/**
 * The worker thread that reads street files during a bulk load (server/ingest/readerPool.ts) against
 * the main thread reading the same files: the same checksum, rows, rejections and messages, for a real
 * month and for broken copies of it (a bad month and a bad longitude, a byte that is not UTF-8, a header
 * that is not data.police.uk's); and through importPaths on PGlite, the same outcomes with the worker and without.
 */
const tmp = tempDir('harmgrid-reader-');
const real = monthFile('2019-07');
const broken = path.join(tmp, '2019-07-broken-street.csv');
const latin1 = path.join(tmp, '2019-07-latin1-street.csv');
const renamed = path.join(tmp, '2019-07-renamed-street.csv');
let badLongitudeLine = 0;

const sha256 = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

describe(`reading street files in a worker thread (${dbLabel})`, () => {
  let db: Db;
  let pool: ReaderPool | null;
  let registry: ForceRecord[];
  const job = (filePath: string): ReadJob => ({ filePath, fileName: path.basename(filePath), registry, force: undefined, forced: false });

  beforeAll(async () => {
    const lines = fs.readFileSync(real, 'utf8').split(/\r?\n/);
    const bad = [...lines];
    bad[41] = bad[41]!.replace(/,2019-07,/, ',July 2019,');
    badLongitudeLine = bad.findIndex((l, i) => i >= 99 && /,-\d+\.\d+,\d+\.\d+,/.test(l)) + 1;
    bad[badLongitudeLine - 1] = bad[badLongitudeLine - 1]!.replace(/,(-\d+\.\d+),(\d+\.\d+),/, ',-2.9x,$2,');
    fs.writeFileSync(broken, bad.join('\n'));
    const text = [...lines];
    const at = text.findIndex((l, i) => i >= 500 && l.includes('On or near '));
    text[at] = text[at]!.replace('On or near ', 'On or n\u0000ear ');
    // The NUL stands for the byte 0xE9 ('é' in Latin-1), written as a single byte.
    fs.writeFileSync(
      latin1,
      Buffer.from(text.join('\n'), 'utf8').map((b) => (b === 0 ? 0xe9 : b)),
    );
    fs.writeFileSync(renamed, [lines[0]!.replace('Crime type', 'Offence'), ...lines.slice(1)].join('\n'));
    db = await freshDb();
    registry = await new ForceStore(db).registry();
    pool = ReaderPool.open();
  }, 120_000);
  afterAll(async () => {
    await pool?.close();
    await db?.destroy();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('opens on this machine (more than one core)', () => {
    expect(pool).not.toBeNull();
  });

  it('reads a real month to the same rows as the main thread, one row per published row', async () => {
    const [inWorker, here] = await Promise.all([pool!.read(job(real)), readFile(job(real))]);
    expect(inWorker).toEqual(here);
    const read = (inWorker as Extract<RowsRead, { read: unknown }>).read;
    expect((inWorker as { checksum: string }).checksum).toBe(sha256(real));
    const published = readRows(real);
    expect(read.rows).toHaveLength(published.length);
    expect(read.rejections).toEqual([]);
    expect(read.force?.policeUkName).toBe('Merseyside Police');
    // Against an independent parse: ids, months and coordinates row by row.
    read.rows.forEach((r, i) => {
      const p = published[i]!;
      if (p['Crime ID']) expect(r.sourceRef).toBe(p['Crime ID']);
      expect(r.month).toBe(p.Month);
      expect(r.lon).toBe(p.Longitude ? Number(p.Longitude) : null);
      expect(r.category).toBe(p['Crime type']);
    });
  });

  it('rejects the broken copy with the same lines, fields, values and reasons as the main thread', async () => {
    const [inWorker, here] = await Promise.all([pool!.read(job(broken)), readFile(job(broken))]);
    expect(inWorker).toEqual(here);
    const { rejections } = (inWorker as Extract<RowsRead, { read: unknown }>).read;
    expect(rejections).toEqual([
      expect.objectContaining({ line: 42, field: 'Month', value: 'July 2019' }),
      expect.objectContaining({ line: badLongitudeLine, field: 'Longitude', value: '-2.9x' }),
    ]);
  });

  it('gives the same message for a file that is not UTF-8 and for a header that is not data.police.uk', async () => {
    const [a, b] = await Promise.all([pool!.read(job(latin1)), readFile(job(latin1))]);
    expect(a).toEqual(b);
    expect(a).toMatchObject({ textError: expect.stringMatching(/^line \d+ is not UTF-8 text \(byte 0xE9\)/) });
    const [c, d] = await Promise.all([pool!.read(job(renamed)), readFile(job(renamed))]);
    expect(c).toEqual(d);
    expect(c).toMatchObject({ fileError: expect.stringContaining('has no column "Crime type"') });
  });

  it('answers each job with its own file, in the order asked', async () => {
    const files = [broken, real, latin1, renamed, real];
    const answers = await Promise.all(files.map((f) => pool!.read(job(f))));
    expect(answers.map((a) => (a as { checksum: string }).checksum)).toEqual(files.map(sha256));
  });

  // importPaths uses the worker on PGlite only (on a server the next file is read while the server stores
  // this one), so on PostgreSQL there is nothing to compare and the test is not defined.
  if (!onPostgres)
    it('through importPaths: the same outcomes and messages with the worker as without', async () => {
      const run = async (workers: boolean): Promise<ImportReport> => {
        const schema = `${TEST_SCHEMA}_reader_${workers ? 'w' : 'm'}`;
        if (onPostgres) {
          const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
          await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.raw(`CREATE SCHEMA ${schema}`);
          await admin.destroy();
        }
        const store = openDb({ databaseUrl: process.env.DATABASE_URL, pgliteDir: 'memory', schema });
        try {
          await migrate(store);
          await seedBuiltins(store);
          return await importPaths(store, [broken, latin1, renamed, real], () => {}, undefined, { workers });
        } finally {
          await store.destroy();
          if (onPostgres) {
            const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
            await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
            await admin.destroy();
          }
        }
      };
      const [withWorker, without] = [await run(true), await run(false)];
      const shape = (r: ImportReport) => ({
        failed: r.failed.map((f) => [path.basename(f.file), f.reason]),
        files: r.files.map((f) => [f.fileName, f.status, f.message, f.rowsImported, f.rowsRejected, f.rejections]),
      });
      expect(shape(withWorker)).toEqual(shape(without));
      expect(withWorker.files.map((f) => [f.fileName, f.status])).toEqual([
        [path.basename(broken), 'rejected'],
        [path.basename(real), 'imported'],
      ]);
      expect(withWorker.failed.map((f) => path.basename(f.file)).sort()).toEqual([path.basename(latin1), path.basename(renamed)].sort());
    }, 300_000);
});
