import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config';
import { lockFolder, LOCK_FILE, DatabaseLockedError } from '../../server/db/folderLock';
import type { Db } from '../../server/db/connection';
import { ImportFileError } from '../../server/ingest/errors';
import { importIncidentFile } from '../../server/ingest/importIncidents';
import { importPaths } from '../../server/ingest/importPaths';
import { POLICE_UK_STREET_HEADER } from '../../server/ingest/policeUk';
import { dbLabel, freshDb } from '../support/db';
import { harmDir, monthFile, tempDir } from '../support/data';
import { serveApp } from '../support/server';

/**
 * Hostile files made from a real data.police.uk month (its first rows, altered one way each): every
 * one is refused whole, with the file, line and field named, on the command line and over HTTP.
 */
const real = fs.readFileSync(monthFile('2021-09'), 'utf8').split('\n').slice(0, 40);
const header = real[0]!;
const dir = tempDir('harmgrid-files-');
const write = (name: string, content: string | Buffer) => {
  const f = path.join(dir, name);
  fs.writeFileSync(f, content);
  return f;
};
/** Replaces field `i` of data row `n` (1-based) of the real rows, CSV-quoted. */
function withField(n: number, i: number, value: string): string {
  const rows = real.slice();
  const cells = rows[n]!.split(',');
  cells[i] = `"${value.replace(/"/g, '""')}"`;
  rows[n] = cells.join(',');
  return rows.join('\n');
}

let db: Db;
beforeAll(async () => {
  db = await freshDb();
  await importPaths(db, [harmDir]);
}, 300_000);
afterAll(async () => {
  await db?.destroy();
  fs.rmSync(dir, { recursive: true, force: true });
});

const reject = async (file: string) => {
  try {
    await importIncidentFile(db, file);
  } catch (e) {
    if (e instanceof ImportFileError) return e.message;
    throw e;
  }
  throw new Error('imported');
};

describe(`hostile files (${dbLabel})`, () => {
  it('a 1 MB location field is rejected naming line and field, nothing stored', async () => {
    const out = await importIncidentFile(db, write('long-location.csv', withField(3, 6, 'x'.repeat(1024 * 1024))));
    expect(out.status).toBe('rejected');
    expect(out.rowsImported).toBe(0);
    expect(out.rejections[0]).toMatchObject({ line: 4, reason: expect.stringMatching(/record longer than 64 KB|at most 1000/) });
    const out2 = await importIncidentFile(db, write('location-2000.csv', withField(3, 6, 'y'.repeat(2000))));
    expect(out2.rejections[0]).toMatchObject({ line: 4, field: 'Location', reason: '2,000 characters; a field may hold at most 1000' });
  });

  it('an unknown crime type is rejected naming the line, the field and the published list', async () => {
    const out = await importIncidentFile(db, write('category.csv', withField(5, 9, "Robbery'); DROP TABLE incident; --")));
    expect(out.status).toBe('rejected');
    expect(out.rejections).toEqual([
      expect.objectContaining({
        line: 6,
        field: 'Crime type',
        reason: expect.stringContaining('not a data.police.uk crime type; the published types are: Anti-social behaviour'),
      }),
    ]);
  });

  it('a Latin-1 file is refused with the line and how to convert it', async () => {
    const text = withField(7, 6, 'On or near Café Street');
    const message = await reject(write('latin1.csv', Buffer.from(text, 'latin1')));
    expect(message).toMatch(/^latin1\.csv: line 8 is not UTF-8 text \(byte 0xE9\); the file looks like Latin-1 or Windows-1252/);
    expect(message).toContain('iconv -f WINDOWS-1252 -t UTF-8');
  });

  it('a street file without a column is refused naming it; on the command line with a non-zero exit', async () => {
    const cols = header.split(',');
    const drop = cols.indexOf('Crime type');
    const text = real
      .filter(Boolean)
      .map((l) =>
        l
          .split(',')
          .filter((_, i) => i !== drop)
          .join(','),
      )
      .join('\n');
    const file = write('no-crime-type.csv', text);
    expect(await reject(file)).toBe(
      `no-crime-type.csv: looks like a data.police.uk street-level file but has no column "Crime type" (expected the published header ${POLICE_UK_STREET_HEADER.join(',')})`,
    );
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', file], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '', HARMGRID_DB_DIR: tempDir('harmgrid-cli-') },
    });
    expect(cli.status).toBe(1);
    expect(cli.stdout).toContain('has no column "Crime type"');
  }, 120_000);

  it('empty and binary files are refused with the reason', async () => {
    expect(await reject(write('empty.csv', ''))).toBe('empty.csv: the file is empty (0 bytes)');
    expect(await reject(write('binary.csv', zlib.gzipSync(real.join('\n'))))).toMatch(
      /^binary\.csv: this is a binary file, not CSV text \(a NUL byte at byte \d+\)/,
    );
  });

  it('over HTTP: the missing column and the encoding are named (422), a killed upload leaves no temporary file', async () => {
    const app = await serveApp(db);
    try {
      const cols = header.split(',');
      const drop = cols.indexOf('Month');
      const body = real
        .filter(Boolean)
        .map((l) =>
          l
            .split(',')
            .filter((_, i) => i !== drop)
            .join(','),
        )
        .join('\n');
      const r = await fetch(`${app.url}/api/imports?fileName=no-month.csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body });
      expect(r.status).toBe(422);
      expect((await r.json()).error.message).toMatch(/^no-month\.csv: looks like a data\.police\.uk street-level file but has no column "Month"/);

      const tmp = () => fs.readdirSync(os.tmpdir()).filter((f) => f.startsWith('harmgrid-upload-')).length;
      const before = tmp();
      const controller = new AbortController();
      const stream = new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(real.join('\n')));
          setTimeout(() => controller.abort(), 300);
        },
      });
      await fetch(`${app.url}/api/imports?fileName=killed.csv`, {
        method: 'POST',
        headers: { 'content-type': 'text/csv' },
        body: stream,
        signal: controller.signal,
        duplex: 'half',
      } as RequestInit).catch(() => {});
      await new Promise((res) => setTimeout(res, 1000));
      expect(tmp()).toBe(before);
    } finally {
      await app.close();
    }
  });
});

describe('the embedded database folder lock', () => {
  it('refuses a second process naming the holder, and clears the lock of a killed process', () => {
    const folder = tempDir('harmgrid-lock-');
    const lock = lockFolder(folder);
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/import.ts', monthFile('2021-09')], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, DATABASE_URL: '', HARMGRID_DB_DIR: folder },
    });
    expect(cli.status).toBe(2);
    expect(cli.stderr).toContain(`import refused: the embedded database folder ${folder} is in use by process ${process.pid}`);
    lock.release();
    // A lock left by a process that no longer runs (kill -9): detected and cleared.
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
    fs.writeFileSync(
      path.join(folder, LOCK_FILE),
      JSON.stringify({ pid: Number(dead.stdout), startTicks: null, command: 'main.ts', host: os.hostname(), since: '2026-12-01T00:00:00Z' }),
    );
    const again = lockFolder(folder);
    expect(again.cleared).toMatchObject({ pid: Number(dead.stdout), command: 'main.ts' });
    expect(() => lockFolder(folder)).toThrow(DatabaseLockedError);
    again.release();
    expect(fs.existsSync(path.join(folder, LOCK_FILE))).toBe(false);
    fs.rmSync(folder, { recursive: true, force: true });
  }, 60_000);
});
