import { createHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import * as oidc from 'openid-client';
import { isLoopback, type AuthConfig, type OidcConfig } from '../authConfig';
import type { Db } from '../db/connection';
import { AuditStore, type NewAuditEntry } from '../db/audit';
import { UserStore, type TokenRecord, type UserRecord } from '../db/users';
import { ROLES, TOKEN_SCOPES, type Access, type Caller, type Role } from '../domain/roles';

/** Why sign-in or an account change was refused; routes/auth.ts answers it with the matching status. */
export class AuthError extends Error {
  constructor(
    readonly kind: 'unauthenticated' | 'forbidden' | 'throttled' | 'invalid' | 'not-found' | 'conflict',
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * Passwords: scrypt (RFC 7914), built into Node, memory-hard like argon2id but with no native add-on to
 * build on locked-down police machines. N = 2^15, r = 8, p = 3 is one of OWASP's Password Storage Cheat
 * Sheet settings for scrypt (32 MiB per hash). Stored as scrypt$N$r$p$salt$hash (base64url), so the cost
 * can be raised later and old hashes still verify.
 */
const SCRYPT = { N: 2 ** 15, r: 8, p: 3, keyLength: 32 } as const;
const MIN_PASSWORD = 12;

function scrypt(password: string, salt: Buffer, keyLength: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scryptCb(password, salt, keyLength, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  if (password.length < MIN_PASSWORD) throw new AuthError('invalid', `a password needs at least ${MIN_PASSWORD} characters`);
  if (password.length > 1024) throw new AuthError('invalid', 'a password may have at most 1024 characters');
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLength, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, maxmem: 64 * 1024 * 1024 });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const expected = Buffer.from(parts[5]!, 'base64url');
  const key = await scrypt(password.slice(0, 1024), Buffer.from(parts[4]!, 'base64url'), expected.length, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 });
  return timingSafeEqual(key, expected);
}

// Verifying against this when the user name is unknown keeps the answer time the same either way.
const DUMMY_HASH = 'scrypt$32768$8$3$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA';

/** Session ids, token secrets and flow ids are 32 random bytes; only their SHA-256 is stored. */
const secret = () => randomBytes(32).toString('base64url');
const sha256 = (v: string) => createHash('sha256').update(v).digest('hex');

export const TOKEN_PREFIX = 'hg_';

export function callerFor(user: UserRecord, via: Caller['via'], scopes?: readonly Access[]): Caller {
  return { userId: user.id, name: user.displayName, role: user.role, forces: user.forces, via, ...(scopes ? { scopes } : {}) };
}

/** The one local analyst of single-user mode: on loopback, with no accounts, they administer their own copy. */
export const SINGLE_USER: Caller = Object.freeze({
  userId: null,
  name: 'local analyst (single-user mode)',
  role: 'administrator',
  forces: 'all',
  via: 'single-user',
});

/** A force is named by its ONS police force area code (geodata/forces.json), as force= takes it. */
export const FORCE_ID = /^[EW]\d{8}$/;

function checkForces(forces: string[] | 'all'): void {
  if (forces === 'all') return;
  const bad = forces.filter((f) => !FORCE_ID.test(f));
  if (bad.length)
    throw new AuthError('invalid', `forces are ONS police force area codes such as E23000004; got ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
}

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) throw new AuthError('invalid', `unknown role "${role}"; roles: ${ROLES.join(', ')}`);
  return role as Role;
}

export interface SignedIn {
  /** The cookie value (never stored). */
  sessionId: string;
  user: UserRecord;
  expiresAt: Date;
}

/**
 * Sign-in and identity: local accounts, OpenID Connect single sign-on (authorization code with PKCE,
 * openid-client), database sessions, API tokens, throttling of failed sign-ins, and the audit trail's
 * writer (with retention applied at most once a day, on the way).
 */
export class AuthService {
  readonly users: UserStore;
  readonly audit: AuditStore;
  private oidcConfig: Promise<oidc.Configuration> | undefined;
  private usersExist = false;
  private lastPrune = 0;

  constructor(
    db: Db,
    readonly config: AuthConfig,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.users = new UserStore(db);
    this.audit = new AuditStore(db);
  }

  /** Single-user mode holds while there is no account and no single sign-on; once an account exists it is off until restart. */
  async singleUserMode(): Promise<boolean> {
    if (this.config.oidc || this.usersExist) return false;
    this.usersExist = await this.users.any();
    return !this.usersExist;
  }

  /** Refuses to serve beyond loopback without sign-in: no account and no single sign-on. */
  async assertServable(host: string): Promise<void> {
    if (isLoopback(host)) return;
    if (await this.singleUserMode()) {
      throw new Error(
        `listening on ${host} needs sign-in: create an administrator first (npm run users -- add <name> --role administrator) or configure single sign-on (HARMGRID_OIDC_ISSUER); single-user mode is for 127.0.0.1 only`,
      );
    }
    if (this.config.allowedHosts.length === 0) {
      throw new Error(
        `listening on ${host} needs HARMGRID_PUBLIC_URL (or HARMGRID_ALLOWED_HOSTS): the host names the service answers to, so that DNS rebinding is refused`,
      );
    }
  }

  // ---- accounts

  async createUser(
    input: { username: string; displayName?: string; role: string; forces: string[] | 'all'; password?: string },
    by: Caller | null,
  ): Promise<UserRecord> {
    const role = checkRole(input.role);
    checkForces(input.forces);
    if (!/^[^\s]{1,200}$/.test(input.username)) throw new AuthError('invalid', 'a user name is 1–200 characters without spaces (an e-mail address does)');
    if (await this.users.byUsername(input.username)) throw new AuthError('conflict', `a user "${input.username}" already exists`);
    const user = await this.users.create({
      username: input.username,
      displayName: input.displayName ?? input.username,
      role,
      forces: input.forces,
      passwordHash: input.password === undefined ? null : await hashPassword(input.password),
    });
    this.usersExist = true;
    await this.record(by, { action: 'admin', target: `user ${user.username} created`, rows: 1, detail: { userId: user.id, role, forces: user.forces } });
    return user;
  }

  async updateUser(
    id: number,
    change: { displayName?: string; role?: string; forces?: string[] | 'all'; password?: string; disabled?: boolean },
    by: Caller | null,
  ): Promise<UserRecord> {
    const existing = await this.users.byId(id);
    if (!existing) throw new AuthError('not-found', `no user ${id}`);
    if (change.forces !== undefined) checkForces(change.forces);
    const updated = await this.users.update(id, {
      ...(change.displayName !== undefined ? { displayName: change.displayName } : {}),
      ...(change.role !== undefined ? { role: checkRole(change.role) } : {}),
      ...(change.forces !== undefined ? { forces: change.forces } : {}),
      ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
      ...(change.password !== undefined ? { passwordHash: await hashPassword(change.password) } : {}),
    });
    const { password: _p, ...shown } = change;
    await this.record(by, {
      action: 'admin',
      target: `user ${existing.username} changed`,
      rows: 1,
      detail: { userId: id, ...shown, ...(change.password ? { password: 'changed' } : {}) },
    });
    return updated!;
  }

  async removeUser(id: number, by: Caller | null): Promise<void> {
    const existing = await this.users.byId(id);
    if (!existing) throw new AuthError('not-found', `no user ${id}`);
    if (by?.userId === id) throw new AuthError('invalid', 'an administrator cannot remove their own account');
    await this.users.remove(id);
    await this.record(by, { action: 'delete', target: `user ${existing.username}`, rows: 1, detail: { userId: id } });
  }

  // ---- local sign-in

  private throttleKeys(username: string, address: string): { user: string; ip: string } {
    return { user: `user:${username.toLowerCase()}`, ip: `ip:${address}` };
  }

  /** Refuses when a user name (or an address, at 4× the limit) has failed too often within the window. */
  private async checkThrottle(username: string, address: string): Promise<void> {
    const { user, ip } = this.throttleKeys(username, address);
    const windowMs = this.config.throttleWindowMinutes * 60_000;
    const now = this.now();
    const seen = await this.users.failuresSince([user, ip], new Date(now.getTime() - windowMs));
    for (const [key, limit] of [
      [user, this.config.throttleFailures],
      [ip, this.config.throttleFailures * 4],
    ] as const) {
      const f = seen.get(key);
      if (f && f.count >= limit) {
        const retry = Math.max(1, Math.ceil((f.oldest.getTime() + windowMs - now.getTime()) / 1000));
        throw new AuthError(
          'throttled',
          `too many failed sign-ins for this ${key.startsWith('user:') ? 'user name' : 'address'}; try again in ${Math.ceil(retry / 60)} minutes`,
          retry,
        );
      }
    }
  }

  async signInWithPassword(username: string, password: string, address: string): Promise<SignedIn> {
    await this.checkThrottle(username, address);
    const user = await this.users.byUsername(username);
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok || user.disabled || !user.passwordHash) {
      const { user: uk, ip } = this.throttleKeys(username, address);
      await this.users.recordFailure([uk, ip], this.now());
      await this.record(null, { action: 'sign-in-failed', target: `user ${username.slice(0, 200)}`, rows: null, detail: { address, method: 'password' } });
      throw new AuthError('unauthenticated', 'user name or password not recognised');
    }
    await this.users.clearFailures([this.throttleKeys(username, address).user]);
    return this.startSession(user, 'password', address);
  }

  private async startSession(user: UserRecord, via: 'password' | 'oidc', address: string): Promise<SignedIn> {
    const sessionId = secret();
    const now = this.now();
    const expiresAt = new Date(now.getTime() + this.config.sessionHours * 3_600_000);
    await this.users.createSession({ idHash: sha256(sessionId), userId: user.id, via, now, expiresAt });
    await this.record(callerFor(user, 'session'), { action: 'sign-in', target: `user ${user.username}`, rows: null, detail: { method: via, address } });
    return { sessionId, user, expiresAt };
  }

  async callerFromSession(sessionId: string): Promise<Caller | null> {
    const user = await this.users.liveSession(sha256(sessionId), this.now(), this.config.sessionIdleMinutes * 60_000);
    return user ? callerFor(user, 'session') : null;
  }

  async signOut(sessionId: string, caller: Caller | null): Promise<void> {
    await this.users.endSession(sha256(sessionId));
    if (caller) await this.record(caller, { action: 'sign-out', target: `user ${caller.name}`, rows: null, detail: null });
  }

  // ---- API tokens

  /** A new token for the caller: scopes limited to kinds, expiry at most tokenMaxDays. The secret is shown once. */
  async createToken(caller: Caller, input: { name: string; scopes: Access[]; days: number }): Promise<{ token: string; record: TokenRecord }> {
    if (caller.userId === null) throw new AuthError('invalid', 'single-user mode has no accounts, so no tokens; create an account first');
    const bad = input.scopes.filter((s) => !(TOKEN_SCOPES as readonly string[]).includes(s));
    if (bad.length || input.scopes.length === 0) throw new AuthError('invalid', `token scopes must be some of ${TOKEN_SCOPES.join(', ')}`);
    if (caller.scopes) {
      const wider = input.scopes.filter((s) => !caller.scopes!.includes(s));
      if (wider.length) throw new AuthError('forbidden', `a token cannot make a token wider than itself (${wider.join(', ')})`);
    }
    if (!Number.isInteger(input.days) || input.days < 1 || input.days > this.config.tokenMaxDays) {
      throw new AuthError('invalid', `a token lasts 1 to ${this.config.tokenMaxDays} days; got ${input.days}`);
    }
    const s = secret();
    const now = this.now();
    const record = await this.users.createToken({
      userId: caller.userId,
      name: input.name,
      secretHash: sha256(s),
      scopes: [...new Set(input.scopes)],
      now,
      expiresAt: new Date(now.getTime() + input.days * 86_400_000),
    });
    await this.record(caller, {
      action: 'admin',
      target: `token ${record.id} (${record.name}) created`,
      rows: 1,
      detail: { scopes: record.scopes, expiresAt: record.expiresAt },
    });
    return { token: `${TOKEN_PREFIX}${record.id}_${s}`, record };
  }

  /** The caller an API token stands for; an unknown, revoked or expired token is refused, never treated as anonymous. */
  async callerFromToken(token: string): Promise<Caller> {
    const m = /^hg_(\d{1,10})_([A-Za-z0-9_-]{43})$/.exec(token);
    const refused = (why: string) => new AuthError('unauthenticated', `API token refused: ${why}`);
    if (!m) throw refused('not a harmgrid token (hg_<id>_<secret>)');
    const record = await this.users.token(Number(m[1]));
    if (!record || !timingSafeEqual(Buffer.from(record.secretHash, 'hex'), Buffer.from(sha256(m[2]!), 'hex'))) throw refused('unknown');
    if (record.revokedAt) throw refused('revoked');
    const now = this.now();
    if (new Date(record.expiresAt) <= now) throw refused(`expired on ${record.expiresAt}`);
    const user = await this.users.byId(record.userId);
    if (!user || user.disabled) throw refused('its user is disabled');
    if (!record.lastUsedAt || now.getTime() - new Date(record.lastUsedAt).getTime() > 60_000) await this.users.touchToken(record.id, now);
    return callerFor(user, 'token', record.scopes);
  }

  async revokeToken(caller: Caller, id: number): Promise<void> {
    const record = await this.users.token(id);
    if (!record || (record.userId !== caller.userId && caller.role !== 'administrator')) throw new AuthError('not-found', `no token ${id}`);
    await this.users.revokeToken(id, this.now());
    await this.record(caller, { action: 'admin', target: `token ${id} (${record.name}) revoked`, rows: 1, detail: null });
  }

  // ---- OpenID Connect

  private oidcClient(o: OidcConfig): Promise<oidc.Configuration> {
    // A plain-http issuer is accepted on loopback only (a provider run locally, as in the tests).
    const url = new URL(o.issuer);
    const insecure = url.protocol === 'http:' && isLoopback(url.hostname);
    this.oidcConfig ??= oidc
      .discovery(url, o.clientId, o.clientSecret, o.clientSecret ? undefined : oidc.None(), insecure ? { execute: [oidc.allowInsecureRequests] } : undefined)
      .catch((e: Error) => {
        this.oidcConfig = undefined;
        throw new AuthError('unauthenticated', `the single sign-on provider ${o.issuer} could not be reached: ${e.message}`);
      });
    return this.oidcConfig;
  }

  private redirectUrl(o: OidcConfig, requestOrigin: string): string {
    return o.redirectUrl ?? `${this.config.publicUrl ?? requestOrigin}/api/auth/oidc/callback`;
  }

  /** Starts the authorization code flow with PKCE: the URL to send the browser to, and the flow cookie's value. */
  async oidcStart(returnTo: string, requestOrigin: string): Promise<{ flowId: string; url: string }> {
    const o = this.config.oidc;
    if (!o) throw new AuthError('not-found', 'single sign-on is not configured (HARMGRID_OIDC_ISSUER)');
    const client = await this.oidcClient(o);
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const flowId = secret();
    await this.users.startFlow({ idHash: sha256(flowId), state, nonce, codeVerifier, returnTo, expiresAt: new Date(this.now().getTime() + 10 * 60_000) });
    const url = oidc.buildAuthorizationUrl(client, {
      redirect_uri: this.redirectUrl(o, requestOrigin),
      scope: o.scopes,
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { flowId, url: url.href };
  }

  /**
   * Completes the flow: exchanges the code (with the PKCE verifier), checks state and nonce and the ID
   * token, then finds the account by issuer and subject, or links one an administrator created for the
   * same verified e-mail, or creates one from the role claim. No role → refused.
   */
  async oidcCallback(flowId: string | undefined, callbackUrl: URL, address: string, requestOrigin: string): Promise<SignedIn & { returnTo: string }> {
    const o = this.config.oidc;
    if (!o) throw new AuthError('not-found', 'single sign-on is not configured (HARMGRID_OIDC_ISSUER)');
    const flow = flowId ? await this.users.takeFlow(sha256(flowId), this.now()) : undefined;
    if (!flow) throw new AuthError('unauthenticated', 'this sign-in link has expired or was already used; start again from the sign-in page');
    const client = await this.oidcClient(o);
    // The provider answered at the redirect URL; rebuild it from the configured one so proxies do not change it.
    const current = new URL(this.redirectUrl(o, requestOrigin));
    current.search = callbackUrl.search;
    let claims: oidc.IDToken;
    try {
      const tokens = await oidc.authorizationCodeGrant(client, current, {
        pkceCodeVerifier: flow.codeVerifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims()!;
    } catch (e) {
      await this.record(null, {
        action: 'sign-in-failed',
        target: `single sign-on ${o.issuer}`,
        rows: null,
        detail: { address, method: 'oidc', reason: (e as Error).message.slice(0, 300) },
      });
      throw new AuthError('unauthenticated', `single sign-on failed: ${(e as Error).message}`);
    }
    const issuer = claims.iss;
    const subject = claims.sub;
    const email = typeof claims.email === 'string' && claims.email_verified !== false ? claims.email : undefined;
    const name =
      typeof claims.name === 'string' ? claims.name : (email ?? (typeof claims.preferred_username === 'string' ? claims.preferred_username : subject));
    const claimedRoles = ([] as unknown[]).concat(claims[o.roleClaim] ?? []).filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
    // The most powerful role claimed wins, in ROLES order (administrator first).
    const claimedRole = ROLES.find((r) => claimedRoles.includes(r));
    const claimedForces = Array.isArray(claims[o.forcesClaim])
      ? (claims[o.forcesClaim] as unknown[]).filter((f): f is string => typeof f === 'string' && FORCE_ID.test(f))
      : undefined;

    let user = await this.users.bySubject(issuer, subject);
    if (!user && email) {
      const byMail = await this.users.byUsername(email);
      if (byMail && !byMail.oidcSubject) user = await this.users.update(byMail.id, { oidcIssuer: issuer, oidcSubject: subject });
    }
    if (user && (claimedRole || claimedForces)) {
      // The provider is the source of truth for roles when it sends them (Entra ID app roles).
      user = await this.users.update(user.id, {
        ...(claimedRole && claimedRole !== user.role ? { role: claimedRole } : {}),
        ...(claimedForces ? { forces: claimedForces } : {}),
      });
    }
    if (!user) {
      if (!claimedRole) {
        await this.record(null, {
          action: 'sign-in-failed',
          target: `single sign-on ${name}`,
          rows: null,
          detail: { address, method: 'oidc', reason: 'no harmgrid role' },
        });
        throw new AuthError(
          'forbidden',
          `${name} signed in, but has no harmgrid role: an administrator assigns one (an app role in the identity provider, or an account for ${email ?? 'this user'})`,
        );
      }
      user = await this.users.create({
        username: email ?? `${subject}@${new URL(issuer).hostname}`,
        displayName: name,
        role: claimedRole,
        forces: claimedForces ?? [],
        oidcIssuer: issuer,
        oidcSubject: subject,
      });
      this.usersExist = true;
    }
    if (user!.disabled) throw new AuthError('forbidden', `the account ${user!.username} is disabled`);
    return { ...(await this.startSession(user!, 'oidc', address)), returnTo: flow.returnTo };
  }

  // ---- audit

  /** Appends one audit entry for the caller (null: nobody signed in yet); applies retention at most once a day. */
  async record(caller: Caller | null, e: Pick<NewAuditEntry, 'action' | 'target' | 'rows' | 'detail'>): Promise<void> {
    await this.audit.append(
      {
        userId: caller?.userId ?? null,
        actor: caller?.name ?? 'anonymous',
        role: caller?.role ?? null,
        via: caller?.via ?? null,
        ...e,
      },
      this.now(),
    );
    const now = this.now().getTime();
    if (now - this.lastPrune > 86_400_000) {
      this.lastPrune = now;
      await this.audit.prune(new Date(now - this.config.auditRetentionDays * 86_400_000), `retention (${this.config.auditRetentionDays} days)`, this.now());
    }
  }
}
