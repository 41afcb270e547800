import { z } from 'zod';
import type { Db } from '../../db/connection';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../../domain/h3cell';
import type { Analysis } from '../../services/analysis';
import type { Api } from '../api';
import { forceParam, resolvedDescription } from '../schemas';

export const forceSchema = z.object({
  code: z.string(),
  name: z.string(),
  policeUkName: z.string(),
  districts: z.array(z.string()),
  incidents: z.number(),
  firstMonth: z.string().nullable(),
  lastMonth: z.string().nullable(),
});

export const metaResponse = z.object({
  force: resolvedDescription.shape.force,
  months: z.array(z.string()),
  defaultDefinition: z.string(),
  defaultScheme: z.string(),
  resolutions: z.array(z.number()),
  defaultResolution: z.number(),
  incidents: z.number(),
});

export type Force = z.infer<typeof forceSchema>;
export type Meta = z.infer<typeof metaResponse>;

export function metaRoutes(api: Api, deps: { db: Db; analysis: Analysis; database: string }): void {
  api.add({
    method: 'get',
    path: '/health',
    tag: 'meta',
    access: 'anonymous',
    summary: 'Service health: database reachable, incidents loaded, first answers prepared',
    response: {
      description: 'ok',
      schema: z.object({
        status: z.literal('ok'),
        database: z.string(),
        incidents: z.number(),
        prepared: z.boolean().describe('the first answers of the stored data are read ahead (false while they are being read, or when preparing is off)'),
      }),
    },
    handler: async () => {
      const [prepared, incidents] = [await deps.analysis.prepared(), await deps.analysis.incidentCount()];
      return { status: 'ok' as const, database: deps.database, incidents, prepared };
    },
  });

  api.add({
    method: 'get',
    path: '/api/forces',
    tag: 'meta',
    access: 'public',
    cache: true,
    summary: 'The forces whose data is loaded: districts, incidents and months of each',
    description: 'A force is loaded when incidents or districts belong to it. Every analysis endpoint takes force= with one of these codes, or all.',
    response: { description: 'loaded forces, by name', schema: z.object({ forces: z.array(forceSchema) }) },
    handler: async () => ({ forces: await deps.analysis.loadedForces() }),
  });

  api.add({
    method: 'get',
    path: '/api/meta',
    tag: 'meta',
    access: 'public',
    cache: true,
    summary: 'Months loaded and the defaults the API uses, for one force (or all)',
    query: z.object({ force: forceParam }).strict(),
    response: {
      description: 'what is loaded',
      schema: metaResponse,
    },
    handler: async ({ query }) => {
      const forces = await deps.analysis.loadedForces();
      // With several forces and none named, the meta still answers (listing them) so a client can offer the choice.
      const scope = await deps.analysis.forceScope(query.force ?? (forces.length > 1 ? 'all' : undefined));
      const d = await deps.analysis.defaults(scope);
      const resolutions = [];
      for (let r = MIN_RESOLUTION; r <= MAX_RESOLUTION; r++) resolutions.push(r);
      const inScope = forces.filter((f) => scope.codes.includes(f.code));
      return {
        force: { codes: scope.codes, name: scope.label },
        months: d.months,
        defaultDefinition: d.definition,
        defaultScheme: d.scheme,
        resolutions,
        defaultResolution: 9,
        incidents: inScope.length ? inScope.reduce((s, f) => s + f.incidents, 0) : await deps.analysis.incidents.count(),
      };
    },
  });
}
