import type { Access, Role } from '../domain/roles';
import { isoTime as iso, type Db } from './connection';

export interface UserRecord {
  id: number;
  username: string;
  displayName: string;
  role: Role;
  forces: string[] | 'all';
  passwordHash: string | null;
  oidcIssuer: string | null;
  oidcSubject: string | null;
  disabled: boolean;
  createdAt: string;
}

export interface NewUser {
  username: string;
  displayName: string;
  role: Role;
  forces: string[] | 'all';
  passwordHash?: string | null;
  oidcIssuer?: string | null;
  oidcSubject?: string | null;
}

export interface TokenRecord {
  id: number;
  userId: number;
  name: string;
  secretHash: string;
  scopes: Access[];
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);

// jsonb "all" comes back from the drivers as the plain string all, a list as an array.
function toUser(r: Record<string, unknown>): UserRecord {
  return {
    id: r.id as number,
    username: r.username as string,
    displayName: r.display_name as string,
    role: r.role as Role,
    forces: (r.forces === 'all' ? 'all' : json(r.forces)) as string[] | 'all',
    passwordHash: (r.password_hash as string | null) ?? null,
    oidcIssuer: (r.oidc_issuer as string | null) ?? null,
    oidcSubject: (r.oidc_subject as string | null) ?? null,
    disabled: Boolean(r.disabled),
    createdAt: iso(r.created_at)!,
  };
}

function toToken(r: Record<string, unknown>): TokenRecord {
  return {
    id: r.id as number,
    userId: r.user_id as number,
    name: r.name as string,
    secretHash: r.secret_hash as string,
    scopes: json(r.scopes) as Access[],
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at)!,
    lastUsedAt: iso(r.last_used_at),
    revokedAt: iso(r.revoked_at),
  };
}

/** Users, their sessions and API tokens, sign-in failures and OpenID Connect flows in progress. */
export class UserStore {
  constructor(private readonly db: Db) {}

  async any(): Promise<boolean> {
    return Boolean(await this.db('app_user').first('id'));
  }

  async list(): Promise<UserRecord[]> {
    return (await this.db('app_user').select('*').orderBy('id')).map(toUser);
  }

  async byId(id: number): Promise<UserRecord | undefined> {
    const r = await this.db('app_user').where({ id }).first();
    return r ? toUser(r) : undefined;
  }

  async byUsername(username: string): Promise<UserRecord | undefined> {
    const r = await this.db('app_user').whereRaw('lower(username) = lower(?)', [username]).first();
    return r ? toUser(r) : undefined;
  }

  async bySubject(issuer: string, subject: string): Promise<UserRecord | undefined> {
    const r = await this.db('app_user').where({ oidc_issuer: issuer, oidc_subject: subject }).first();
    return r ? toUser(r) : undefined;
  }

  async create(u: NewUser): Promise<UserRecord> {
    const [r] = await this.db('app_user')
      .insert({
        username: u.username,
        display_name: u.displayName,
        role: u.role,
        forces: JSON.stringify(u.forces),
        password_hash: u.passwordHash ?? null,
        oidc_issuer: u.oidcIssuer ?? null,
        oidc_subject: u.oidcSubject ?? null,
      })
      .returning('*');
    return toUser(r);
  }

  async update(
    id: number,
    change: Partial<Pick<UserRecord, 'displayName' | 'role' | 'forces' | 'passwordHash' | 'disabled' | 'oidcIssuer' | 'oidcSubject'>>,
  ): Promise<UserRecord | undefined> {
    const row: Record<string, unknown> = {};
    if (change.displayName !== undefined) row.display_name = change.displayName;
    if (change.role !== undefined) row.role = change.role;
    if (change.forces !== undefined) row.forces = JSON.stringify(change.forces);
    if (change.passwordHash !== undefined) row.password_hash = change.passwordHash;
    if (change.disabled !== undefined) row.disabled = change.disabled;
    if (change.oidcIssuer !== undefined) row.oidc_issuer = change.oidcIssuer;
    if (change.oidcSubject !== undefined) row.oidc_subject = change.oidcSubject;
    if (Object.keys(row).length) await this.db('app_user').where({ id }).update(row);
    // A changed role, force list or password ends the user's sessions, so the change applies at once.
    if (change.role !== undefined || change.forces !== undefined || change.passwordHash !== undefined || change.disabled) {
      await this.db('user_session').where({ user_id: id }).delete();
    }
    return this.byId(id);
  }

