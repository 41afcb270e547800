import type { Knex } from 'knex';
import type { SiteInput, ZoneInput } from '../domain/geography/places';
import { rowsOf, type Db } from './connection';

/** A zone or site belongs to the force whose district holds it (null: no force loaded then). */
export interface ZoneRecord extends ZoneInput {
  id: number;
  areaKm2: number;
  forceCode: string | null;
}
export interface SiteRecord extends SiteInput {
  id: number;
  forceCode: string | null;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;
/** Dates come back as Date objects from pg and strings from PGlite; both are day-precision here. */
const day = (v: unknown): string | null =>
  v === null || v === undefined
    ? null
    : v instanceof Date
      ? `${v.getFullYear()}-${String(v.getMonth() + 1).padStart(2, '0')}-${String(v.getDate()).padStart(2, '0')}`
      : String(v).slice(0, 10);

const ZONE_COLUMNS = ['id', 'name', 'partnership', 'clear_start', 'hold_start', 'build_start', 'geometry', 'area_km2', 'notes', 'force_code'];
const SITE_COLUMNS = ['id', 'name', 'geometry', 'buffer_m', 'notes', 'force_code'];

/** Clear-Hold-Build zones and sites under review. */
export class PlaceStore {
  constructor(private readonly db: Db | Knex.Transaction) {}

  private zone(r: Record<string, unknown>): ZoneRecord {
    return {
      id: r.id as number,
      name: r.name as string,
      partnership: (r.partnership as string | null) ?? null,
      clearStart: day(r.clear_start)!,
      holdStart: day(r.hold_start),
      buildStart: day(r.build_start),
      geometry: json(r.geometry),
      areaKm2: r.area_km2 as number,
      notes: (r.notes as string | null) ?? null,
      forceCode: (r.force_code as string | null) ?? null,
    };
  }

  private zoneRow(z: ZoneInput & { areaKm2: number; forceCode?: string | null }) {
    return {
      ...(z.forceCode !== undefined ? { force_code: z.forceCode } : {}),
      name: z.name,
      partnership: z.partnership,
      clear_start: z.clearStart,
      hold_start: z.holdStart,
      build_start: z.buildStart,
      geometry: JSON.stringify(z.geometry),
      area_km2: z.areaKm2,
      notes: z.notes,
    };
  }

  async zones(): Promise<ZoneRecord[]> {
    return (await this.db('zone').select(ZONE_COLUMNS).orderBy('id')).map((r: Record<string, unknown>) => this.zone(r));
  }

  async getZone(id: number): Promise<ZoneRecord | null> {
    const r = await this.db('zone').select(ZONE_COLUMNS).where({ id }).first();
    return r ? this.zone(r) : null;
  }

  async zoneByName(name: string): Promise<ZoneRecord | null> {
    const r = await this.db('zone').select(ZONE_COLUMNS).where({ name }).first();
    return r ? this.zone(r) : null;
  }

  async createZone(z: ZoneInput & { areaKm2: number; forceCode: string | null }): Promise<number> {
    const [row] = await this.db('zone').insert(this.zoneRow(z)).returning('id');
    return (row as { id: number }).id;
  }

  /** Replaces a zone's fields; false when there is no such zone. */
  async updateZone(id: number, z: ZoneInput & { areaKm2: number; forceCode?: string | null }): Promise<boolean> {
    return (
      (
        await this.db('zone')
          .where({ id })
          .update({ ...this.zoneRow(z), updated_at: this.db.fn.now() })
          .returning('id')
      ).length > 0
    );
  }

  async deleteZone(id: number): Promise<boolean> {
    return (await this.db('zone').where({ id }).delete().returning('id')).length > 0; // returning: knex-pglite answers a bare delete with a raw result
  }

  private site(r: Record<string, unknown>): SiteRecord {
    return {
      id: r.id as number,
      name: r.name as string,
      geometry: json(r.geometry),
      bufferMetres: (r.buffer_m as number | null) ?? null,
      notes: (r.notes as string | null) ?? null,
      forceCode: (r.force_code as string | null) ?? null,
    };
  }

  async sites(): Promise<SiteRecord[]> {
    return (await this.db('site').select(SITE_COLUMNS).orderBy('id')).map((r: Record<string, unknown>) => this.site(r));
  }

  async getSite(id: number): Promise<SiteRecord | null> {
    const r = await this.db('site').select(SITE_COLUMNS).where({ id }).first();
    return r ? this.site(r) : null;
  }

  async siteByName(name: string): Promise<SiteRecord | null> {
    const r = await this.db('site').select(SITE_COLUMNS).where({ name }).first();
    return r ? this.site(r) : null;
  }

  async createSite(s: SiteInput & { forceCode: string | null }): Promise<number> {
    const [row] = await this.db('site')
      .insert({ name: s.name, geometry: JSON.stringify(s.geometry), buffer_m: s.bufferMetres, notes: s.notes, force_code: s.forceCode })
      .returning('id');
    return (row as { id: number }).id;
  }

  async updateSite(id: number, s: SiteInput & { forceCode?: string | null }): Promise<boolean> {
    return (
      (
        await this.db('site')
          .where({ id })
          .update({
            name: s.name,
            geometry: JSON.stringify(s.geometry),
            buffer_m: s.bufferMetres,
            notes: s.notes,
            updated_at: this.db.fn.now(),
            ...(s.forceCode !== undefined ? { force_code: s.forceCode } : {}),
          })
          .returning('id')
      ).length > 0
    );
  }

  async deleteSite(id: number): Promise<boolean> {
    return (await this.db('site').where({ id }).delete().returning('id')).length > 0;
  }

  async counts(): Promise<{ zones: number; sites: number }> {
    const r = await this.db.raw('SELECT (SELECT count(*) FROM zone)::int AS zones, (SELECT count(*) FROM site)::int AS sites');
    return rowsOf<{ zones: number; sites: number }>(r)[0]!;
  }
}
