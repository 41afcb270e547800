import { z } from 'zod';
import { plainText } from '../schemas';
import { definitionRulesSchema } from '../../domain/definitions';
import { harmSchemeInputSchema } from '../../domain/harm';
import type { Analysis } from '../../services/analysis';
import type { Api } from '../api';
import { HttpError } from '../httpError';

export const definitionOut = z
  .object({
    key: z.string(),
    name: z.string(),
    description: z.string(),
    source: z.string(),
    isProxy: z.boolean(),
    builtin: z.boolean(),
    rules: definitionRulesSchema.describe('an incident belongs when it matches any rule'),
  })
  .meta({ id: 'Definition' });

const definitionIn = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and hyphens, 2–63 characters'),
    name: z.string().min(1).max(200),
    description: z.string().max(2000).default(''),
    source: z.string().max(1000).default(''),
    isProxy: z.boolean().default(false),
    rules: definitionRulesSchema,
  })
  .strict()
  .meta({ id: 'DefinitionInput' });

export const schemeOut = z
  .object({
    key: z.string(),
    name: z.string(),
    unit: z.string(),
    description: z.string(),
    source: z.string(),
    defaultWeight: z.number().nullable(),
    builtin: z.boolean(),
    weights: z.number().describe('number of weights'),
  })
  .meta({ id: 'HarmScheme' });

export type Definition = z.infer<typeof definitionOut>;
export type Scheme = z.infer<typeof schemeOut>;

export function referenceRoutes(api: Api, analysis: Analysis): void {
  const { reference } = analysis;

  api.add({
    method: 'get',
    path: '/api/definitions',
    tag: 'definitions',
    access: 'public',
    summary: 'Serious-violence definitions (presets and user-made)',
    response: { description: 'all definitions', schema: z.object({ definitions: z.array(definitionOut) }) },
    handler: async () => ({ definitions: (await reference.definitions()).map(({ id: _id, ...d }) => d) }),
  });

  api.add({
    method: 'post',
    path: '/api/definitions',
    tag: 'definitions',
    access: 'definition',
    summary: 'Create or replace a user definition',
    description: 'A definition is a list of rules; an incident belongs when it matches any rule. Built-in presets cannot be replaced.',
    body: definitionIn,
    response: { description: 'the stored definition', schema: definitionOut },
    handler: async ({ body, res }) => {
      const existing = await reference.definition(body.key);
      if (existing?.builtin) throw new HttpError(409, `"${body.key}" is a built-in definition; choose another key`);
      await reference.saveDefinition(body);
      res.status(existing ? 200 : 201);
      const { id: _id, ...saved } = (await reference.definition(body.key))!;
      return saved;
    },
  });

  api.add({
    method: 'get',
    path: '/api/harm-schemes',
    tag: 'harm',
    access: 'public',
    summary: 'Harm schemes',
    response: { description: 'all schemes', schema: z.object({ schemes: z.array(schemeOut) }) },
    handler: async () => ({ schemes: (await reference.schemes()).map(({ id: _id, ...s }) => s) }),
  });

  api.add({
    method: 'get',
    path: '/api/harm-schemes/:key',
    tag: 'harm',
    access: 'public',
    summary: 'One harm scheme with its weights',
    params: z.object({ key: plainText(64) }),
    response: {
      description: 'the scheme and every weight',
      schema: schemeOut.extend({ weightList: z.array(z.object({ matchKind: z.string(), matchValue: z.string(), weight: z.number(), note: z.string() })) }),
    },
    handler: async ({ params }) => {
      const scheme = await reference.scheme(params.key);
      if (!scheme) throw new HttpError(404, `no harm scheme "${params.key}"`);
      const { id, ...rest } = scheme;
      return { ...rest, weightList: await reference.schemeWeights(id) };
    },
  });

  api.add({
    method: 'post',
    path: '/api/harm-schemes',
    tag: 'harm',
    access: 'definition',
    summary: 'Create or replace a user harm scheme',
    description: 'Weights by Home Office offence code are used before weights by category; unmatched incidents take defaultWeight (null: no harm).',
    body: harmSchemeInputSchema.meta({ id: 'HarmSchemeInput' }),
    response: { description: 'the stored scheme', schema: schemeOut },
    handler: async ({ body, res }) => {
      const existing = await reference.scheme(body.key);
      if (existing?.builtin) throw new HttpError(409, `"${body.key}" is a built-in scheme; choose another key`);
      const seen = new Set<string>();
      for (const w of body.weights) {
        const k = `${w.matchKind}:${w.matchValue}`;
        if (seen.has(k)) throw new HttpError(400, `weights: ${w.matchKind} "${w.matchValue}" is given twice`);
        seen.add(k);
      }
      await reference.saveScheme(body);
      res.status(existing ? 200 : 201);
      const { id: _id, ...saved } = (await reference.scheme(body.key))!;
      return saved;
    },
  });
}
