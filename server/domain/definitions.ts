import { z } from 'zod';

/**
 * A serious-violence definition is data: a list of rules, and an incident belongs to the definition
 * when it matches any rule. A rule matches when every condition it states holds; a condition left
 * out matches everything. Partnerships differ (Merseyside excludes domestic abuse, County Durham &
 * Darlington prioritises domestic abuse with a knife), so users create their own through the API.
 */
export const weaponConditions = ['any', 'knife', 'firearm', 'knife_or_firearm', 'none'] as const;
export const domesticConditions = ['include', 'exclude', 'only'] as const;

export const definitionRuleSchema = z
  .object({
    label: z.string().max(200).optional().describe("What the rule covers, in the partnership's words"),
    categories: z.array(z.string().min(1).max(120)).max(100).optional().describe('data.police.uk crime types or force-extract offence groups; any of them'),
    offenceCodes: z
      .array(z.string().regex(/^[0-9A-Za-z.\-]{1,20}$/))
      .max(500)
      .optional()
      .describe('Home Office offence codes, e.g. 5D, 34B; any of them'),
    weapon: z.enum(weaponConditions).default('any').describe('knife: knife/sharp-instrument flag set; knife_or_firearm: either flag; none: neither flag set'),
    domestic: z.enum(domesticConditions).default('include').describe('exclude: not flagged domestic abuse; only: flagged domestic abuse'),
  })
  .strict()
  .refine((r) => (r.categories?.length ?? 0) + (r.offenceCodes?.length ?? 0) > 0, {
    message: 'a rule needs at least one category or offence code',
  });

export type DefinitionRule = z.infer<typeof definitionRuleSchema>;

export const definitionRulesSchema = z.object({ anyOf: z.array(definitionRuleSchema).min(1).max(50) }).strict();
export type DefinitionRules = z.infer<typeof definitionRulesSchema>;

export interface Definition {
  key: string;
  name: string;
  description: string;
  source: string;
  /** True when the definition only approximates serious violence from coarse public categories. */
  isProxy: boolean;
  rules: DefinitionRules;
}

/** The incident fields a definition can test. */
export interface ClassifiableIncident {
  category: string;
  offenceCode: string | null;
  knife: boolean | null;
  firearm: boolean | null;
  domestic: boolean | null;
}

/** Pure matcher with the same semantics as the SQL the data-access layer compiles from the rules. */
export function matchesDefinition(rules: DefinitionRules, incident: ClassifiableIncident): boolean {
  return rules.anyOf.some((rule) => matchesRule(rule, incident));
}

function matchesRule(rule: DefinitionRule, i: ClassifiableIncident): boolean {
  if (rule.categories?.length && !rule.categories.includes(i.category)) return false;
  if (rule.offenceCodes?.length && (i.offenceCode === null || !rule.offenceCodes.includes(i.offenceCode))) return false;
  const knife = i.knife === true;
  const firearm = i.firearm === true;
  switch (rule.weapon) {
    case 'knife':
      if (!knife) return false;
      break;
    case 'firearm':
      if (!firearm) return false;
      break;
    case 'knife_or_firearm':
      if (!knife && !firearm) return false;
      break;
    case 'none':
      if (knife || firearm) return false;
      break;
    default:
      break;
  }
  // An unknown domestic-abuse flag is read as "not flagged", as force systems record the flag only when set.
  const domestic = i.domestic === true;
  if (rule.domestic === 'exclude' && domestic) return false;
  if (rule.domestic === 'only' && !domestic) return false;
  return true;
}

// Home Office offence codes (ONS/Home Office classification, 2017/18 edition).
const HOMICIDE = ['1', '4.1', '4.2', '4.10', '1-4.1-4.10-4.2'];
const ATTEMPT_MURDER = ['2'];
const S18_WOUNDING = ['5D']; // assault with intent to cause serious harm (s18 GBH with intent)
const ENDANGERING_LIFE = ['5E'];
const ROBBERY = ['34A', '34B'];
const THREATS_TO_KILL = ['3B'];
const ASSAULT_WITH_INJURY = ['8N'];
const AGGRAVATED_ASSAULT_WITH_INJURY = ['8P'];
const ASSAULT_WITH_INJURY_ON_CONSTABLE = ['8S'];
const RAPE = ['19C', '19D', '19E', '19F', '19G', '19H'];
const SEXUAL_ASSAULT = ['17A', '17B', '20A', '20B'];
const ARSON_ENDANGERING_LIFE = ['56A'];

