import { z } from 'zod';

/**
 * Harm schemes weight each incident. The Cambridge Crime Harm Index (Sherman, Neyroud & Neyroud 2016,
 * Policing 10(3):171–183) weights an offence by the starting point of its sentence for a first offender,
 * in days of custody. A scheme holds weights by Home Office offence code and by category; an incident
 * takes its offence-code weight when the scheme has one, else its category weight, else the scheme's
 * default weight, else no harm (0).
 */
export const harmWeightSchema = z
  .object({
    matchKind: z.enum(['offence_code', 'category']).describe('offence_code is used before category'),
    matchValue: z.string().min(1).max(120),
    weight: z.number().finite().min(0).max(1_000_000),
    note: z.string().max(500).default(''),
  })
  .strict();

export const harmSchemeInputSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and hyphens, 2–63 characters'),
    name: z.string().min(1).max(200),
    unit: z.string().min(1).max(60),
    description: z.string().max(2000).default(''),
    source: z.string().max(1000).default(''),
    defaultWeight: z.number().finite().min(0).nullable().default(null),
    weights: z.array(harmWeightSchema).max(5000).default([]),
  })
  .strict();

export type HarmSchemeInput = z.infer<typeof harmSchemeInputSchema>;
export type HarmWeight = z.infer<typeof harmWeightSchema>;

/** Picks the weight of one incident under a scheme: the same precedence as the SQL aggregation. */
export function harmOf(
  incident: { offenceCode: string | null; category: string },
  weights: { byOffenceCode: Map<string, number>; byCategory: Map<string, number>; defaultWeight: number | null },
): number {
  if (incident.offenceCode !== null) {
    const w = weights.byOffenceCode.get(incident.offenceCode);
    if (w !== undefined) return w;
  }
  return weights.byCategory.get(incident.category) ?? weights.defaultWeight ?? 0;
}

export const CCHI_KEY = 'cchi';
export const COUNT_KEY = 'count';

export const countScheme: HarmSchemeInput = {
  key: COUNT_KEY,
  name: 'Count (every incident weighs 1)',
  unit: 'incidents',
  description: 'A plain count, for comparison with harm weighting.',
  source: 'harmgrid',
  defaultWeight: 1,
  weights: [],
};

export const cchiSchemeHeader = {
  key: CCHI_KEY,
  name: 'Cambridge Crime Harm Index (2026 update)',
  unit: 'CCHI days',
  description:
    'Sentencing starting point for a first offender, in days of custody (Sherman, Neyroud & Neyroud 2016). ' +
    'Offence codes take the median CCHI score of their Home Office offence subgroup; data.police.uk categories take ' +
    'the national-count-weighted mean of the subgroup medians in the category (an approximation: a category such as ' +
    '"Violence and sexual offences" mixes homicide at 5,475 days with harassment at 10). Anti-social behaviour is not ' +
    'notifiable crime and has no CCHI score, so it carries no harm.',
  source:
    'Cambridge Centre for Evidence-Based Policing, Cambridge Crime Harm Index 2026 update, as summarised per offence subgroup ' +
    'and per data.police.uk category by the TU/e "Police Resource Allocation Dashboard" project (see the harm folder\'s PROVENANCE.md)',
};

/**
 * The CCHI offence subgroup (as named in the weights table) that a Home Office offence falls in,
 * from its ONS classification (2017/18 edition). Returns null for offences with no CCHI subgroup
 * (pre-2013 fraud outcome codes).
 * @example cchiSubgroupOf({ code: '34B', name: 'Robbery of personal property', subgroup: '', group: 'Robbery' })
 *          // 'Robbery of personal property'
 */
export function cchiSubgroupOf(o: { code: string; name: string; subgroup: string; group: string }): string | null {
  const sub = o.subgroup.trim();
  const group = o.group.trim();
  const name = o.name.trim();
  if (/homicide/i.test(name) || ['1', '4.1', '4.2', '4.10'].includes(o.code)) return 'Homicide';
  if (sub === 'Violence with injury') {
    // Causing death or serious injury by driving sits in its own subgroup in the current tables.
    return /driving|vehicle taking/i.test(name) ? 'Death or serious injury - unlawful driving' : 'Violence with injury';
  }
  if (sub === 'Violence without injury') return 'Violence without injury';
  if (sub === 'Harassment') return 'Stalking and harassment';
  if (sub === 'Rape') return 'Rape offences';
  if (sub === 'Other sexual offences') return 'Other sexual offences';
  if (group === 'Robbery') return /business/i.test(name) ? 'Robbery of business property' : 'Robbery of personal property';
  if (sub === 'Arson') return 'Arson';
  if (sub === 'Criminal damage') return 'Criminal damage';
  if (sub === 'Domestic burglary') return 'Residential burglary'; // the 2017/18 "domestic" became "residential" in 2022/23
  if (sub === 'Non-domestic burglary') return 'Non-residential burglary';
  if (sub === 'Bicycle theft') return 'Bicycle theft';
  if (['Theft from a vehicle', 'Theft of a motor vehicle', 'Vehicle interference'].includes(sub)) return 'Vehicle offences';
  if (sub === 'Other theft offences') return 'Other theft offences';
  if (group === 'Theft offences' && /shoplifting/i.test(name)) return 'Shoplifting';
  if (group === 'Theft offences' && /from the person/i.test(name)) return 'Theft from the person';
  if (sub === 'Possession of drugs') return 'Possession of drugs';
  if (sub === 'Trafficking of drugs') return 'Trafficking of drugs';
  if (group === 'Possession of weapons offences') return 'Possession of weapons offences';
  if (group === 'Public order offences') return 'Public order offences';
  if (group === 'Miscellaneous crimes against society') return 'Miscellaneous crimes against society';
  return null;
}
