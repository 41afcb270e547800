import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * One process at a time in an embedded database folder. PGlite is PostgreSQL compiled into the
 * process, with no server to arbitrate: two processes writing the same folder (`npm run import`
 * while `npm start` runs) each keep their own buffers, and the folder ends up unreadable. The lock
 * is a file created with O_EXCL naming its holder (pid, the process's start time, the command), so
 * a second process is refused with the holder named, and a lock left by a killed process is
 * recognised (no such pid, or the pid now belongs to a process started later) and cleared.
 */
export const LOCK_FILE = 'harmgrid.lock';

export interface LockHolder {
  pid: number;
  /** Start time of the holder in clock ticks since boot (/proc/PID/stat field 22), to tell pid reuse apart. */
  startTicks: number | null;
  command: string;
  host: string;
  since: string;
}

export class DatabaseLockedError extends Error {
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    super(
      `the embedded database folder ${folder} is in use by process ${holder.pid} (${holder.command}, since ${holder.since}). ` +
        'Only one process may open it at a time: stop that process first, or, while the server runs, import through it ' +
        '(POST /api/imports?fileName=NAME with the CSV as the body, e.g. curl --data-binary @FILE -H "Content-Type: text/csv").',
    );
    this.name = 'DatabaseLockedError';
  }
}

function startTicksOf(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 2 (the command) is in parentheses and may hold spaces; fields after it are space-separated.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[19]);
  } catch {
    return null;
  }
}

/** Is the process that wrote this lock still running? */
export function holderAlive(holder: LockHolder): boolean {
  if (holder.host !== os.hostname()) return true; // another machine's process: cannot tell, never steal
  try {
    process.kill(holder.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const ticks = startTicksOf(holder.pid);
  // The pid was reused by a process started after the lock was written: the holder is gone.
  if (holder.startTicks !== null && ticks !== null && ticks !== holder.startTicks) return false;
  return true;
}

function readHolder(file: string): LockHolder | null {
  try {
    const h = JSON.parse(fs.readFileSync(file, 'utf8')) as LockHolder;
    return Number.isInteger(h.pid) ? h : null;
  } catch {
    return null; // unreadable or half-written: treated as stale below only if old enough
  }
}

export interface FolderLock {
  /** The lock another process left behind when it was killed, cleared on the way in (or null). */
  cleared: LockHolder | null;
  release(): void;
}

/** Takes the folder's lock or throws DatabaseLockedError naming the process that holds it. */
export function lockFolder(folder: string): FolderLock {
  fs.mkdirSync(folder, { recursive: true });
  const file = path.join(folder, LOCK_FILE);
  const me: LockHolder = {
    pid: process.pid,
    startTicks: startTicksOf(process.pid),
    command:
      process.argv
        .slice(1)
        .map((a) => path.basename(a))
        .join(' ')
        .slice(0, 200) || 'node',
    host: os.hostname(),
    since: new Date().toISOString(),
  };
  let cleared: LockHolder | null = null;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify(me));
      fs.fsyncSync(fd);
      fs.closeSync(fd);
      let released = false;
      const release = () => {
        if (released) return;
        released = true;
        process.off('exit', release);
        const holder = readHolder(file);
        if (holder?.pid === me.pid) fs.rmSync(file, { force: true });
      };
      process.on('exit', release);
      return { cleared, release };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    const holder = readHolder(file);
    if (holder && holderAlive(holder)) throw new DatabaseLockedError(folder, holder);
    if (!holder && Date.now() - fs.statSync(file).mtimeMs < 5_000) {
      // Another process is writing its lock this very moment.
      throw new DatabaseLockedError(folder, {
        pid: 0,
        startTicks: null,
        command: 'a process starting now',
        host: os.hostname(),
        since: new Date().toISOString(),
      });
    }
    // Stale: move it aside atomically (only one contender wins the rename), then try again.
    const aside = `${file}.stale-${process.pid}`;
    try {
      fs.renameSync(file, aside);
      fs.rmSync(aside, { force: true });
    } catch {
      /* another contender cleared it */
    }
    cleared = holder ?? { pid: 0, startTicks: null, command: 'unknown (unreadable lock)', host: os.hostname(), since: '' };
  }
  throw new Error(`could not take the lock ${file}; another process keeps taking it`);
}