  async remove(id: number): Promise<boolean> {
    return (await this.db('app_user').where({ id }).delete()) > 0;
  }

  async createSession(s: { idHash: string; userId: number; via: string; now: Date; expiresAt: Date }): Promise<void> {
    await this.db('user_session').insert({ id_hash: s.idHash, user_id: s.userId, via: s.via, created_at: s.now, last_seen_at: s.now, expires_at: s.expiresAt });
  }

  /** The session's user when the session is live (not expired, not idle too long, user enabled); touches it. */
  async liveSession(idHash: string, now: Date, idleMs: number): Promise<UserRecord | undefined> {
    const s = await this.db('user_session').where({ id_hash: idHash }).first();
    if (!s) return undefined;
    if (new Date(s.expires_at) <= now || now.getTime() - new Date(s.last_seen_at).getTime() > idleMs) {
      await this.endSession(idHash);
      return undefined;
    }
    const user = await this.byId(s.user_id as number);
    if (!user || user.disabled) return undefined;
    // Touch at most once a minute: one write per minute of use, not per request.
    if (now.getTime() - new Date(s.last_seen_at).getTime() > 60_000) await this.db('user_session').where({ id_hash: idHash }).update({ last_seen_at: now });
    return user;
  }

  async endSession(idHash: string): Promise<void> {
    await this.db('user_session').where({ id_hash: idHash }).delete();
  }

  async createToken(t: { userId: number; name: string; secretHash: string; scopes: Access[]; now: Date; expiresAt: Date }): Promise<TokenRecord> {
    const [r] = await this.db('api_token')
      .insert({
        user_id: t.userId,
        name: t.name,
        secret_hash: t.secretHash,
        scopes: JSON.stringify(t.scopes),
        created_at: t.now,
        expires_at: t.expiresAt,
      })
      .returning('*');
    return toToken(r);
  }

  async token(id: number): Promise<TokenRecord | undefined> {
    const r = await this.db('api_token').where({ id }).first();
    return r ? toToken(r) : undefined;
  }

  async tokensOf(userId: number): Promise<TokenRecord[]> {
    return (await this.db('api_token').where({ user_id: userId }).orderBy('id')).map(toToken);
  }

  async touchToken(id: number, now: Date): Promise<void> {
    await this.db('api_token').where({ id }).update({ last_used_at: now });
  }

  async revokeToken(id: number, now: Date): Promise<boolean> {
    return (await this.db('api_token').where({ id }).whereNull('revoked_at').update({ revoked_at: now })) > 0;
  }

  async recordFailure(keys: string[], now: Date): Promise<void> {
    await this.db('sign_in_failure').insert(keys.map((key) => ({ key, at: now })));
  }

  /** Failures per key since the given time; older failures are removed on the way. */
  async failuresSince(keys: string[], since: Date): Promise<Map<string, { count: number; oldest: Date }>> {
    await this.db('sign_in_failure').where('at', '<', since).delete();
    const rows = await this.db('sign_in_failure').whereIn('key', keys).groupBy('key').select('key').count({ n: '*' }).min({ oldest: 'at' });
    return new Map(rows.map((r: Record<string, unknown>) => [r.key as string, { count: Number(r.n), oldest: new Date(r.oldest as string) }]));
  }

  async clearFailures(keys: string[]): Promise<void> {
    await this.db('sign_in_failure').whereIn('key', keys).delete();
  }

  async startFlow(f: { idHash: string; state: string; nonce: string; codeVerifier: string; returnTo: string; expiresAt: Date }): Promise<void> {
    await this.db('oidc_flow').where('expires_at', '<', new Date()).delete();
    await this.db('oidc_flow').insert({
      id_hash: f.idHash,
      state: f.state,
      nonce: f.nonce,
      code_verifier: f.codeVerifier,
      return_to: f.returnTo,
      expires_at: f.expiresAt,
    });
  }

  /** The flow, removed as it is read: each authorisation response is used once. */
  async takeFlow(idHash: string, now: Date): Promise<{ state: string; nonce: string; codeVerifier: string; returnTo: string } | undefined> {
    const r = await this.db('oidc_flow').where({ id_hash: idHash }).first();
    if (!r) return undefined;
    await this.db('oidc_flow').where({ id_hash: idHash }).delete();
    if (new Date(r.expires_at) <= now) return undefined;
    return { state: r.state, nonce: r.nonce, codeVerifier: r.code_verifier, returnTo: r.return_to };
  }
}
