import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/connection';
import { ImportStore } from '../../db/imports';
import { ImportFileError } from '../../ingest/errors';
import { importDataFile } from '../../ingest/importPaths';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import { recordId } from '../schemas';

const importOut = z.object({
  id: z.number(), fileName: z.string(), checksum: z.string(), format: z.string().nullable(),
  status: z.enum(['imported', 'rejected', 'skipped']), message: z.string().nullable(),
  rowsTotal: z.number(), rowsImported: z.number(), rowsDuplicate: z.number(), rowsRejected: z.number(),
  rowsWithoutLocation: z.number(), firstMonth: z.string().nullable(), lastMonth: z.string().nullable(),
  startedAt: z.any(), finishedAt: z.any(),
}).meta({ id: 'Import' });
const rejectionOut = z.object({ line: z.number(), field: z.string().nullable(), value: z.string().nullable(), reason: z.string() });

/**
 * Streams a request body to a temporary file. Past `limit` bytes nothing more is written, but the
 * rest of the body is read and dropped, so the client gets its 413 instead of a reset connection.
 */
async function spool(req: Request, limit: number, fileName: string): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooBig = () => new HttpError(413, `the upload is larger than the limit of ${Math.round(limit / 1048576)} MB (HARMGRID_UPLOAD_LIMIT_MB)`);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'harmgrid-upload-'));
  // The name the client gave, so messages name its file; never one that leaves the folder ('.', '..').
  const file = path.join(dir, /^\.*$/.test(fileName) || path.basename(fileName) !== fileName ? 'upload.csv' : fileName);
  const out = fs.createWriteStream(file);
  let bytes = 0;
  let over = Number.isFinite(declared) && declared > limit;
  try {
    for await (const chunk of req) {
      bytes += (chunk as Buffer).length;
      if (bytes > limit) over = true;
      if (over) continue;
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    if (over) throw tooBig();
    if (bytes === 0) throw new HttpError(400, 'the upload is empty; send the CSV file as the request body');
    return file;
  } catch (e) {
    out.destroy();
    await fs.promises.rm(dir, { recursive: true, force: true });
    throw e;
  }
}

export function importRoutes(api: Api, db: Db, uploadLimitBytes: number): void {
  const imports = new ImportStore(db);

  api.add({
    method: 'get', path: '/api/imports', tag: 'imports', access: 'read',
    summary: 'Imports, newest first',
    response: { description: 'the import log', schema: z.object({ imports: z.array(importOut) }) },
    handler: async () => ({ imports: await imports.list() }),
  });

  api.add({
    method: 'get', path: '/api/imports/:id', tag: 'imports', access: 'read',
    summary: 'One import with its rejected rows',
    params: z.object({ id: recordId }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(10000).default(1000), offset: z.coerce.number().int().min(0).default(0) }).strict(),
    response: { description: 'the import and its rejections (file line, field, value, reason)', schema: importOut.extend({ rejections: z.array(rejectionOut) }) },
    handler: async ({ params, query }) => {
      const record = await imports.get(params.id);
      if (!record) throw new HttpError(404, `no import #${params.id}`);
      return { ...record, rejections: await imports.rejections(params.id, query.limit, query.offset) };
    },
  });

  api.add({
    method: 'post', path: '/api/imports', tag: 'imports', access: 'write',
    summary: 'Upload a data file: data.police.uk street-level CSV, force extract, partner events or published aggregates',
    description: 'The body is the CSV file itself, streamed; the file is imported whole or not at all.',
    query: z.object({ fileName: z.string().min(1).max(255).regex(/^[^/\\]+$/, 'a file name without folders').describe('the file\'s name, kept in the import log') }).strict(),
    rawBody: { contentType: 'text/csv', description: 'the CSV file' },
    response: { description: 'the outcome: imported, rejected (with the first rejections) or skipped (already imported)', schema: z.any() },
    handler: async ({ query, req, res }) => {
      const file = await spool(req, uploadLimitBytes, query.fileName);
      try {
        const outcome = await importDataFile(db, file, { fileName: query.fileName });
        res.status(outcome.status === 'rejected' ? 422 : outcome.status === 'imported' ? 201 : 200);
        return outcome;
      } catch (e) {
        if (e instanceof ImportFileError) throw new HttpError(422, e.message);
        throw e;
      } finally {
        await fs.promises.rm(path.dirname(file), { recursive: true, force: true });
      }
    },
  });
}
