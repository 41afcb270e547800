import { parentPort } from 'node:worker_threads';
import type { Db } from '../db/connection';
import { ImportFileError } from './errors';
import { checkIncidentFile, incidentParserFor, ReadInThread, readIncidentRows, type RowsRead } from './importIncidents';
import type { ReadJob } from './readerPool';

/** The worker of ReaderPool: reads one file at a time, in the order asked. */

// No database here: a parser that would query it (a force extract's offence codes) sends the file back to the main thread.
const noDatabase = new Proxy(() => {}, {
  apply() {
    throw new ReadInThread();
  },
  get() {
    throw new ReadInThread();
  },
}) as unknown as Db;

/** Reads one file as the worker does; exported so that a test can run it in the main thread beside the worker. */
export async function readFile(job: ReadJob): Promise<RowsRead> {
  const checked = await checkIncidentFile(job.filePath);
  if ('textError' in checked) return checked;
  try {
    const rows = await readIncidentRows(job.filePath, job.fileName, {
      registry: job.registry,
      force: job.force,
      forced: job.forced,
      parserFor: (header) => incidentParserFor(noDatabase, header),
    });
    return { checksum: checked.checksum, read: rows };
  } catch (e) {
    if (e instanceof ReadInThread) return { inThread: true };
    if (e instanceof ImportFileError) return { checksum: checked.checksum, fileError: e.reason };
    throw e;
  }
}

let queue = Promise.resolve();
parentPort?.on('message', ({ id, job }: { id: number; job: ReadJob }) => {
  queue = queue.then(async () => {
    try {
      parentPort?.postMessage({ id, result: await readFile(job) });
    } catch (e) {
      parentPort?.postMessage({ id, fatal: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
});
