import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { authorise, callerOf, type Access, type Caller } from './access';
import { HttpError } from './httpError';
import { toCsv } from '../domain/csv';
import { InsufficientDataError } from '../domain/errors';
import { QueryAbandonedError } from '../db/connection';

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
  handler: (ctx: { query: Q; params: P; body: B; caller: Caller; req: Request; res: Response }) => Promise<unknown>;
}

/**
 * Every route is declared once here: its zod schemas validate the request and generate the OpenAPI
 * document, and `authorise` sees every call, so the contract, the errors and the docs cannot drift.
 */
export class Api {
  readonly router = express.Router();
  private readonly registry = new OpenAPIRegistry();

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
      const result = await spec.handler({ query, params, body, caller, req, res });
      if (!res.headersSent && result !== undefined) res.json(result);
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

/** PostgreSQL error classes that mean "a value the caller sent does not fit" (22: data exception). */
const DATA_EXCEPTION = /^22/;

/**
 * Turns any error into the JSON error shape: HttpError as it says, data the statistic cannot use
 * (InsufficientDataError) 422, an abandoned or timed-out request 503, a value out of range for the
 * database 400 (a backstop: the schemas refuse such values first). Anything else is logged in one
 * line with its stack and answered 500 with no detail, so no stack trace reaches a client.
 */
export function errorMiddleware(err: unknown, req: Request, res: Response, _next: express.NextFunction): void {
  const e = err as { type?: string; status?: number; message?: string; code?: string; name?: string };
  if (res.headersSent) {
    // The answer was already sent (the time limit answered 503, or a stream had begun): nothing more to say.
    if (!(err instanceof QueryAbandonedError)) console.error(`harmgrid: ${req.method} ${req.originalUrl} failed after its answer began: ${(e?.message ?? String(err)).split(' - ').pop()}`);
    res.end();
    return;
  }
  if (req.destroyed && (e?.message === 'aborted' || e?.code === 'ECONNRESET')) {
    // The client went away mid-request (a killed upload): no one to answer; its temporary file is already removed.
    console.error(`harmgrid: ${req.method} ${req.originalUrl}: the client disconnected`);
    return;
  }
  let status = 500;
  let body: { message: string; issues?: unknown } = { message: 'internal error; the server log has the details' };
  if (err instanceof HttpError) {
    status = err.status;
    body = { message: err.message, ...(err.details ? { issues: err.details } : {}) };
  } else if (err instanceof InsufficientDataError) {
    status = 422;
    body = { message: err.message };
  } else if (err instanceof QueryAbandonedError || e?.code === '57014') {
    status = 503;
    body = { message: `the request was stopped: ${e?.code === '57014' ? 'a database statement ran over the time limit' : (err as Error).message}; ask for a shorter period, a coarser resolution or a smaller area` };
  } else if (e?.type === 'entity.parse.failed' || e?.type === 'entity.too.large' || e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    status = e.status ?? 400;
    body = { message: `request body: ${e.message}` };
  } else if (typeof e?.code === 'string' && DATA_EXCEPTION.test(e.code)) {
    status = 400;
    body = { message: `a value in the request is out of range for the database (${(e.message ?? '').split(' - ').pop()})` };
    console.error(`harmgrid: ${req.method} ${req.originalUrl}: a value reached the database unvalidated: ${e.message?.split(' - ').pop()}`);
  }
  if (status === 500) console.error(`harmgrid: ${req.method} ${req.originalUrl} failed:`, err);
  res.status(status).json({ error: body });
}

/** Sends rows as a spreadsheet-safe CSV download; export routes answer through here. */
export function sendCsv(res: Response, fileName: string, rows: Record<string, unknown>[]): undefined {
  res.type('text/csv').attachment(fileName).send(toCsv(rows));
  return undefined;
}
