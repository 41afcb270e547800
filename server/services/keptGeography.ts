import type { BoundaryRecord, GeographyStore, LookupRow } from '../db/geography';
import type { BoundaryKind } from '../domain/geography/boundaries';

/** What answers read of the geography store. */
export type GeographyReads = Pick<
  GeographyStore,
  'boundaries' | 'codes' | 'deprivation' | 'deprivationRows' | 'lookup' | 'lookupVintages' | 'vintages' | 'publishedWards'
>;

type Keep = <T>(key: string, compute: () => Promise<T>) => Promise<T>;

/**
 * The geography composed answers read (boundary sets, LSOA deprivation, the LSOA → ward lookup),
 * read from the store once per data version and shared: a site review, the partnership pack and an
 * impact answer each read several thousand of these rows, 120–280 ms a set on every request otherwise.
 * The lists are shared between requests: callers must not change them (copy before sorting).
 */
export class KeptGeography implements GeographyReads {
  constructor(
    private readonly store: GeographyStore,
    private readonly keep: Keep,
  ) {}

  boundaries(kind: BoundaryKind, vintage?: string): Promise<BoundaryRecord[]> {
    return this.keep(`boundaries|${kind}|${vintage ?? '*'}`, () => this.store.boundaries(kind, vintage));
  }

  deprivation(): ReturnType<GeographyStore['deprivation']> {
    return this.keep('deprivation', () => this.store.deprivation());
  }

  lookup(wardVintage = '2019'): Promise<LookupRow[]> {
    return this.keep(`lookup|${wardVintage}`, () => this.store.lookup(wardVintage));
  }

  vintages(): ReturnType<GeographyStore['vintages']> {
    return this.keep('vintages', () => this.store.vintages());
  }

  async codes(kind: BoundaryKind, vintage?: string): Promise<Set<string>> {
    return new Set((await this.boundaries(kind, vintage)).map((b) => b.code));
  }

  deprivationRows(): Promise<number> {
    return this.keep('deprivation-rows', () => this.store.deprivationRows());
  }

  lookupVintages(): Promise<string[]> {
    return this.keep('lookup-vintages', () => this.store.lookupVintages());
  }

  publishedWards(): ReturnType<GeographyStore['publishedWards']> {
    return this.keep('published-wards', () => this.store.publishedWards());
  }
}
