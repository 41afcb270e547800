/**
 * How sensitive each incident source is. data.police.uk is published open data (Open Government
 * Licence); everything else (force extracts, emergency-department and other partner events) is
 * shared under a data-sharing agreement and is restricted: only roles that may see restricted
 * sources are given it, and a viewer's queries are narrowed to the public sources.
 * @example sourceSensitivity('data.police.uk') // 'public'; sourceSensitivity('force-extract') // 'restricted'
 */
export const PUBLIC_SOURCES: readonly string[] = ['data.police.uk'];

export type Sensitivity = 'public' | 'restricted';

export function sourceSensitivity(source: string): Sensitivity {
  return PUBLIC_SOURCES.includes(source) ? 'public' : 'restricted';
}
