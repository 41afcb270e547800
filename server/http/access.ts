import type { Request, Response } from 'express';
import { HttpError } from './httpError';
import type { Access, Caller, Role } from '../domain/roles';

export * from '../domain/roles';

const RESOLVER = 'harmgridCaller';

/** Set once per request by the sign-in middleware (routes/auth.ts); resolved at most once, when a route asks. */
export function setCallerResolver(res: Response, resolve: () => Promise<Caller | null>): void {
  let memo: Promise<Caller | null> | undefined;
  res.locals[RESOLVER] = () => (memo ??= resolve());
}

/** The caller of this request, or null when nobody is signed in (no resolver: an app without sign-in, refused). */
export async function callerOf(_req: Request, res: Response): Promise<Caller | null> {
  const resolve = res.locals[RESOLVER] as (() => Promise<Caller | null>) | undefined;
  return resolve ? resolve() : null;
}

/** The one place that decides whether a caller may use a route: 401 without identity, 403 without the role or token scope. */
export function authorise(caller: Caller | null, access: Access, roles: readonly Role[]): void {
  if (access === 'anonymous') return;
  if (!caller) throw new HttpError(401, 'sign in first: /sign-in, or send an API token as "Authorization: Bearer …"');
  if (!roles.includes(caller.role)) throw new HttpError(403, `a ${caller.role} may not use this route (${access}; allowed: ${roles.join(', ')})`);
  if (caller.scopes && !caller.scopes.includes(access))
    throw new HttpError(403, `this API token is not scoped for ${access} (its scopes: ${caller.scopes.join(', ')})`);
}

/** Writes one audit entry for the caller; set per request by the sign-in middleware alongside the caller. */
export type Auditor = (
  caller: Caller | null,
  entry: { action: string; target: string; rows: number | null; detail: Record<string, unknown> | null },
) => Promise<void>;

const AUDITOR = 'harmgridAuditor';

export function setAuditor(res: Response, auditor: Auditor): void {
  res.locals[AUDITOR] = auditor;
}

export function auditorOf(res: Response): Auditor | undefined {
  return res.locals[AUDITOR] as Auditor | undefined;
}
