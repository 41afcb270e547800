import { describe, expect, it } from 'vitest';
import { mapForceExtractHeader } from '../../server/ingest/forceExtract';
import { parseUkDateTime } from '../../server/ingest/fields';
import { PoliceUkStreetParser } from '../../server/ingest/policeUk';
import { addMonths, monthRange } from '../../server/domain/months';

describe('parsers', () => {
  it('reads UK local times across the clock changes', () => {
    expect(parseUkDateTime('2019-07-10 22:10')!.toISOString()).toBe('2019-07-10T21:10:00.000Z'); // BST
    expect(parseUkDateTime('10/01/2019 22:10')!.toISOString()).toBe('2019-01-10T22:10:00.000Z'); // GMT
    expect(parseUkDateTime('2019-07-10T22:10:00Z')!.toISOString()).toBe('2019-07-10T22:10:00.000Z');
    expect(parseUkDateTime('2019-07-10T22:10+02:00')!.toISOString()).toBe('2019-07-10T20:10:00.000Z');
    expect(parseUkDateTime('31/02/2019')).toBeNull();
    expect(parseUkDateTime('yesterday')).toBeNull();
  });

  it('maps force-extract headers in their accepted spellings and names what is missing', () => {
    expect(mapForceExtractHeader(['URN', 'Date/Time', 'HO Code', 'Easting', 'Northing']).problems).toEqual([]);
    expect(mapForceExtractHeader(['URN', 'HO Code']).problems).toEqual([expect.stringMatching(/no date-time column/), expect.stringMatching(/no position/)]);
  });

  it('gives identical ASB rows distinct, repeatable keys', () => {
    const row = ['', '2019-07', 'Merseyside Police', 'Merseyside Police', '-2.98', '53.40', 'On or near X', 'E01', 'L 001A', 'Anti-social behaviour', '', ''];
    const keys = (p: PoliceUkStreetParser) => [1, 2].map((line) => (p.parse(row, line) as { row: { sourceRef: string } }).row.sourceRef);
    const first = keys(new PoliceUkStreetParser());
    expect(first[0]).not.toBe(first[1]);
    expect(keys(new PoliceUkStreetParser())).toEqual(first);
  });

  it('counts months', () => {
    expect(monthRange('2019-11', '2020-02')).toEqual(['2019-11', '2019-12', '2020-01', '2020-02']);
    expect(addMonths('2020-01', -1)).toBe('2019-12');
    expect(() => monthRange('2020-02', '2019-11')).toThrow(/starts \(2020-02\) after it ends/);
  });
});