const weaponEnabledCodes = [
  ...ATTEMPT_MURDER,
  ...S18_WOUNDING,
  ...ROBBERY,
  ...THREATS_TO_KILL,
  ...ASSAULT_WITH_INJURY,
  ...AGGRAVATED_ASSAULT_WITH_INJURY,
  ...ASSAULT_WITH_INJURY_ON_CONSTABLE,
  ...RAPE,
  ...SEXUAL_ASSAULT,
  ...ENDANGERING_LIFE,
  ...HOMICIDE,
];
// Without a weapon: homicide and attempt murder, s18, arson endangering life, robbery. The strategy's
// "GBH variants of assault on a constable" (wounding with intent to resist arrest) are recorded under 5D.
const unarmedCodes = [...HOMICIDE, ...ATTEMPT_MURDER, ...S18_WOUNDING, ...ARSON_ENDANGERING_LIFE, ...ROBBERY];

const MERSEYSIDE_SOURCE = 'Merseyside Serious Violence Duty Strategy (PCC, Merseyside Police and partners), "Definition of Serious Violence"';

/** Built-in definitions; stored in the database on first start and listed by the API. */
export const presetDefinitions: Definition[] = [
  {
    key: 'merseyside',
    name: 'Merseyside serious violence (local definition)',
    description:
      'Knife- or firearm-enabled attempt murder, s18 wounding, robbery, threats to kill, assault with injury ' +
      '(including racially/religiously aggravated and on a constable), rape, sexual assault, endangering life and homicide; ' +
      'plus, without a weapon, homicide, attempt murder, s18 wounding, arson endangering life and robbery. ' +
      'Domestic abuse is excluded. Needs Home Office offence codes and weapon flags (force extract).',
    source: MERSEYSIDE_SOURCE,
    isProxy: false,
    rules: {
      anyOf: [
        { label: 'Knife- or firearm-enabled offences', offenceCodes: weaponEnabledCodes, weapon: 'knife_or_firearm', domestic: 'exclude' },
        { label: 'Offences counted with or without a weapon', offenceCodes: unarmedCodes, weapon: 'any', domestic: 'exclude' },
      ],
    },
  },
  {
    key: 'durham-darlington',
    name: 'County Durham & Darlington (domestic abuse with a knife included)',
    description:
      'The Merseyside offence list, but knife-enabled offences count when they are domestic-abuse related, ' +
      "following the partnership's priority to reduce domestic-abuse-related violence with a knife or sharp instrument. " +
      "harmgrid's reading of the published priorities: the partnership's own code list is not published.",
    source: 'County Durham & Darlington Serious Violence Duty briefing slides (strategic priority 4)',
    isProxy: false,
    rules: {
      anyOf: [
        {
          label: 'Knife- or firearm-enabled offences, domestic abuse included',
          offenceCodes: weaponEnabledCodes,
          weapon: 'knife_or_firearm',
          domestic: 'include',
        },
        { label: 'Offences counted with or without a weapon', offenceCodes: unarmedCodes, weapon: 'any', domestic: 'exclude' },
      ],
    },
  },
  {
    key: 'public-proxy',
    name: 'Serious violence — public-data proxy',
    description:
      'data.police.uk publishes no offence code, weapon or domestic-abuse flag, so this proxy counts the categories ' +
      '"Violence and sexual offences", "Robbery" and "Possession of weapons". It includes common assault, harassment ' +
      "and domestic abuse that local definitions exclude: read it as an upper bound, not the partnership's measure.",
    source: 'data.police.uk street-level crime categories',
    isProxy: true,
    rules: {
      anyOf: [
        { label: 'Public categories', categories: ['Violence and sexual offences', 'Robbery', 'Possession of weapons'], weapon: 'any', domestic: 'include' },
      ],
    },
  },
];

export const DEFAULT_DEFINITION = 'public-proxy';
