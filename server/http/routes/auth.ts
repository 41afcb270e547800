import express, { type Request, type Response } from 'express';
import { z } from 'zod';
import { isLoopback } from '../../authConfig';
import type { Config } from '../../config';
import type { Db } from '../../db/connection';
import type { TokenRecord, UserRecord } from '../../db/users';
import { verifyChain } from '../../domain/audit';
import { DISCLOSURE_CONTROLLED, ROLES, TOKEN_SCOPES, type Caller } from '../../domain/roles';
import { rulesText } from '../../domain/disclosure';
import { disclosureRulesFromEnv } from '../../services/disclosure';
import { AuthError, AuthService, SINGLE_USER, TOKEN_PREFIX } from '../../services/auth';
import { callerOf, setAuditor, setCallerResolver } from '../access';
import { sendCsv, type Api } from '../api';
import { HttpError } from '../httpError';
import { signInPage } from '../pages/signIn';

const STATUS: Record<AuthError['kind'], number> = { unauthenticated: 401, forbidden: 403, throttled: 429, invalid: 400, 'not-found': 404, conflict: 409 };

/** Answers a refusal of the auth service with its status (and Retry-After when throttled). */
async function guard<T>(res: Response, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (!(e instanceof AuthError)) throw e;
    if (e.retryAfterSeconds) res.setHeader('Retry-After', String(e.retryAfterSeconds));
    throw new HttpError(STATUS[e.kind], e.message);
  }
}

function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/** Only a path on this site may follow sign-in (no open redirect to another site). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Sign-in for the whole app: the Host check (DNS rebinding), the cross-site request check (CSRF) and
 * who the caller is, then the sign-in, account, token and audit routes. Mounted first in createApp.
 */
export function mountAuth(app: express.Express, api: Api, db: Db, config: Config): AuthService {
  const auth = new AuthService(db, config.auth);
  const secure = Boolean(config.auth.publicUrl?.startsWith('https:'));
  const sessionCookie = secure ? '__Host-harmgrid_session' : 'harmgrid_session';
  const flowCookie = secure ? '__Host-harmgrid_sso' : 'harmgrid_sso';
  const loopbackOnly = isLoopback(config.host);
  const allowedHosts = new Set([...config.auth.allowedHosts, ...(loopbackOnly ? ['localhost', '127.0.0.1', '[::1]', '::1'] : [])]);
  const publicOrigin = config.auth.publicUrl ? new URL(config.auth.publicUrl).origin : undefined;
  if (config.auth.trustProxy) app.set('trust proxy', 'loopback, linklocal, uniquelocal');

  const cookie = (res: Response, name: string, value: string, maxAgeSeconds: number, path = '/') => {
    res.append('Set-Cookie', `${name}=${encodeURIComponent(value)}; Path=${path}; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`);
  };

  app.use((req, res, next) => {
    // DNS rebinding: a page on another name that resolves to this machine sends that name as Host.
    const host = req.hostname?.toLowerCase();
    if (!host || !allowedHosts.has(host)) {
      next(
        new HttpError(
          421,
          `this service does not answer to the host name "${host ?? ''}"; allowed: ${[...allowedHosts].join(', ')} (HARMGRID_PUBLIC_URL, HARMGRID_ALLOWED_HOSTS)`,
        ),
      );
      return;
    }
    // CSRF: a browser always says where a cross-site request comes from (Origin, Sec-Fetch-Site);
    // requests with a bearer token are not sent by browsers on their own, so they need no check.
    if (!SAFE_METHODS.has(req.method) && !req.get('authorization')) {
      const site = req.get('sec-fetch-site');
      // A form posted under "Referrer-Policy: no-referrer" (helmet's default) carries "Origin: null" even
      // from this site's own sign-in page; Sec-Fetch-Site, which no page can set, then says where it came from.
      const origin = req.get('origin') === 'null' && site === 'same-origin' ? undefined : req.get('origin');
      const own = [`${req.protocol}://${req.host}`, ...(publicOrigin ? [publicOrigin] : [])];
      if ((origin !== undefined && !own.includes(origin)) || (origin === undefined && site !== undefined && site !== 'same-origin' && site !== 'none')) {
        next(new HttpError(403, `cross-site ${req.method} refused: the request came from ${origin ?? site}, not from this site`));
        return;
      }
    }
    setCallerResolver(res, async () => {
      const authorization = req.get('authorization');
      if (authorization) {
        const m = /^Bearer\s+(\S+)$/i.exec(authorization);
        if (!m || !m[1]!.startsWith(TOKEN_PREFIX)) throw new HttpError(401, 'Authorization must be "Bearer hg_…" (an API token)');
        return guard(res, () => auth.callerFromToken(m[1]!));
      }
      const sid = readCookie(req, sessionCookie);
      const fromSession = sid ? await auth.callerFromSession(sid) : null;
      if (fromSession) return fromSession;
      // Single-user mode: the server listens on loopback, the request comes from this machine, no accounts exist.
      if (loopbackOnly && isLoopback(req.socket.remoteAddress ?? '') && (await auth.singleUserMode())) return SINGLE_USER;
      return null;
    });
    setAuditor(res, (caller, entry) => auth.record(caller, entry));
    // The web app's page itself holds no data, but sends someone not signed in to the sign-in page first.
    if (req.method === 'GET' && (req.path === '/' || req.path === '/index.html')) {
      callerOf(req, res).then((c) => (c ? next() : res.redirect(303, `/sign-in?next=${encodeURIComponent(req.originalUrl)}`)), next);
      return;
    }
    next();
  });
  app.use('/api/auth/sign-in', express.urlencoded({ extended: false, limit: '16kb' }));

  authRoutes(api, auth, { sessionCookie, flowCookie, cookie });
  accountRoutes(api, auth);
  return auth;
}

