/** A police force area: the ONS Police Force Area code and names. */
export interface ForceRecord {
  code: string;
  name: string;
  /** The force's name as data.police.uk writes it ('Reported by', 'Falls within'). */
  policeUkName: string;
}

/** The forces an answer is about: one force, or several together (a region). */
export interface ForceScope {
  forces: ForceRecord[];
  codes: string[];
  /** How answers name it: the force's name, or the names joined ('Leicestershire and Merseyside'). */
  label: string;
}

/**
 * A force name folded for matching: lower case, '&' as 'and', without the words police, constabulary
 * and service and without punctuation, so every spelling data.police.uk and forces use meets one key.
 * @example forceKey('Devon & Cornwall Police') // 'devon and cornwall'
 */
export function forceKey(name: string): string {
  return name
    .toLowerCase()
    .replace(/&/g, ' and ')
    .replace(/\b(police|constabulary|service)\b/g, ' ')
    .replace(/[^a-z0-9]+/g, ' ')
    .trim();
}

/** The force a published name or a code denotes, or undefined. */
export function findForce(registry: ForceRecord[], nameOrCode: string): ForceRecord | undefined {
  const byCode = registry.find((f) => f.code === nameOrCode.trim().toUpperCase());
  if (byCode) return byCode;
  const key = forceKey(nameOrCode);
  return registry.find((f) => forceKey(f.policeUkName) === key || forceKey(f.name) === key);
}

/** One scope over these forces, named by them (sorted by name so the label is stable). */
export function scopeOf(forces: ForceRecord[]): ForceScope {
  const sorted = [...forces].sort((a, b) => a.name.localeCompare(b.name));
  const names = sorted.map((f) => f.name);
  const label = names.length <= 1 ? (names[0] ?? 'no force') : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return { forces: sorted, codes: sorted.map((f) => f.code), label };
}
