import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Request } from 'express';
import { z } from 'zod';
import type { Db } from '../../db/connection';
import { ImportStore } from '../../db/imports';
import { ImportFileError } from '../../ingest/errors';
import { importDataFile, importKindOf } from '../../ingest/importPaths';
import type { Api } from '../api';
import { HttpError } from '../httpError';
import { isoDateTime, recordId } from '../schemas';

const importOut = z
  .object({
    id: z.number(),
    fileName: z.string(),
    checksum: z.string(),
    format: z.string().nullable(),
    status: z.enum(['imported', 'rejected', 'skipped']),
    message: z.string().nullable(),
    rowsTotal: z.number(),
    rowsImported: z.number(),
    rowsDuplicate: z.number(),
    rowsRejected: z.number(),
    rowsWithoutLocation: z.number(),
    firstMonth: z.string().nullable(),
    lastMonth: z.string().nullable(),
    startedAt: isoDateTime,
    finishedAt: isoDateTime.nullable().describe('null while the import runs'),
  })
  .meta({ id: 'Import' });
const rejectionOut = z.object({ line: z.number(), field: z.string().nullable(), value: z.string().nullable(), reason: z.string() });
const repairOut = z.object({
  code: z.string().describe('the ONS code of the area'),
  reason: z.string().describe('what was invalid as published, with its position'),
  action: z.enum(['repaired', 'rejected']),
  rule: z.string().nullable().describe('the repair rule applied'),
});
const uploadOut = z
  .object({
    fileName: z.string(),
    format: z.string().nullable().describe('what the content was read as, e.g. "data.police.uk street" or "boundaries ward 2022"'),
    kind: z.enum(['incidents', 'boundary features', 'reference rows', 'aggregate rows']).describe('what the rows of this file are'),
    status: z.enum(['imported', 'rejected', 'skipped']),
    importId: z.number().nullable(),
    message: z.string(),
    rowsTotal: z.number(),
    rowsImported: z.number(),
    rowsDuplicate: z.number(),
    rowsRejected: z.number(),
    rowsWithoutLocation: z.number(),
    firstMonth: z.string().nullable(),
    lastMonth: z.string().nullable(),
    rejections: z.array(rejectionOut).describe('the first rejections (all are in GET /api/imports/{id})'),
    repairs: z.array(repairOut).describe('boundary areas invalid as published and repaired, by code'),
  })
  .meta({ id: 'ImportOutcome' });

/**
 * Streams a request body to a temporary file. Past `limit` bytes nothing more is written, but the
 * rest of the body is read and dropped, so the client gets its 413 instead of a reset connection.
 */
async function spool(req: Request, limit: number, fileName: string): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  const tooBig = () => new HttpError(413, `the upload is larger than the limit of ${Math.round(limit / 1048576)} MB (HARMGRID_UPLOAD_LIMIT_MB)`);
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'harmgrid-upload-'));
  // Keep the upload's extension (the format is read from the content, the name goes to the import log).
  // The name the client gave, so messages name its file; never one that leaves the folder ('.', '..').
  const safe = !/^\.*$/.test(fileName) && path.basename(fileName) === fileName;
  const ext = path.extname(fileName);
  const file = path.join(dir, safe ? fileName : `upload${/^\.[A-Za-z0-9]{1,10}$/.test(ext) ? ext.toLowerCase() : ''}`);
  // A client that labels the body application/json has it parsed by the JSON middleware (up to its
  // 2 MB limit): write that back out rather than answer "empty upload".
  if ((req as Request & { _body?: boolean })._body && req.body && typeof req.body === 'object') {
    await fs.promises.writeFile(file, JSON.stringify(req.body));
    return file;
  }
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
    if (bytes === 0) throw new HttpError(400, 'the upload is empty; send the file itself (CSV or GeoJSON) as the request body');
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
    method: 'get',
    path: '/api/imports',
    tag: 'imports',
    access: 'admin',
    summary: 'Imports, newest first',
    response: { description: 'the import log', schema: z.object({ imports: z.array(importOut) }) },
    handler: async () => ({ imports: await imports.list() }),
  });

  api.add({
    method: 'get',
    path: '/api/imports/:id',
    tag: 'imports',
    access: 'admin',
    summary: 'One import with its rejected rows',
    params: z.object({ id: recordId }),
    query: z.object({ limit: z.coerce.number().int().min(1).max(10000).default(1000), offset: z.coerce.number().int().min(0).default(0) }).strict(),
    response: {
      description: 'the import and its rejections (file line, field, value, reason)',
      schema: importOut.extend({ rejections: z.array(rejectionOut) }),
    },
    handler: async ({ params, query }) => {
      const record = await imports.get(params.id);
      if (!record) throw new HttpError(404, `no import #${params.id}`);
      return { ...record, rejections: await imports.rejections(params.id, query.limit, query.offset) };
    },
  });

  api.add({
    method: 'post',
    path: '/api/imports',
    tag: 'imports',
    access: 'import',
    summary:
      'Upload a data file: data.police.uk street-level CSV, force extract, partner events, published aggregates, an ONS boundary GeoJSON, an LSOA → ward lookup or the Indices of Deprivation',
    description:
      'The body is the file itself, streamed (send GeoJSON as application/geo+json or application/octet-stream to pass the 2 MB JSON limit); its format is read from the content, and the file is imported whole or not at all. Boundary areas invalid as published are repaired by a documented rule and listed in repairs, or the file is rejected with the reason by code.',
    query: z
      .object({
        fileName: z
          .string()
          .min(1)
          .max(255)
          .regex(/^[^/\\]+$/, 'a file name without folders')
          .describe("the file's name, kept in the import log"),
        force: z
          .string()
          .regex(/^[EW]\d{8}$/i, 'an ONS police force area code such as E23000004')
          .optional()
          .describe('the force of a file that does not carry it (force extracts, partner events); data.police.uk files say it themselves'),
      })
      .strict(),
    rawBody: { contentType: 'application/octet-stream', description: 'the CSV or GeoJSON file' },
    response: { description: 'the outcome: imported, rejected (with the first rejections) or skipped (already imported)', schema: uploadOut },
    handler: async ({ query, req, res }) => {
      const file = await spool(req, uploadLimitBytes, query.fileName);
      try {
        const outcome = await importDataFile(db, file, { fileName: query.fileName, force: query.force });
        res.status(outcome.status === 'rejected' ? 422 : outcome.status === 'imported' ? 201 : 200);
        const repairs = 'repairs' in outcome ? (outcome as { repairs: z.infer<typeof repairOut>[] }).repairs : [];
        return uploadOut.parse({ ...outcome, kind: importKindOf(outcome.format), repairs });
      } catch (e) {
        if (e instanceof ImportFileError) throw new HttpError(422, e.message);
        throw e;
      } finally {
        await fs.promises.rm(path.dirname(file), { recursive: true, force: true });
      }
    },
  });
}