interface CookieNames {
  sessionCookie: string;
  flowCookie: string;
  cookie: (res: Response, name: string, value: string, maxAgeSeconds: number, path?: string) => void;
}

const callerOut = z
  .object({
    userId: z.number().nullable(),
    name: z.string(),
    role: z.enum(ROLES),
    forces: z.union([z.array(z.string()), z.literal('all')]),
    via: z.enum(['session', 'token', 'single-user']),
    scopes: z.array(z.enum(TOKEN_SCOPES)).optional(),
    disclosure: z
      .object({ rules: z.string(), threshold: z.number(), base: z.number(), resolution: z.number(), minAreaKm2: z.number() })
      .nullable()
      .optional()
      .describe("the disclosure control rules when the caller's answers over restricted sources are protected (partners), else null"),
  })
  .meta({ id: 'Caller' });

function authRoutes(api: Api, auth: AuthService, { sessionCookie, flowCookie, cookie }: CookieNames): void {
  const address = (req: Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
  const origin = (req: Request) => `${req.protocol}://${req.host}`;

  api.add({
    method: 'get',
    path: '/sign-in',
    tag: 'sign-in',
    access: 'anonymous',
    summary: 'The sign-in page: harmgrid account, or single sign-on when configured',
    query: z.object({ next: z.string().max(2000).optional(), error: z.string().max(300).optional() }).strict(),
    response: { description: 'HTML page', contentType: 'text/html' },
    handler: async ({ query, req, res }) => {
      const caller = await callerOf(req, res).catch(() => null);
      res.type('text/html; charset=utf-8').send(
        signInPage({
          next: safeNext(query.next),
          error: query.error ?? null,
          singleSignOn: auth.config.oidc?.label ?? null,
          signedInAs: caller ? `${caller.name} (${caller.role})` : null,
        }),
      );
      return undefined;
    },
  });

  api.add({
    method: 'post',
    path: '/api/auth/sign-in',
    tag: 'sign-in',
    access: 'anonymous',
    summary: 'Sign in with a harmgrid account (JSON, or the sign-in form); sets the session cookie',
    description: 'Failed sign-ins are throttled per user name and per address (429 with Retry-After).',
    body: z.object({ username: z.string().min(1).max(200), password: z.string().min(1).max(1024), next: z.string().max(2000).optional() }).strict(),
    response: { description: 'who is signed in', schema: z.object({ caller: callerOut, expiresAt: z.string() }) },
    handler: async ({ body, req, res }) => {
      const fromForm = req.is('application/x-www-form-urlencoded');
      try {
        const s = await guard(res, () => auth.signInWithPassword(body.username, body.password, address(req)));
        cookie(res, sessionCookie, s.sessionId, auth.config.sessionHours * 3600);
        if (fromForm) {
          res.redirect(303, safeNext(body.next));
          return undefined;
        }
        const caller = (await auth.callerFromSession(s.sessionId))!;
        return { caller, expiresAt: s.expiresAt.toISOString() };
      } catch (e) {
        if (!fromForm || !(e instanceof HttpError)) throw e;
        res.redirect(303, `/sign-in?next=${encodeURIComponent(safeNext(body.next))}&error=${encodeURIComponent(e.message)}`);
        return undefined;
      }
    },
  });

  api.add({
    method: 'post',
    path: '/api/auth/sign-out',
    tag: 'sign-in',
    access: 'self',
    summary: 'Sign out: ends the session in the database and clears the cookie',
    response: { description: 'signed out', schema: z.object({ signedOut: z.boolean() }) },
    handler: async ({ caller, req, res }) => {
      const sid = readCookie(req, sessionCookie);
      if (sid) await auth.signOut(sid, caller);
      cookie(res, sessionCookie, '', 0);
      return { signedOut: Boolean(sid) };
    },
  });

  api.add({
    method: 'get',
    path: '/api/auth/me',
    tag: 'sign-in',
    access: 'self',
    summary: 'Who is signed in: name, role, forces, and how (session, API token or single-user mode)',
    response: { description: 'the caller', schema: callerOut },
    handler: async ({ caller }) => {
      if (!DISCLOSURE_CONTROLLED.has(caller.role)) return { ...caller, disclosure: null };
      const rules = disclosureRulesFromEnv();
      return { ...caller, disclosure: { rules: rulesText(rules), ...rules } };
    },
  });

  api.add({
    method: 'get',
    path: '/api/auth/oidc/start',
    tag: 'sign-in',
    access: 'anonymous',
    summary: 'Single sign-on: sends the browser to the identity provider (OpenID Connect, authorization code with PKCE)',
    query: z.object({ next: z.string().max(2000).optional() }).strict(),
    response: { description: 'redirect (303) to the identity provider' },
    handler: async ({ query, req, res }) => {
      const { flowId, url } = await guard(res, () => auth.oidcStart(safeNext(query.next), origin(req)));
      cookie(res, flowCookie, flowId, 600);
      res.redirect(303, url);
      return undefined;
    },
  });

  api.add({
    method: 'get',
    path: '/api/auth/oidc/callback',
    tag: 'sign-in',
    access: 'anonymous',
    summary: 'Single sign-on: where the identity provider returns; checks state, nonce and PKCE, then starts the session',
    query: z
      .object({
        code: z.string().max(4096).optional(),
        state: z.string().max(1024).optional(),
        iss: z.string().max(2000).optional(),
        error: z.string().max(200).optional(),
        error_description: z.string().max(2000).optional(),
        session_state: z.string().max(2000).optional(),
      })
      .strict(),
    response: { description: 'redirect (303) to the page sign-in started from' },
    handler: async ({ query, req, res }) => {
      cookie(res, flowCookie, '', 0);
      if (query.error)
        throw new HttpError(401, `the identity provider refused sign-in: ${query.error}${query.error_description ? ` (${query.error_description})` : ''}`);
      const s = await guard(res, () => auth.oidcCallback(readCookie(req, flowCookie), new URL(req.originalUrl, origin(req)), address(req), origin(req)));
      cookie(res, sessionCookie, s.sessionId, auth.config.sessionHours * 3600);
      res.redirect(303, s.returnTo);
      return undefined;
    },
  });
}

const userOut = z
  .object({
    id: z.number(),
    username: z.string(),
    displayName: z.string(),
    role: z.enum(ROLES),
    forces: z.union([z.array(z.string()), z.literal('all')]),
    hasPassword: z.boolean(),
    singleSignOn: z.boolean(),
    disabled: z.boolean(),
    createdAt: z.string(),
  })
  .meta({ id: 'User' });
const showUser = (u: UserRecord): z.infer<typeof userOut> => ({
  id: u.id,
  username: u.username,
  displayName: u.displayName,
  role: u.role,
  forces: u.forces,
  hasPassword: Boolean(u.passwordHash),
  singleSignOn: Boolean(u.oidcSubject),
  disabled: u.disabled,
  createdAt: u.createdAt,
});
const tokenOut = z
  .object({
    id: z.number(),
    name: z.string(),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    createdAt: z.string(),
    expiresAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .meta({ id: 'ApiToken' });
const showToken = ({ secretHash: _s, userId: _u, ...t }: TokenRecord) => t as z.infer<typeof tokenOut>;

const forcesIn = z.union([z.literal('all'), z.array(z.string().max(64)).max(50)]).describe('force identifiers whose records the user may see, or "all"');
const idParams = z
  .object({
    id: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1),
  })
  .strict();
const auditEntryOut = z
  .object({
    seq: z.number(),
    at: z.string(),
    userId: z.number().nullable(),
    actor: z.string(),
    role: z.string().nullable(),
    via: z.string().nullable(),
    action: z.string(),
    target: z.string(),
    rows: z.number().nullable(),
    detail: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string()), z.record(z.string(), z.string())]))
      .nullable()
      .describe("what the entry is about, by key: the route and its path parameters, a user's id and the fields changed, a sign-in's address"),
    prevHash: z.string(),
    hash: z.string(),
  })
  .meta({ id: 'AuditEntry' });
