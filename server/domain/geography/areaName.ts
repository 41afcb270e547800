const STREET =
  /\b(Street|Road|Lane|Avenue|Way|Place|Square|Drive|Row|Walk|Parade|Hill|Terrace|Crescent|Close|Gardens|Grove|Park|Boulevard|Strand|Gate|Brow|Precinct)$/i;

/**
 * A name for a place an analyst recognises: its ward(s), district and main street, such as
 * "Central, Liverpool — Bold Street area". Wards are given most-cells first (at most two); the street
 * is the first of the area's top locations that names a street ("On or near Nightclub" does not).
 * data.police.uk capitalises after an apostrophe ("St George'S Place"); the possessive is written as
 * people write it.
 * @example nameArea(['Central'], 'Liverpool', ['On or near Nightclub', 'On or near Bold Street']) // 'Central, Liverpool — Bold Street area'
 */
export function nameArea(wards: string[], district: string | null, topLocations: string[]): string {
  const street = topLocations
    .map((l) => l.replace(/^On or near\s+/i, '').trim())
    .find((l) => STREET.test(l))
    ?.replace(/'S\b/g, "'s");
  const place = [wards.slice(0, 2).join(' & '), district].filter(Boolean).join(', ');
  if (!place) return street ? `${street} area` : 'unnamed area';
  return street ? `${place} — ${street} area` : place;
}
