import { z } from 'zod';

/** The coverage block of an answer: what of its period is loaded (domain/coverage.ts periodCoverage). */
export const periodCoverageSchema = z
  .object({
    from: z.string(),
    to: z.string(),
    complete: z.boolean().describe('true when every month of the period is loaded, none partial, for every source the answer reads'),
    missing: z.array(z.string()).describe('months no source of the answer holds: not zero, unknown'),
    partial: z
      .array(z.object({ month: z.string(), source: z.string(), force: z.string().nullable(), reasons: z.array(z.string()) }))
      .describe('months a source holds only in part, with why'),
    singleSource: z
      .array(z.object({ month: z.string(), force: z.string().nullable(), sources: z.array(z.string()), without: z.array(z.string()) }))
      .describe('months held by some of the sources only: figures there stand for those sources'),
    sources: z.array(z.string()).describe('the sources the answer reads (those holding incidents of its definition)'),
    statement: z.string().describe('the coverage in one sentence, for the page'),
  })
  .describe('what of the period is loaded; a figure over missing months is refused or says what it did');

export const monthCoverageSchema = z.object({
  month: z.string(),
  status: z.enum(['loaded', 'partial', 'missing']),
  incidents: z.number(),
  reasons: z.array(z.string()),
  days: z.object({ first: z.string(), last: z.string() }).nullable().describe('timed sources: first and last day holding an incident'),
  missingDistricts: z.array(z.string()).describe('districts the month does not cover (the file covers part of the force)'),
});

export type PeriodCoverage = z.infer<typeof periodCoverageSchema>;
export type MonthCoverage = z.infer<typeof monthCoverageSchema>;
