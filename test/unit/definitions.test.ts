import { describe, expect, it } from 'vitest';
import { definitionRuleSchema, matchesDefinition, presetDefinitions, type ClassifiableIncident } from '../../server/domain/definitions';

const preset = (key: string) => presetDefinitions.find((d) => d.key === key)!.rules;
const incident = (o: Partial<ClassifiableIncident>): ClassifiableIncident => ({
  category: 'Violence and sexual offences',
  offenceCode: null,
  knife: null,
  firearm: null,
  domestic: null,
  ...o,
});

describe('serious-violence definitions', () => {
  it('Merseyside: knife-enabled assault with injury counts, without a weapon it does not, domestic abuse never', () => {
    const m = preset('merseyside');
    expect(matchesDefinition(m, incident({ offenceCode: '8N', knife: true }))).toBe(true);
    expect(matchesDefinition(m, incident({ offenceCode: '8N', firearm: true }))).toBe(true);
    expect(matchesDefinition(m, incident({ offenceCode: '8N' }))).toBe(false);
    expect(matchesDefinition(m, incident({ offenceCode: '8N', knife: true, domestic: true }))).toBe(false);
    expect(matchesDefinition(m, incident({ offenceCode: '5D' }))).toBe(true); // s18 with or without a weapon
    expect(matchesDefinition(m, incident({ offenceCode: '56A', category: 'Criminal damage and arson' }))).toBe(true);
    expect(matchesDefinition(m, incident({ offenceCode: '105A', knife: true }))).toBe(false); // common assault is not in the list
    expect(matchesDefinition(m, incident({ category: 'Violence and sexual offences' }))).toBe(false); // public data has no code
  });

  it('County Durham & Darlington: domestic abuse with a knife counts', () => {
    const d = preset('durham-darlington');
    expect(matchesDefinition(d, incident({ offenceCode: '8N', knife: true, domestic: true }))).toBe(true);
    expect(matchesDefinition(d, incident({ offenceCode: '5D', domestic: true }))).toBe(false);
  });

  it('the public-data proxy reads the three published categories and says it is a proxy', () => {
    const p = presetDefinitions.find((d) => d.key === 'public-proxy')!;
    expect(p.isProxy).toBe(true);
    expect(matchesDefinition(p.rules, incident({ category: 'Robbery' }))).toBe(true);
    expect(matchesDefinition(p.rules, incident({ category: 'Burglary' }))).toBe(false);
  });

  it('a rule needs something to match on', () => {
    expect(definitionRuleSchema.safeParse({ weapon: 'knife' }).success).toBe(false);
    expect(definitionRuleSchema.safeParse({ offenceCodes: ['8N'], weapon: 'sword' }).success).toBe(false);
  });
});
