import { AsyncLocalStorage } from 'node:async_hooks';
import { DEFAULT_DISCLOSURE_RULES, type DisclosureRules } from '../domain/disclosure';
import type { Db } from '../db/connection';
import { SettingStore, newSecret } from '../db/settings';

/**
 * Who an answer is for, as far as disclosure control is concerned. Api.add (server/http/api.ts) runs
 * every handler inside this context, so every service that resolves an analysis context sees it
 * without each of the dozens of call sites passing it on — and a route written later is covered too:
 * a disclosure-controlled caller on a route that does not declare itself protected gets public
 * sources only (fail closed), never restricted figures without protection.
 */
export interface DisclosureContext {
  /** The caller's role is disclosure-controlled (DISCLOSURE_CONTROLLED in server/domain/roles.ts). */
  controlled: boolean;
  /** The route presents protected figures (declared `disclosure: true` in Api.add). */
  protectedRoute: boolean;
}

export const disclosureContext = new AsyncLocalStorage<DisclosureContext>();

/** The disclosure context of the current request (none outside a request: scripts, imports). */
export function currentDisclosure(): DisclosureContext | undefined {
  return disclosureContext.getStore();
}

function positiveFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number, integer: boolean): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0 || (integer && !Number.isInteger(v))) {
    throw new Error(`${name} must be a positive ${integer ? 'whole number' : 'number'}; got "${raw}"`);
  }
  return v;
}

/**
 * The rules from the environment: HARMGRID_DISCLOSURE_THRESHOLD (default 5), HARMGRID_DISCLOSURE_BASE
 * (default: the threshold), HARMGRID_DISCLOSURE_RESOLUTION (default 9), HARMGRID_MIN_PARTNER_AREA_KM2
 * (default 0.5). The base must be at least the threshold, or a difference could be a small count.
 */
export function disclosureRulesFromEnv(env: NodeJS.ProcessEnv = process.env): DisclosureRules {
  const threshold = positiveFromEnv(env, 'HARMGRID_DISCLOSURE_THRESHOLD', DEFAULT_DISCLOSURE_RULES.threshold, true);
  const base = positiveFromEnv(env, 'HARMGRID_DISCLOSURE_BASE', threshold, true);
  if (base < threshold) throw new Error(`HARMGRID_DISCLOSURE_BASE (${base}) must be at least HARMGRID_DISCLOSURE_THRESHOLD (${threshold})`);
  const resolution = positiveFromEnv(env, 'HARMGRID_DISCLOSURE_RESOLUTION', DEFAULT_DISCLOSURE_RULES.resolution, true);
  if (resolution < 7 || resolution > 11) throw new Error(`HARMGRID_DISCLOSURE_RESOLUTION must be 7 to 11; got ${resolution}`);
  const minAreaKm2 = positiveFromEnv(env, 'HARMGRID_MIN_PARTNER_AREA_KM2', DEFAULT_DISCLOSURE_RULES.minAreaKm2, false);
  return { threshold, base, resolution, minAreaKm2 };
}

/**
 * The rules and the secret keying the protected values: HARMGRID_DISCLOSURE_SECRET, else one made on
 * first use and stored in the database, so every node and every restart gives the same answers.
 */
export class DisclosureSettings {
  readonly rules: DisclosureRules;
  private secretPromise: Promise<string> | undefined;

  constructor(
    private readonly db: Db,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.rules = disclosureRulesFromEnv(env);
    const fromEnv = env.HARMGRID_DISCLOSURE_SECRET;
    if (fromEnv) this.secretPromise = Promise.resolve(fromEnv);
  }

  secret(): Promise<string> {
    if (!this.secretPromise) {
      this.secretPromise = new SettingStore(this.db).getOrCreate('disclosure_secret', newSecret);
      this.secretPromise.catch(() => (this.secretPromise = undefined));
    }
    return this.secretPromise;
  }
}
