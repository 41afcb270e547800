import { z } from 'zod';
import { parseCellId } from './h3cell';

const month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a month as YYYY-MM');

/**
 * Where an indicator is measured: the force, a district or ward (by the incidents' tags), a
 * Clear-Hold-Build zone (its outline), the HCHH areas (found on the baseline period, so the areas stay
 * fixed while the quarters are measured), or a set of H3 cells (a drawn area).
 */
export const indicatorAreaSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('force') }).strict(),
  z.object({ type: z.literal('district'), code: z.string().regex(/^E0[6-9]\d{6}$/, 'a local authority district code, e.g. E08000012') }).strict(),
  z.object({ type: z.literal('ward'), code: z.string().regex(/^E05\d{6}$/, 'a ward code, e.g. E05000886') }).strict(),
  z.object({ type: z.literal('zone'), id: z.number().int().positive().describe('a zone id from GET /api/zones') }).strict(),
  z
    .object({
      type: z.literal('hchh'),
      rank: z.number().int().min(1).max(1000).optional().describe('one HCHH area by its rank; all of them when absent'),
      resolution: z
        .number()
        .int()
        .min(7)
        .max(11)
        .default(9)
        .describe('the resolution of the analysis; the default rule builds its areas from resolution-11 cells whatever this is (as /api/hchh)'),
    })
    .strict()
    .describe('the HCHH areas of the baseline period (default rule: the patrol plan, as /api/hchh)'),
  z
    .object({
      type: z.literal('cells'),
      name: z.string().min(1).max(200),
      cells: z
        .array(
          z.string().refine((c) => {
            try {
              parseCellId(c);
              return true;
            } catch {
              return false;
            }
          }, 'an H3 cell id at resolution 7–11'),
        )
        .min(1)
        .max(5000),
    })
    .strict(),
]);

export const indicatorInputSchema = z
  .object({
    key: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'lower-case letters, digits and hyphens, 2–63 characters'),
    name: z.string().min(1).max(200),
    measure: z
      .enum(['count', 'harm', 'rate'])
      .default('count')
      .describe('count of incidents; harm under a scheme; rate: incidents per 100,000 residents (mid-2015) of the area'),
    definition: z.string().min(1).max(64).describe('serious-violence definition key'),
    scheme: z.string().min(1).max(64).optional().describe('harm scheme for measure=harm (default cchi)'),
    sources: z.array(z.string().min(1).max(60)).max(20).optional().describe('restrict to these incident sources'),
    area: indicatorAreaSchema.default({ type: 'force' }),
    baseline: z
      .object({ from: month, to: month })
      .strict()
      .refine((b) => b.from <= b.to, 'the baseline starts after it ends'),
    rag: z
      .discriminatedUnion('rule', [
        z.object({ rule: z.literal('significance') }).strict(),
        z.object({ rule: z.literal('target'), targetPercent: z.number().min(-100).max(100) }).strict(),
      ])
      .default({ rule: 'significance' }),
  })
  .strict();

export type IndicatorInput = z.infer<typeof indicatorInputSchema>;
export type IndicatorArea = z.infer<typeof indicatorAreaSchema>;
