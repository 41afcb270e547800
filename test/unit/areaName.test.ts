import { describe, expect, it } from 'vitest';
import { nameArea } from '../../server/domain/geography/areaName';

describe('area names', () => {
  it('names an area by ward, district and the first street among its top locations', () => {
    expect(nameArea(['Central'], 'Liverpool', ['On or near Nightclub', 'On or near Bold Street'])).toBe('Central, Liverpool — Bold Street area');
    expect(nameArea(['Anfield', 'County', 'Everton'], 'Liverpool', ['On or near Walton Lane'])).toBe('Anfield & County, Liverpool — Walton Lane area');
    expect(nameArea(['Central'], 'Liverpool', ['On or near Shopping Area'])).toBe('Central, Liverpool');
    expect(nameArea([], null, ['On or near Bold Street'])).toBe('Bold Street area');
    // As data.police.uk publishes it (Merseyside 2019-07..09), and as it is written.
    expect(nameArea(['Central'], 'Liverpool', ["On or near St George'S Place"])).toBe("Central, Liverpool — St George's Place area");
  });
});