const chainOut = z.object({
  ok: z.boolean(),
  entries: z.number(),
  firstBadSeq: z.number().nullable(),
  reason: z.string().nullable(),
  anchoredAtCheckpoint: z.number().nullable(),
  head: z.string().nullable().describe('hash of the newest entry: keep a copy elsewhere to detect removal of the newest entries'),
});
const auditQuery = z
  .object({
    from: z.iso.datetime({ offset: true }).optional().describe('entries at or after this time (ISO 8601)'),
    to: z.iso.datetime({ offset: true }).optional().describe('entries before this time'),
    action: z.string().max(40).optional(),
    userId: z.coerce
      .number()
      .int()
      .min(1)
      .max(2 ** 31 - 1)
      .optional(),
    limit: z.coerce.number().int().min(1).max(100_000).optional().describe('the newest N entries'),
  })
  .strict();

function accountRoutes(api: Api, auth: AuthService): void {
  const by = (caller: Caller) => caller;

  api.add({
    method: 'get',
    path: '/api/users',
    tag: 'users',
    access: 'admin',
    summary: 'Every account with its role and forces',
    response: { description: 'users', schema: z.object({ users: z.array(userOut) }) },
    handler: async () => ({ users: (await auth.users.list()).map(showUser) }),
  });
  api.add({
    method: 'post',
    path: '/api/users',
    tag: 'users',
    access: 'admin',
    summary: 'Create an account (a password for local sign-in, or none for single sign-on only)',
    body: z
      .object({
        username: z.string().min(1).max(200),
        displayName: z.string().min(1).max(200).optional(),
        role: z.enum(ROLES),
        forces: forcesIn,
        password: z.string().max(1024).optional(),
      })
      .strict(),
    response: { description: 'the account', schema: userOut },
    handler: async ({ body, caller, res }) => showUser(await guard(res, () => auth.createUser(body, by(caller)))),
  });
  api.add({
    method: 'put',
    path: '/api/users/:id',
    tag: 'users',
    access: 'admin',
    summary: 'Change an account: role, forces, name, password, disabled (ends its sessions)',
    params: idParams,
    body: z
      .object({
        displayName: z.string().min(1).max(200).optional(),
        role: z.enum(ROLES).optional(),
        forces: forcesIn.optional(),
        password: z.string().max(1024).optional(),
        disabled: z.boolean().optional(),
      })
      .strict(),
    response: { description: 'the account', schema: userOut },
    handler: async ({ params, body, caller, res }) => showUser(await guard(res, () => auth.updateUser(params.id, body, by(caller)))),
  });
  api.add({
    method: 'delete',
    path: '/api/users/:id',
    tag: 'users',
    access: 'admin',
    summary: 'Remove an account with its sessions and tokens (its audit entries stay)',
    params: idParams,
    response: { description: 'removed', schema: z.object({ removed: z.number() }) },
    handler: async ({ params, caller, res }) => {
      await guard(res, () => auth.removeUser(params.id, by(caller)));
      return { removed: params.id };
    },
  });

  api.add({
    method: 'get',
    path: '/api/tokens',
    tag: 'tokens',
    access: 'self',
    summary: "The caller's API tokens (never their secrets)",
    response: { description: 'tokens', schema: z.object({ tokens: z.array(tokenOut) }) },
    handler: async ({ caller }) => ({ tokens: caller.userId === null ? [] : (await auth.users.tokensOf(caller.userId)).map(showToken) }),
  });
  api.add({
    method: 'post',
    path: '/api/tokens',
    tag: 'tokens',
    access: 'self',
    summary: 'Create an API token for scripts: scoped to access kinds, expiring; the secret is shown once',
    body: z.object({ name: z.string().min(1).max(100), scopes: z.array(z.enum(TOKEN_SCOPES)).min(1), days: z.number().int().min(1).max(3650) }).strict(),
    response: { description: 'the token, with its secret', schema: z.object({ token: z.string(), record: tokenOut }) },
    handler: async ({ body, caller, res }) => {
      const { token, record } = await guard(res, () => auth.createToken(caller, body));
      return { token, record: showToken(record) };
    },
  });
  api.add({
    method: 'delete',
    path: '/api/tokens/:id',
    tag: 'tokens',
    access: 'self',
    summary: 'Revoke an API token (own tokens; administrators any)',
    params: idParams,
    response: { description: 'revoked', schema: z.object({ revoked: z.number() }) },
    handler: async ({ params, caller, res }) => {
      await guard(res, () => auth.revokeToken(caller, params.id));
      return { revoked: params.id };
    },
  });

  api.add({
    method: 'get',
    path: '/api/audit',
    tag: 'audit',
    access: 'admin',
    summary: 'The audit trail: sign-ins, imports, deletions, definition changes, exports and record-level reads',
    query: auditQuery,
    response: { description: 'entries, oldest first', schema: z.object({ entries: z.array(auditEntryOut) }) },
    handler: async ({ query }) => ({ entries: await auth.audit.list(query) }),
  });
  api.add({
    method: 'get',
    path: '/api/audit.csv',
    tag: 'audit',
    access: 'admin',
    audit: true,
    summary: "The audit trail as a spreadsheet-safe CSV, with each entry's hashes so the chain can be checked elsewhere",
    query: auditQuery,
    response: { description: 'CSV download', contentType: 'text/csv' },
    handler: async ({ query, res }) =>
      sendCsv(
        res,
        'harmgrid-audit.csv',
        (await auth.audit.list(query)).map((e) => ({ ...e, detail: e.detail ? JSON.stringify(e.detail) : '' })),
      ),
  });
  api.add({
    method: 'get',
    path: '/api/audit/verify',
    tag: 'audit',
    access: 'admin',
    summary: 'Checks the whole hash chain: the first entry changed, removed or out of order, if any',
    response: { description: 'the check', schema: chainOut },
    handler: async () => {
      const entries = await auth.audit.list();
      return { ...verifyChain(entries), head: entries.at(-1)?.hash ?? null };
    },
  });
}
