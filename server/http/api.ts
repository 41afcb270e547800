import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { authorise, callerOf, type Access, type Caller } from './access';
import { AnswerCache } from './answerCache';
import { HttpError } from './httpError';
import { toCsv } from '../domain/csv';
import { DomainError, type DomainErrorKind } from '../domain/errors';

extendZodWithOpenApi(z);

export { HttpError };

export const errorSchema = z.object({
  error: z.object({
    message: z.string(),
    issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
}).meta({ id: 'Error' });

interface RouteSpec<Q, P, B> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path, e.g. /api/cells/:cell/series */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  access: Access;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  body?: ZodType<B>;
  /** Request body read by the handler itself (streamed uploads); documented with this media type. */
  rawBody?: { contentType: string; description: string };
  response: { description: string; schema?: ZodType; contentType?: string };
  /**
   * The answer depends only on the stored data and the request: kept in the answer cache and sent with
   * an ETag of the data version, so a repeated request (or a 304 revalidation) costs no computation.
   */
  cache?: boolean;
  handler: (ctx: { query: Q; params: P; body: B; caller: Caller; req: Request; res: Response }) => Promise<unknown>;
}

/**
 * Every route is declared once here: its zod schemas validate the request and generate the OpenAPI
 * document, and `authorise` sees every call, so the contract, the errors and the docs cannot drift.
 */
export class Api {
  readonly router = express.Router();
  private readonly registry = new OpenAPIRegistry();
  private readonly answers = new AnswerCache();

  /** `dataVersion` reads the stored data's version; without it nothing is cached. */
  constructor(private readonly opts: { dataVersion?: () => Promise<number> } = {}) {}

  add<Q = undefined, P = undefined, B = undefined>(spec: RouteSpec<Q, P, B>): void {
    const openapiPath = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    this.registry.registerPath({
      method: spec.method,
      path: openapiPath,
      summary: spec.summary,
      description: spec.description,
      tags: [spec.tag],
      request: {
        ...(spec.query ? { query: spec.query as never } : {}),
        ...(spec.params ? { params: spec.params as never } : {}),
        ...(spec.body ? { body: { content: { 'application/json': { schema: spec.body } } } } : {}),
        ...(spec.rawBody ? { body: { description: spec.rawBody.description, content: { [spec.rawBody.contentType]: { schema: z.string() } } } } : {}),
      },
      responses: {
        200: {
          description: spec.response.description,
          ...(spec.response.schema ? { content: { [spec.response.contentType ?? 'application/json']: { schema: spec.response.schema } } } : {}),
        },
        400: { description: 'A parameter is missing or not allowed; the message says which and what is allowed', content: { 'application/json': { schema: errorSchema } } },
        404: { description: 'Not found', content: { 'application/json': { schema: errorSchema } } },
      },
    });
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      const caller = callerOf(req);
      authorise(caller, spec.access);
      const query = spec.query ? parseOrThrow(spec.query, req.query, 'query') : (undefined as Q);
      const params = spec.params ? parseOrThrow(spec.params, req.params, 'path') : (undefined as P);
      const body = spec.body ? parseOrThrow(spec.body, req.body, 'body') : (undefined as B);
      const cached = spec.cache && spec.method === 'get' && this.opts.dataVersion;
      const version = cached ? await this.opts.dataVersion!() : 0;
      const key = `${caller.role}|${req.originalUrl}`;
      const etag = `W/"harmgrid-${version}-${caller.role}"`;
      if (cached) {
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'private, no-cache'); // revalidate every time: the data may have changed
        if (req.headers['if-none-match'] === etag) { res.status(304).end(); return; }
        const hit = this.answers.get(key, version);
        if (hit) { res.type(hit.contentType).send(hit.body); return; }
      }
      const result = await spec.handler({ query, params, body, caller, req, res });
      if (res.headersSent || result === undefined) return;
      if (!cached) { res.json(result); return; }
      const text = JSON.stringify(result);
      const contentType = String(res.getHeader('Content-Type') ?? 'application/json; charset=utf-8');
      this.answers.set(key, version, text, contentType);
      res.type(contentType).send(text);
    });
  }

  document(info: { title: string; version: string; description: string }): object {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({ openapi: '3.1.0', info });
  }
}

function parseOrThrow<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || where, message: i.message }));
  throw new HttpError(400, `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/** The status each domain error is answered with. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = { invalid: 400, not_found: 404, conflict: 409, unprocessable: 422, unavailable: 503 };

/** Turns any error into the JSON error shape; unexpected ones are logged and answered with 500. */
export function errorMiddleware(err: unknown, _req: Request, res: Response, _next: express.NextFunction): void {
  if (err instanceof HttpError) {
    res.status(err.status).json({ error: { message: err.message, ...(err.details ? { issues: err.details } : {}) } });
    return;
  }
  if (err instanceof DomainError) {
    res.status(DOMAIN_STATUS[err.kind]).json({ error: { message: err.message, ...(err.details ? { issues: err.details } : {}) } });
    return;
  }
  const e = err as { type?: string; status?: number; message?: string };
  if (e?.type === 'entity.parse.failed' || e?.type === 'entity.too.large') {
    res.status(e.status ?? 400).json({ error: { message: `request body: ${e.message}` } });
    return;
  }
  console.error(err);
  res.status(500).json({ error: { message: 'internal error; the server log has the details' } });
}

/** Sends rows as a spreadsheet-safe CSV download; export routes answer through here. */
export function sendCsv(res: Response, fileName: string, rows: Record<string, unknown>[]): undefined {
  res.type('text/csv').attachment(fileName).send(toCsv(rows));
  return undefined;
}
