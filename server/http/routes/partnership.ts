import { z } from 'zod';
import type { Db } from '../../db/connection';
import { AggregateStore } from '../../db/aggregates';
import { periodTypes } from '../../domain/periods';
import type { Api } from '../api';

const aggregateOut = z.object({
  source: z.string(), measure: z.string(), areaCode: z.string(), areaName: z.string().nullable(), areaType: z.string(),
  periodType: z.string(), periodLabel: z.string(), periodStart: z.string(), periodEnd: z.string(), ageBand: z.string(),
  value: z.number().nullable().describe('null when the publisher suppressed it; never read as zero'),
  suppressionMarker: z.string().nullable(), revision: z.string(),
}).meta({ id: 'AggregateValue' });

/** Partners' published figures. */
export function partnershipRoutes(api: Api, db: Db): void {
  const aggregates = new AggregateStore(db);
  api.add({
    method: 'get', path: '/api/aggregates', tag: 'partnership', access: 'read',
    summary: 'Published aggregate counts (hospital admissions, Homicide Index …) with their suppression markers',
    query: z.object({
      source: z.string().max(120).optional(), measure: z.string().max(200).optional(), areaCode: z.string().max(20).optional(),
      periodType: z.enum(periodTypes).optional(),
    }).strict(),
    response: { description: 'values in source, measure, area and period order', schema: z.object({ values: z.array(aggregateOut) }) },
    handler: async ({ query }) => ({ values: await aggregates.list(query) }),
  });
}
