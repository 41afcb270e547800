import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cchiSubgroupOf, harmOf } from '../../server/domain/harm';
import { policeUkCategoryOf } from '../../server/domain/offences';
import { harmDir, readRows } from '../support/data';

describe('harm weights', () => {
  const codes = readRows(path.join(harmDir, 'home-office-offence-codes.csv'));
  const subgroups = new Set(readRows(path.join(harmDir, 'cchi-weights-by-prc-subgroup.csv')).map((r) => r.prc_subgroup));
  const categories = new Set(readRows(path.join(harmDir, 'cchi-weights-by-police-uk-category.csv')).map((r) => r.crime_type));
  const offence = (r: Record<string, string>) => ({ code: r.offence_code!, name: r.offence_name!, subgroup: r.offence_subgroup!, group: r.offence_group! });

  it('files every Home Office offence under a CCHI subgroup of the weights table, except pre-2013 fraud outcome codes', () => {
    for (const r of codes) {
      const sub = cchiSubgroupOf(offence(r));
      if (r.offence_group === 'Fraud offences') expect(sub).toBeNull();
      else expect(subgroups.has(sub!), `${r.offence_code} ${r.offence_name} → ${sub}`).toBe(true);
    }
  });

  it('files every Home Office offence under a data.police.uk category that has a CCHI weight', () => {
    for (const r of codes.filter((x) => x.offence_group !== 'Fraud offences')) {
      expect(categories.has(policeUkCategoryOf(offence(r))), `${r.offence_code} ${r.offence_name}`).toBe(true);
    }
  });

  it('maps offences the way the classification reads', () => {
    const byCode = new Map(codes.map((r) => [r.offence_code, offence(r)]));
    expect(cchiSubgroupOf(byCode.get('34A')!)).toBe('Robbery of business property');
    expect(cchiSubgroupOf(byCode.get('4.4')!)).toBe('Death or serious injury - unlawful driving');
    expect(cchiSubgroupOf(byCode.get('1-4.1-4.10-4.2')!)).toBe('Homicide');
    expect(cchiSubgroupOf(byCode.get('8L')!)).toBe('Stalking and harassment');
    expect(policeUkCategoryOf(byCode.get('10D')!)).toBe('Possession of weapons');
  });

  it('takes the offence-code weight first, then the category, then the default', () => {
    const w = { byOffenceCode: new Map([['8N', 365]]), byCategory: new Map([['Violence and sexual offences', 194.21]]), defaultWeight: null };
    expect(harmOf({ offenceCode: '8N', category: 'Violence and sexual offences' }, w)).toBe(365);
    expect(harmOf({ offenceCode: null, category: 'Violence and sexual offences' }, w)).toBe(194.21);
    expect(harmOf({ offenceCode: null, category: 'Anti-social behaviour' }, w)).toBe(0);
    expect(harmOf({ offenceCode: null, category: 'Anti-social behaviour' }, { ...w, defaultWeight: 1 })).toBe(1);
  });
});
