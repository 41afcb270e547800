import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import express, { type Request, type Response } from 'express';
import { z, type ZodType } from 'zod';
import { ACCESS_POLICY, AUDITED_KINDS, PUBLIC_SOURCES_ONLY, auditorOf, authorise, callerOf, type Access, type Caller, type Role } from './access';
import { PUBLIC_SOURCES, sourceSensitivity } from '../domain/sources';
import { analysisQuery } from './schemas';
import { AnswerCache, type Answer } from './answerCache';
import { HttpError } from './httpError';
import { csvCell, toCsv } from '../domain/csv';
import { DomainError, type DomainErrorKind } from '../domain/errors';
import { QueryAbandonedError } from '../db/connection';
import { DISCLOSURE_CONTROLLED } from '../domain/roles';
import { currentDisclosure, disclosureContext, disclosureRulesFromEnv } from '../services/disclosure';
import { rulesText } from '../domain/disclosure';

extendZodWithOpenApi(z);

export { HttpError };

export const errorSchema = z
  .object({
    error: z.object({
      message: z.string(),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

interface RouteSpec<Q, P, B> {
  method: 'get' | 'post' | 'put' | 'delete';
  /** Express-style path, e.g. /api/cells/:cell/series */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  /** What the route does with the data: decides the roles (ACCESS_POLICY) and whether calls are audited. */
  access: Access;
  /** Who may call it, when not the access kind's roles (e.g. site editing for designing-out-crime officers). */
  roles?: readonly Role[];
  /** Audit every call even though the access kind is not audited (the audit trail's own export). */
  audit?: boolean;
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
  /**
   * The route presents protected figures to disclosure-controlled callers (server/domain/disclosure.ts):
   * its answers over restricted sources are built from protected units and carry the rules. Without
   * it such a caller is given public sources only (server/services/disclosure.ts).
   */
  disclosure?: boolean;
  handler: (ctx: { query: Q; params: P; body: B; caller: Caller; req: Request; res: Response }) => Promise<unknown>;
}

/**
 * Every route is declared once here: its zod schemas validate the request and generate the OpenAPI
 * document, and `authorise` sees every call with the roles declared here (shown as x-roles), so the
 * contract, the errors, the permissions and the docs cannot drift. Exports, record-level reads and
 * changes are written to the audit trail here, once, before the response leaves.
 */
export class Api {
  readonly router = express.Router();
  private readonly registry = new OpenAPIRegistry();
  private readonly answers = new AnswerCache();

  /** `dataVersion` reads the stored data's version; without it nothing is cached. */
  constructor(private readonly opts: { dataVersion?: () => Promise<number> } = {}) {
    this.registry.registerComponent('securitySchemes', 'session', {
      type: 'apiKey',
      in: 'cookie',
      name: 'harmgrid_session',
      description: 'Set by signing in (/sign-in: password or single sign-on); __Host-harmgrid_session behind TLS',
    });
    this.registry.registerComponent('securitySchemes', 'token', {
      type: 'http',
      scheme: 'bearer',
      description: 'API token (hg_…), scoped to access kinds, expiring; POST /api/tokens',
    });
  }

  /** The roles that may call a route: its own, or its access kind's; viewers only where a public source can be chosen. */
  static rolesOf(spec: { access: Access; roles?: readonly Role[]; query?: ZodType }): readonly Role[] {
    const roles = spec.roles ?? ACCESS_POLICY[spec.access];
    return spec.access === 'read' && !narrowsSources(spec.query) ? roles.filter((r) => !PUBLIC_SOURCES_ONLY.has(r)) : roles;
  }

  add<Q = undefined, P = undefined, B = undefined>(spec: RouteSpec<Q, P, B>): void {
    const openapiPath = spec.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const roles = Api.rolesOf(spec as { access: Access; roles?: readonly Role[]; query?: ZodType });
    const audited = spec.audit === true || AUDITED_KINDS.has(spec.access) || (spec.method !== 'get' && ['write', 'admin', 'self'].includes(spec.access));
    this.registry.registerPath({
      method: spec.method,
      path: openapiPath,
      summary: spec.summary,
      description: spec.description,
      tags: [spec.tag],
      'x-access': spec.access,
      'x-roles': roles,
      'x-audited': audited,
      // Whether a partner's answer over restricted sources is protected here, or narrowed to public sources.
      ...(spec.access !== 'anonymous' && spec.access !== 'public' && spec.access !== 'self' && roles.some((r) => DISCLOSURE_CONTROLLED.has(r))
        ? { 'x-disclosure': spec.disclosure === true ? 'protected' : 'public sources only' }
        : {}),
      security: spec.access === 'anonymous' ? [] : [{ session: [] }, { token: [] }],
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
        400: {
          description: 'A parameter is missing or not allowed; the message says which and what is allowed',
          content: { 'application/json': { schema: errorSchema } },
        },
        ...(spec.access === 'anonymous'
          ? {}
          : {
              401: {
                description: 'Nobody is signed in (beyond loopback single-user mode), or the API token is unknown, revoked or expired',
                content: { 'application/json': { schema: errorSchema } },
              },
              403: {
                description: `Signed in, but not as ${roles.join(', ')} (or the token is not scoped for ${spec.access})`,
                content: { 'application/json': { schema: errorSchema } },
              },
            }),
        404: { description: 'Not found', content: { 'application/json': { schema: errorSchema } } },
      },
    } as Parameters<OpenAPIRegistry['registerPath']>[0]);
    const handle = async (req: Request, res: Response, caller: Caller | null) => {
      authorise(caller, spec.access, roles);
      const query = spec.query ? scopeToForces(parseOrThrow(spec.query, req.query, 'query'), spec.query, caller) : (undefined as Q);
      if (caller && PUBLIC_SOURCES_ONLY.has(caller.role) && narrowsSources(spec.query)) narrowToPublic(query as { source?: string[] });
      const params = spec.params ? parseOrThrow(spec.params, req.params, 'path') : (undefined as P);
      const body = spec.body ? parseOrThrow(spec.body, req.body, 'body') : (undefined as B);
      const who = caller ? `${caller.role}:${caller.forces === 'all' ? '*' : caller.forces.join(',')}` : 'nobody';
      const cached = Boolean(spec.cache && spec.method === 'get' && this.opts.dataVersion);
      const version = cached ? await this.opts.dataVersion!() : 0;
      const key = `${who}|${req.originalUrl}`;
      if (cached && !audited) {
        const etag = `W/"harmgrid-${version}-${who}"`;
        res.setHeader('ETag', etag);
        res.setHeader('Cache-Control', 'private, no-cache'); // revalidate every time: the data may have changed
        if (req.headers['if-none-match'] === etag) {
          res.status(304).end();
          return;
        }
      }
      // A record-level or exported answer is not to be stored by the browser (nor revalidated: every read has its entry).
      if (audited) res.setHeader('Cache-Control', 'no-store');
      const hit = cached ? this.answers.get(key, version) : undefined;
      // Says whether the answer was kept or computed (operators, the bench, tests); for audited answers the audit entry says it instead.
      if (cached && !audited) res.setHeader('X-Answer-Cache', hit ? 'hit' : 'miss');
      if (hit) {
        if (audited) await this.audit(spec, req, res, caller, hit.rows, true);
        sendAnswer(req, res, hit);
        return;
      }
      if (!audited) {
        const result = await spec.handler({ query, params, body, caller: caller!, req, res });
        if (res.headersSent || result === undefined) return;
        checkResponse(spec, result);
        // A Buffer is sent as it is (a vector tile, with the type the handler set); anything else as JSON.
        const binary = Buffer.isBuffer(result);
        if (!cached) {
          if (binary) res.send(result);
          else res.json(result);
          return;
        }
        const answer = await AnswerCache.withGzip({ body: binary ? result : JSON.stringify(result), headers: describingHeaders(res), rows: null });
        this.answers.set(key, version, answer);
        sendAnswer(req, res, answer);
        return;
      }
      // Hold back what the handler sends until its audit entry is stored: no entry, no data.
      const send = res.send.bind(res);
      let held: { body: unknown } | undefined;
      res.send = ((b: unknown) => {
        held = { body: b };
        return res;
      }) as Response['send'];
      let result: unknown;
      try {
        result = await spec.handler({ query, params, body, caller: caller!, req, res });
      } finally {
        res.send = send;
      }
      if (!held && result === undefined) return;
      if (!held) checkResponse(spec, result);
      const rows = (res.locals.auditRows as number | undefined) ?? (held ? null : countRows(result));
      await this.audit(spec, req, res, caller, rows, cached ? false : undefined);
      const sent = held ? held.body : JSON.stringify(result);
      if (!held && !res.getHeader('Content-Type')) res.type('application/json; charset=utf-8'); // a handler may have set its own (GeoJSON)
      // A page or file the handler sent itself is kept with the headers that describe it.
      if (cached && res.statusCode === 200 && (typeof sent === 'string' || Buffer.isBuffer(sent))) {
        const answer = await AnswerCache.withGzip({ body: sent, headers: describingHeaders(res), rows });
        this.answers.set(key, version, answer);
        sendAnswer(req, res, answer);
        return;
      }
      send(sent as never);
    };
    this.router[spec.method](spec.path, async (req: Request, res: Response) => {
      const caller = await callerOf(req, res);
      const controlled = Boolean(caller && DISCLOSURE_CONTROLLED.has(caller.role));
      await disclosureContext.run({ controlled, protectedRoute: spec.disclosure === true }, () => handle(req, res, caller));
    });
  }

  /** Writes the audit entry of one call (before its answer leaves); the route's path and parameters say what was read. */
  private async audit(
    spec: { access: Access; method: string; path: string },
    req: Request,
    res: Response,
    caller: Caller | null,
    rows: number | null,
    kept?: boolean,
  ): Promise<void> {
    const auditor = auditorOf(res);
    if (!auditor) throw new Error(`${spec.path} is audited but the app has no audit trail mounted`);
    await auditor(caller, {
      action: auditAction(spec.access, spec.method),
      target: `${spec.method.toUpperCase()} ${req.originalUrl}`.slice(0, 2000),
      rows,
      detail: {
        route: `${spec.method.toUpperCase()} ${spec.path}`,
        access: spec.access,
        ...(req.params && Object.keys(req.params).length ? { params: req.params } : {}),
        // Whether the answer sent was one kept from an earlier read (the same data version) or computed for this one.
        ...(kept === undefined ? {} : { answer: kept ? 'kept' : 'computed' }),
      },
    });
  }

  document(info: { title: string; version: string; description: string }): object {
    return new OpenApiGeneratorV31(this.registry.definitions).generateDocument({ openapi: '3.1.0', info });
  }
}

/** Sends a kept answer: gzipped as it was kept when the caller accepts gzip (the compression middleware leaves an encoded body alone). */
function sendAnswer(req: Request, res: Response, answer: Answer): void {
  res.set(answer.headers);
  res.vary('Accept-Encoding');
  if (answer.gzip && req.acceptsEncodings('gzip')) {
    res.setHeader('Content-Encoding', 'gzip');
    res.send(answer.gzip);
  } else res.send(answer.body);
}

/** The headers a kept answer is sent again with: what it is, and how a printable page or a download is shown. */
function describingHeaders(res: Response): Record<string, string> {
  const headers: Record<string, string> = { 'Content-Type': String(res.getHeader('Content-Type') ?? 'application/json; charset=utf-8') };
  for (const name of ['Content-Security-Policy', 'Content-Disposition']) {
    const value = res.getHeader(name);
    if (value !== undefined) headers[name] = String(value);
  }
  return headers;
}

/** True when the route's query takes the shared `source` list, so a viewer's query can be narrowed to public sources. */
function narrowsSources(query: ZodType | undefined): boolean {
  const shape = (query as { shape?: Record<string, unknown> } | undefined)?.shape;
  return Boolean(shape && shape.source === analysisQuery.shape.source);
}

function narrowToPublic(query: { source?: string[] }): void {
  const restricted = (query.source ?? []).filter((s) => sourceSensitivity(s) === 'restricted');
  if (restricted.length) throw new HttpError(403, `a viewer sees public sources only (${PUBLIC_SOURCES.join(', ')}); not ${restricted.join(', ')}`);
  query.source = query.source?.length ? query.source : [...PUBLIC_SOURCES];
}

function auditAction(access: Access, method: string): string {
  if (method === 'delete') return 'delete';
  if (access === 'record' || access === 'site-review') return 'record-read';
  if (access === 'export' || access === 'record-export') return 'export';
  return access; // import, definition, write, admin, self
}

/** Rows in a JSON answer: the array itself, a GeoJSON collection's features, or the first list it holds. */
function countRows(result: unknown): number | null {
  if (Array.isArray(result)) return result.length;
  if (result && typeof result === 'object') {
    const o = result as Record<string, unknown>;
    if (Array.isArray(o.features)) return o.features.length;
    for (const v of Object.values(o)) if (Array.isArray(v)) return v.length;
    return 1;
  }
  return null;
}

/**
 * The answer is checked against the route's response schema, the contract the OpenAPI document and
 * the web client share. A mismatch is a defect of harmgrid, not of the request: it is logged with the
 * route and the first problems, and under the test runner it fails the request so tests catch it.
 */
function checkResponse(spec: { method: string; path: string; response: { schema?: ZodType } }, result: unknown): void {
  const schema = spec.response.schema;
  if (!schema) return;
  const r = schema.safeParse(result);
  if (r.success) return;
  const problems = r.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`)
    .join('; ');
  console.error(`harmgrid: ${spec.method.toUpperCase()} ${spec.path} answered outside its response schema: ${problems}`);
  if (process.env.VITEST) throw new Error(`${spec.method.toUpperCase()} ${spec.path} answered outside its response schema: ${problems}`);
}

/**
 * A caller whose account is scoped to some forces asks only about those: a query without `force`
 * gets their force when they have one, and naming another force (or all) is refused.
 */
function scopeToForces<T>(query: T, schema: ZodType, caller: Caller | null | undefined): T {
  const shape = (schema as unknown as { shape?: Record<string, unknown> }).shape;
  if (!caller || caller.forces === 'all' || !shape || !('force' in shape)) return query;
  const q = query as T & { force?: string };
  if (q.force === undefined) {
    if (caller.forces.length === 1) return { ...q, force: caller.forces[0] };
    throw new HttpError(400, `your account covers ${caller.forces.length} forces (${caller.forces.join(', ')}); choose one with force=`);
  }
  if (!caller.forces.includes(q.force.toUpperCase())) {
    throw new HttpError(403, `your account covers ${caller.forces.join(', ') || 'no force'}; it may not ask about ${q.force}`);
  }
  return q;
}

function parseOrThrow<T>(schema: ZodType<T>, value: unknown, where: string): T {
  const result = schema.safeParse(value ?? {});
  if (result.success) return result.data;
  const issues = actionable(result.error.issues).map((i) => ({ path: i.path || where, message: i.message }));
  throw new HttpError(400, `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues);
}

/**
 * Issues a person can act on: a value that fits none of a union's forms (a zone, or a GeoJSON Feature
 * of one) is reported by the form it came closest to (fewest problems), field by field, rather than
 * as zod's bare "Invalid input".
 */
function actionable(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): { path: string; message: string }[] {
  return issues.flatMap((i) => {
    const path = [...prefix, ...i.path];
    if (i.code === 'invalid_union' && i.errors.length > 0) {
      const closest = i.errors.reduce((best, e) => (e.length < best.length ? e : best));
      return actionable(closest, path);
    }
    return [{ path: path.map(String).join('.'), message: i.message }];
  });
}

/** The status each domain error is answered with. */
const DOMAIN_STATUS: Record<DomainErrorKind, number> = { invalid: 400, forbidden: 403, not_found: 404, conflict: 409, unprocessable: 422, unavailable: 503 };

/** PostgreSQL error classes that mean "a value the caller sent does not fit" (22: data exception). */
const DATA_EXCEPTION = /^22/;

/**
 * Turns any error into the JSON error shape: HttpError as it says, data the statistic cannot use
 * (a DomainError: by its kind, e.g. insufficient data 422), an abandoned or timed-out request 503, a value out of range for the
 * database 400 (a backstop: the schemas refuse such values first). Anything else is logged in one
 * line with its stack and answered 500 with no detail, so no stack trace reaches a client.
 */
export function errorMiddleware(err: unknown, req: Request, res: Response, _next: express.NextFunction): void {
  const e = err as { type?: string; status?: number; message?: string; code?: string; name?: string };
  if (res.headersSent) {
    // The answer was already sent (the time limit answered 503, or a stream had begun): nothing more to say.
    if (!(err instanceof QueryAbandonedError))
      console.error(`harmgrid: ${req.method} ${req.originalUrl} failed after its answer began: ${(e?.message ?? String(err)).split(' - ').pop()}`);
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
  } else if (err instanceof DomainError) {
    status = DOMAIN_STATUS[err.kind];
    body = { message: err.message, ...(err.details ? { issues: err.details } : {}) };
  } else if (err instanceof QueryAbandonedError || e?.code === '57014') {
    status = 503;
    body = {
      message: `the request was stopped: ${e?.code === '57014' ? 'a database statement ran over the time limit' : (err as Error).message}; ask for a shorter period, a coarser resolution or a smaller area`,
    };
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

/**
 * Sends rows as a spreadsheet-safe CSV download; export routes answer through here. `preamble` lines
 * (the disclosure rules of a partner's protected export) come first, each one cell, then a blank line.
 */
export function sendCsv(res: Response, fileName: string, rows: Record<string, unknown>[], preamble: string[] = []): undefined {
  res.locals.auditRows = rows.length;
  const ctx = currentDisclosure();
  if (ctx?.controlled && !ctx.protectedRoute && preamble.length === 0) {
    // Not built from protected units: a partner's copy is of public sources only, and says so.
    preamble = [
      `# Disclosure control: as a partner you are given public sources only (${PUBLIC_SOURCES.join(', ')}) in this file. ${rulesText(disclosureRulesFromEnv())}`,
    ];
  }
  const head = preamble.length ? `${preamble.map((line) => csvCell(line)).join('\r\n')}\r\n\r\n` : '';
  res
    .type('text/csv')
    .attachment(fileName)
    .send(head + toCsv(rows));
  return undefined;
}
