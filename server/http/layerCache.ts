import type express from 'express';
import type { Db } from '../db/connection';
import { lastImportId } from '../db/dataVersion';

/**
 * The map's layers (/api/cells, /api/hchh) are asked for with the same parameters by every map on
 * every pan and control change. Their answers depend only on the stored data, so identical requests
 * share one computation (a request arriving while the same one is computed waits for it) and its
 * answer, until the data changes: any import (the newest import id, so imports by another process on
 * PostgreSQL count too) or any successful change through the API (definitions, schemes, zones).
 * Without it, 50 clients on 2 cores queue behind each other past the request time limit.
 */
export const LAYER_PATHS = new Set(['/api/cells', '/api/hchh']);
const MAX_ENTRIES = 64;
const MAX_BODY_BYTES = 8 * 1024 * 1024;

interface Entry { version: string; answer: Promise<string | null> }

export function layerCache(db: Db): express.RequestHandler {
  const entries = new Map<string, Entry>();
  let changes = 0;
  return (req, res, next) => {
    if (req.method !== 'GET') {
      if (req.path.startsWith('/api/')) res.on('finish', () => { if (res.statusCode < 400) changes += 1; });
      return next();
    }
    if (!LAYER_PATHS.has(req.path)) return next();
    const key = req.originalUrl;
    lastImportId(db).then(async (importId) => {
      const version = `${importId}:${changes}`;
      const entry = entries.get(key);
      if (entry && entry.version === version) {
        const body = await entry.answer;
        if (body !== null && !res.headersSent) {
          res.status(200).type('application/json').send(body);
          return;
        }
      }
      let settle!: (body: string | null) => void;
      const answer = new Promise<string | null>((resolve) => { settle = resolve; });
      entries.delete(key);
      entries.set(key, { version, answer });
      while (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      const json = res.json.bind(res);
      res.json = (body: unknown) => {
        const text = JSON.stringify(body);
        const keep = res.statusCode === 200 && text.length <= MAX_BODY_BYTES;
        settle(keep ? text : null);
        if (!keep) entries.delete(key);
        return json(body);
      };
      res.on('close', () => { settle(null); if (entries.get(key)?.answer === answer && !res.writableFinished) entries.delete(key); });
      next();
    }, next);
  };
}
