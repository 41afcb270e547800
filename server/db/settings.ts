import { randomBytes } from 'node:crypto';
import type { Db } from './connection';

/** Settings the server makes once and keeps (migration 20261203000061). */
export class SettingStore {
  constructor(private readonly db: Db) {}

  /**
   * The stored value of `key`, made by `make` and stored on first use. Concurrent first uses (two
   * nodes) agree: the insert that loses the race is ignored and both read the one stored value.
   */
  async getOrCreate(key: string, make: () => string): Promise<string> {
    const found = await this.db('server_setting').where({ key }).first('value');
    if (found) return String(found.value);
    await this.db('server_setting').insert({ key, value: make() }).onConflict('key').ignore();
    const stored = await this.db('server_setting').where({ key }).first('value');
    return String(stored!.value);
  }
}

/** A fresh 256-bit secret, hex. */
export function newSecret(): string {
  return randomBytes(32).toString('hex');
}
