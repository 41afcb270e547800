import { z } from 'zod';
import type { Db } from '../../db/connection';
import type { Analysis } from '../../services/analysis';
import { coverageOf, forceCoverage, replacements } from '../../services/coverage';
import type { Api } from '../api';
import { monthCoverageSchema, periodCoverageSchema } from '../coverageSchemas';
import { analysisQuery, forceParam } from '../schemas';

export const coverageResponse = z.object({
  force: z.object({ codes: z.array(z.string()), name: z.string() }),
  forces: z.array(
    z.object({
      force: z.string().nullable(),
      span: z.object({ first: z.string(), last: z.string() }).nullable().describe('first to last month any source of the force holds'),
      sources: z.array(
        z.object({ source: z.string(), timed: z.boolean().describe('incidents carry a time: days are checked'), months: z.array(monthCoverageSchema) }),
      ),
    }),
  ),
  districts: z.array(z.object({ code: z.string(), name: z.string() })),
  definition: z.object({ key: z.string(), name: z.string() }),
  coverage: periodCoverageSchema,
  replacements: z
    .array(
      z.object({
        importId: z.number(),
        replacedImportId: z.number().nullable(),
        source: z.string(),
        force: z.string().nullable(),
        month: z.string(),
        rowsBefore: z.number(),
        rowsAfter: z.number(),
        rowsKept: z.number(),
        rowsAdded: z.number(),
        rowsWithdrawn: z.number(),
      }),
    )
    .describe('months replaced by a re-publication, newest import last'),
});
export type CoverageAnswer = z.infer<typeof coverageResponse>;

export function coverageRoutes(api: Api, db: Db, analysis: Analysis): void {
  api.add({
    method: 'get',
    path: '/api/coverage',
    tag: 'meta',
    access: 'read',
    cache: true,
    summary: 'What is loaded: every source of the force month by month — loaded, partial (with why) or missing — and the coverage of a definition',
    description:
      'A month is missing when no import of the source covers it, partial when the latest month is far short of the months before, when a timed source has days without any incident that its rate makes implausible (an extract ending mid-month), or when districts that usually hold incidents hold none (a file covering part of the force). Missing months are unknown, never zero: figures over them are refused or marked incomplete. See README, "Coverage".',
    query: z
      .object({
        force: forceParam,
        definition: analysisQuery.shape.definition,
        source: analysisQuery.shape.source,
        from: analysisQuery.shape.from,
        to: analysisQuery.shape.to,
      })
      .strict(),
    response: {
      description: "per force and source, every month of the force's span; the definition's coverage over the period; replacements of re-published months",
      schema: coverageResponse,
    },
    handler: async ({ query }) => {
      const r = await analysis.resolve({ ...query, resolution: 9 });
      const forces = await forceCoverage(db, r.version, r.force.codes.length ? r.force.codes : undefined);
      const districts = (await analysis.districtsOf(r.force)).map((d) => ({ code: d.code, name: d.name }));
      return {
        force: { codes: r.force.codes, name: r.force.label },
        forces: forces.map((f) => ({ force: f.force, span: f.span, sources: f.sources.map((s) => ({ source: s.source, timed: s.timed, months: s.months })) })),
        districts: [...new Map(districts.map((d) => [d.code, d])).values()],
        definition: { key: r.definition.key, name: r.definition.name },
        coverage: coverageOf(r),
        replacements: (await replacements(db)).filter((x) => !r.force.codes.length || r.force.codes.includes(x.force ?? '')),
      };
    },
  });
}
