import type express from 'express';
import { rateLimit } from 'express-rate-limit';
import { withQueryScope, type Db } from '../db/connection';
import { loadedMonthRange } from '../db/loadedMonths';
import { addMonths, isMonth } from '../domain/months';
import { HttpError } from './httpError';

/**
 * Bounds on what one request may cost, so that no single request pins the service:
 * - a time limit per request (HARMGRID_REQUEST_TIMEOUT_S, default 30 s; uploads
 *   HARMGRID_IMPORT_TIMEOUT_S, default 600 s): past it the client gets 503 and the request is
 *   abandoned; a client that disconnects abandons its request too. An abandoned request's next
 *   query is refused and, on PostgreSQL, its running query is cancelled (pg_cancel_backend);
 * - on PostgreSQL a statement_timeout equal to the request limit on every serving connection;
 * - months in the query within MONTH_MARGIN of the loaded months (an 8,000-year period is refused);
 * - a rate limit per client on the heavy analyses (HARMGRID_RATE_LIMIT_PER_MIN, default 60; 0 = off).
 * PGlite runs inside this process: between its queries the event loop is free, but one query or one
 * synchronous computation runs to its end; those are bounded by the input limits (README "Limits").
 */
export interface RequestLimits {
  requestTimeoutMs: number;
  importTimeoutMs: number;
  statementTimeoutMs: number;
  heavyPerMinute: number;
}

/** How many months before the first and after the last loaded month a query may name. */
export const MONTH_MARGIN = 12;

/** Heavy analyses: each can take seconds of CPU; the map's own layers (cells, HCHH) are not listed. */
export const HEAVY_ROUTES = [
  '/api/gistar',
  '/api/emerging',
  '/api/accuracy',
  '/api/impact',
  '/api/areas/statistics',
  '/api/repeat-locations',
  '/api/repeat-locations.csv',
  '/api/partnership-pack',
  '/api/partnership-pack.html',
  '/api/patrol-briefing',
  '/api/patrol-briefing.html',
  '/api/patrol-briefing.csv',
  '/api/success-measures',
  '/api/success-measures.csv',
  '/api/hotspots.csv',
  '/api/hchh.csv',
  '/api/sites/:id/review',
  '/api/sites/:id/review.html',
  '/api/imports',
];

function seconds(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < 0) throw new Error(`${name} must be a number of seconds ≥ 0; got "${raw}"`);
  return v;
}

export function requestLimits(env: NodeJS.ProcessEnv = process.env): RequestLimits {
  const requestTimeoutMs = Math.round(seconds(env, 'HARMGRID_REQUEST_TIMEOUT_S', 30) * 1000);
  return {
    requestTimeoutMs,
    importTimeoutMs: Math.round(seconds(env, 'HARMGRID_IMPORT_TIMEOUT_S', 600) * 1000),
    statementTimeoutMs: requestTimeoutMs,
    heavyPerMinute: Math.round(seconds(env, 'HARMGRID_RATE_LIMIT_PER_MIN', 60)),
  };
}

/** The time limit and the abandonment of requests; runs the rest of the request in its query scope. */
export function requestDeadline(limits: RequestLimits): express.RequestHandler {
  return (req, res, next) => {
    const upload = req.method === 'POST' && req.path === '/api/imports';
    const limitMs = upload ? limits.importTimeoutMs : limits.requestTimeoutMs;
    const controller = new AbortController();
    const timer =
      limitMs > 0
        ? setTimeout(() => {
            controller.abort(new Error(`over the time limit of ${limitMs / 1000} s`));
            if (!res.headersSent) {
              res
                .status(503)
                .set('Retry-After', '60')
                .json({
                  error: {
                    message:
                      `the request took longer than the limit of ${limitMs / 1000} s and was stopped; ask for a shorter period, a coarser resolution ` +
                      `or a smaller area (the limit is HARMGRID_${upload ? 'IMPORT' : 'REQUEST'}_TIMEOUT_S)`,
                  },
                });
            }
          }, limitMs)
        : null;
    timer?.unref();
    res.on('close', () => {
      if (timer) clearTimeout(timer);
      if (!res.writableFinished) controller.abort(new Error('the client disconnected'));
    });
    withQueryScope(controller.signal, next);
  };
}

/** Refuses months far outside the loaded data, before any analysis is run over them. */
export function monthBounds(db: Db): express.RequestHandler {
  let cached: { at: number; range: { first: string; last: string } | null } | null = null;
  return (req, _res, next) => {
    const named = Object.entries(req.query).filter((e): e is [string, string] => typeof e[1] === 'string' && isMonth(e[1]));
    if (named.length === 0) return next();
    const check = async () => {
      if (!cached || Date.now() - cached.at > 5_000) cached = { at: Date.now(), range: await loadedMonthRange(db) };
      const range = cached.range;
      if (!range) return;
      const lo = addMonths(range.first, -MONTH_MARGIN),
        hi = addMonths(range.last, MONTH_MARGIN);
      const outside = named.filter(([, m]) => m < lo || m > hi);
      if (outside.length) {
        const issues = outside.map(([k, m]) => ({
          path: k,
          message: `${m} is outside the loaded months (${range.first} to ${range.last}) by more than ${MONTH_MARGIN} months; use a month from ${lo} to ${hi}`,
        }));
        throw new HttpError(400, `invalid query: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
      }
    };
    check().then(() => next(), next);
  };
}

/** The rate limit on heavy analyses, per client address; answers 429 with when to retry. */
export function heavyRateLimit(limits: RequestLimits): express.RequestHandler[] {
  if (limits.heavyPerMinute <= 0) return [];
  const limiter = rateLimit({
    windowMs: 60_000,
    limit: limits.heavyPerMinute,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res, _next, options) => {
      res.status(429).json({
        error: {
          message: `too many heavy analyses from this client: at most ${options.limit} a minute; retry after the time in the RateLimit header (HARMGRID_RATE_LIMIT_PER_MIN)`,
        },
      });
    },
  });
  return [limiter];
}
