import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../server/config';
import { openDb, type Db } from '../../server/db/connection';
import { FirstStartStore } from '../../server/db/firstStart';
import { TEST_SCHEMA, dbLabel, onPostgres } from '../support/db';
import { monthFile, readRows, tempDir } from '../support/data';

/**
 * kill -9 of the real server during its first start, and of `npm run import` mid-import, on the
 * configured database (a real PGlite folder, or PostgreSQL): the next start works, says what it
 * resumed, and every month file is whole (as many incidents as the CSV has rows) or absent.
 */
const FIRST = ['2021-07', '2021-08', '2021-09'];
const LATER = ['2021-05', '2021-06'];
const schema = `${TEST_SCHEMA}_k9`;
const pgUrl = onPostgres
  ? `${process.env.DATABASE_URL}${process.env.DATABASE_URL!.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`
  : '';
const dbDir = tempDir('harmgrid-k9-db-');
const children: ChildProcess[] = [];

function linkMonths(months: string[]): string {
  const dir = tempDir('harmgrid-k9-sample-');
  for (const m of months) fs.symlinkSync(monthFile(m), path.join(dir, path.basename(monthFile(m))));
  return dir;
}

function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): { child: ChildProcess; output: () => string; waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HARMGRID_SKIP_WEB_BUILD: '1', PORT: '0', DATABASE_URL: pgUrl, HARMGRID_DB_DIR: dbDir, ...env },
  });
  children.push(child);
  let out = '';
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of listeners) l();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      for (const l of listeners) l();
      resolve(code);
    }),
  );
  return {
    child,
    output: () => out,
    exit,
    waitFor: (re, ms = 240_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${re}; output:\n${out}`)), ms);
        const check = () => {
          const m = out.match(re);
          if (m) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(m);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(new Error(`exited before ${re}; output:\n${out}`));
          }
        };
        listeners.add(check);
        check();
      }),
  };
}

async function stop(p: ReturnType<typeof run>): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exit;
}

/** Incidents stored per month, read straight from the database the server used. */
async function storedPerMonth(): Promise<{ perMonth: Map<string, number>; untagged: number; cube: number; schema: string[] }> {
  const db: Db = onPostgres ? openDb({ databaseUrl: process.env.DATABASE_URL, schema }) : openDb({ pgliteDir: dbDir });
  try {
    const r = await db.raw(`SELECT to_char(month, 'YYYY-MM') AS m, count(*)::int AS n FROM incident GROUP BY 1`);
    const cube = await db.raw(`SELECT COALESCE(sum(incidents), 0)::int AS n FROM harm_cube`);
    // What a bulk load changes while it runs (server/db/bulkLoad.ts): the incidents' indexes, key and triggers.
    const shape =
      await db.raw(`SELECT 'index ' || c.relname AS d FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'incident'::regclass
      UNION ALL SELECT 'key ' || conname FROM pg_constraint WHERE conrelid = 'incident'::regclass AND contype = 'f'
      UNION ALL SELECT 'trigger ' || tgname || ' ' || tgenabled::text FROM pg_trigger WHERE tgrelid = 'incident'::regclass AND NOT tgisinternal ORDER BY 1`);
    return {
      perMonth: new Map((r.rows as { m: string; n: number }[]).map((x) => [x.m, x.n])),
      untagged: await new FirstStartStore(db).untaggedIncidents(),
      cube: (cube.rows as { n: number }[])[0]!.n,
      schema: (shape.rows as { d: string }[]).map((x) => x.d),
    };
  } finally {
    await db.destroy();
  }
}

const csvRows = new Map([...FIRST, ...LATER].map((m) => [m, readRows(monthFile(m)).length]));

function wholeOrAbsent(perMonth: Map<string, number>, months: string[]): { whole: string[]; absent: string[]; partial: string[] } {
  const out = { whole: [] as string[], absent: [] as string[], partial: [] as string[] };
  for (const m of months) {
    const n = perMonth.get(m) ?? 0;
    (n === 0 ? out.absent : n === csvRows.get(m) ? out.whole : out.partial).push(`${m}:${n}/${csvRows.get(m)}`);
  }
  return out;
}

afterAll(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dbDir, { recursive: true, force: true });
  if (onPostgres) {
    const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
    await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.destroy();
  }
});

describe(`kill -9 (${dbLabel})`, () => {
  it('mid-first-start: the kill leaves no incident and the schema as it was; the next start loads them all, whole and tagged', async () => {
    if (onPostgres) {
      const admin = openDb({ databaseUrl: process.env.DATABASE_URL });
      await admin.raw(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await admin.raw(`CREATE SCHEMA ${schema}`);
      await admin.destroy();
    }
    const sample = linkMonths(FIRST);
    const first = run('server/main.ts', [], { HARMGRID_SAMPLE_DIR: sample });
    await first.waitFor(/imported\s+\[\d+\/\d+\] \S*2021-07-merseyside-street\.csv/);
    first.child.kill('SIGKILL'); // the next month file is being stored
    await first.exit;

    // The incident files load in one transaction (a bulk load into the empty store): killed after the
    // first was stored, none is kept, and the indexes, key and triggers it set aside are all back.
    const killed = await storedPerMonth();
    expect(wholeOrAbsent(killed.perMonth, FIRST).absent).toHaveLength(FIRST.length);
    expect(killed.cube).toBe(0);

    const second = run('server/main.ts', [], { HARMGRID_SAMPLE_DIR: sample });
    await second.waitFor(/harmgrid is running at/);
    expect(second.output()).toMatch(/first start's import was interrupted .* resuming it/);
    expect(second.output()).toMatch(/files were already stored whole before the interruption/); // the boundaries
    await stop(second);
    const after = await storedPerMonth();
    expect(wholeOrAbsent(after.perMonth, FIRST).whole).toHaveLength(FIRST.length);
    expect(after.untagged).toBe(0);
    expect(after.cube).toBe(FIRST.reduce((s, m) => s + csvRows.get(m)!, 0));
    expect(killed.schema).toEqual(after.schema);
    expect(after.schema.filter((d) => d.startsWith('index ')).length).toBeGreaterThan(3);
    expect(after.schema.some((d) => d.startsWith('key '))).toBe(true);
    expect(after.schema.filter((d) => d.startsWith('trigger ')).every((d) => d.endsWith(' O'))).toBe(true);
  }, 600_000);

  it('mid-import: each file whole or absent; the next start tags what was stored; importing again completes', async () => {
    const more = linkMonths(LATER);
    const imp = run('scripts/import.ts', [more], {});
    await imp.waitFor(/imported\s+\[\d+\/\d+\] \S*2021-05-merseyside-street\.csv/);
    imp.child.kill('SIGKILL');
    await imp.exit;
    expect(wholeOrAbsent((await storedPerMonth()).perMonth, LATER).partial).toEqual([]);

    const again = run('scripts/import.ts', [more], {});
    expect(await again.exit).toBe(0);
    expect(again.output()).toMatch(/already imported/);
    const start = run('server/main.ts', [], { HARMGRID_SAMPLE_DIR: linkMonths(FIRST) });
    await start.waitFor(/harmgrid is running at/);
    await stop(start);
    const after = await storedPerMonth();
    expect(wholeOrAbsent(after.perMonth, [...FIRST, ...LATER]).whole).toHaveLength(FIRST.length + LATER.length);
    expect(after.untagged).toBe(0);
  }, 600_000);
});
