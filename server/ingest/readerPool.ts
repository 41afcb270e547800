import os from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ForceRecord } from '../domain/forces';
import type { RowsRead } from './importIncidents';

/** One file for a worker to read: what readIncidentRows needs besides the database. */
export interface ReadJob {
  filePath: string;
  fileName: string;
  registry: ForceRecord[];
  force: ForceRecord | undefined;
  forced: boolean;
}

type Reply = { id: number; result: RowsRead } | { id: number; fatal: string };

/**
 * A worker thread that reads incident files (checksum, UTF-8 check, CSV parse, validation, H3 cells)
 * while the main thread stores the previous ones: PGlite's SQL runs in the main thread, so on two cores
 * the reading comes nearly free. The worker runs the same functions as the main thread
 * (checkIncidentFile, readIncidentRows), so rows and messages are the same; a header that needs the
 * database (a force extract's offence codes) comes back as `inThread` and is read in the main thread.
 * Jobs are answered in the order given.
 */
export class ReaderPool {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (r: RowsRead) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => {
      const w = this.waiting.get(reply.id);
      if (!w) return;
      this.waiting.delete(reply.id);
      if ('fatal' in reply) w.reject(new Error(`reading in the worker thread failed: ${reply.fatal}`));
      else w.resolve(reply.result);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => {
      if (this.waiting.size) this.fail(new Error(`the reading worker thread stopped (exit code ${code})`));
    });
    worker.unref();
  }

  /** A pool of one worker, or null on a single core (nothing to gain). */
  static open(): ReaderPool | null {
    if (os.availableParallelism() < 2) return null;
    // The entry registers tsx's loader itself; the runner's own flags are not passed on.
    return new ReaderPool(new Worker(new URL('./readerThread.mjs', import.meta.url), { execArgv: [] }));
  }

  read(job: ReadJob): Promise<RowsRead> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, job });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }

  private fail(e: Error): void {
    this.failure = e;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
  }
}
