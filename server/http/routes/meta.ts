import { z } from 'zod';
import type { Db } from '../../db/connection';
import { MAX_RESOLUTION, MIN_RESOLUTION } from '../../domain/h3cell';
import type { Analysis } from '../../services/analysis';
import type { Api } from '../api';

export function metaRoutes(api: Api, deps: { db: Db; analysis: Analysis; database: string }): void {
  api.add({
    method: 'get', path: '/health', tag: 'meta', access: 'anonymous',
    summary: 'Service health: database reachable, incidents loaded',
    response: { description: 'ok', schema: z.object({ status: z.literal('ok'), database: z.string(), incidents: z.number() }) },
    handler: async () => ({ status: 'ok' as const, database: deps.database, incidents: await deps.analysis.incidents.count() }),
  });

  api.add({
    method: 'get', path: '/api/meta', tag: 'meta', access: 'public',
    summary: 'Months loaded and the defaults the API uses',
    response: {
      description: 'what is loaded',
      schema: z.object({
        months: z.array(z.string()), defaultDefinition: z.string(), defaultScheme: z.string(),
        resolutions: z.array(z.number()), defaultResolution: z.number(), incidents: z.number(),
      }),
    },
    handler: async () => {
      const d = await deps.analysis.defaults();
      const resolutions = [];
      for (let r = MIN_RESOLUTION; r <= MAX_RESOLUTION; r++) resolutions.push(r);
      return {
        months: d.months, defaultDefinition: d.definition, defaultScheme: d.scheme, resolutions, defaultResolution: 9,
        incidents: await deps.analysis.incidents.count(),
      };
    },
  });
}
