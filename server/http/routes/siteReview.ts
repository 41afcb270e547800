import { z } from 'zod';
import { month } from '../schemas';
import type { Db } from '../../db/connection';
import { MAX_RING_METRES, MIN_RING_METRES } from '../../domain/siteReview';
import type { Analysis } from '../../services/analysis';
import { AreaService } from '../../services/areas';
import { SiteReviewService } from '../../services/siteReview';
import type { Api } from '../api';
import { renderSiteReview } from '../pages/siteReview';
import { sendPrintable } from '../pages/html';
import { idParam } from './zones';
import { forceParam } from '../schemas';

const RINGS_RULE = `a comma list of 1 to 3 different distances in whole metres, each ${MIN_RING_METRES}–${MAX_RING_METRES}, e.g. 250,500,1000`;

export const reviewQuery = z
  .object({
    rings: z
      .string()
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const parts = v.split(',').map((s) => s.trim());
        const values = parts.map(Number);
        if (
          parts.length < 1 ||
          parts.length > 3 ||
          parts.some((s) => !/^\d+$/.test(s)) ||
          values.some((n) => n < MIN_RING_METRES || n > MAX_RING_METRES) ||
          new Set(values).size !== values.length
        ) {
          ctx.addIssue({ code: 'custom', message: `must be ${RINGS_RULE}; got "${v}"` });
          return z.NEVER;
        }
        return values.sort((a, b) => a - b);
      })
      .describe(
        `rings around the site, ${RINGS_RULE} (default 250,500,1000); each ring is the annulus from the previous distance to this one outside the site's edge`,
      ),
    from: month.optional().describe('first month of the period (default: 11 months before `to`)'),
    to: month.optional().describe('last month of the period, inclusive (default: the latest month loaded, or 11 months after `from`)'),
    force: forceParam,
    definition: z.string().min(1).max(64).optional().describe('serious-violence definition key (default public-proxy)'),
    scheme: z.string().min(1).max(64).optional().describe('harm scheme key (default cchi when loaded, else count)'),
    variant: z
      .enum(['full', 'preliminary'])
      .default('full')
      .describe(
        'full report, or the preliminary short variant for outline planning applications (headline counts and rates against comparators, hotspot status, traffic light, caveats)',
      ),
  })
  .strict();

/** The site review report (designing-out-crime officers): JSON, and a printable self-contained HTML page. */
export function siteReviewRoutes(api: Api, db: Db, analysis: Analysis): void {
  const service = new SiteReviewService(analysis, new AreaService(db, analysis));

  api.add({
    method: 'get',
    path: '/api/sites/:id/review',
    tag: 'sites',
    access: 'site-review',
    cache: true,
    summary: 'Site review report: the site and rings around it against ward, district and force, hotspots, deprivation, traffic light',
    description:
      'Counts and harm by category and definition inside the site and each ring (annuli from the site edge), rates per km² and per 1,000 residents against the ward, district and force with the exact conditional Poisson test, monthly trend, day × hour where incidents carry times, top and repeat locations, HCHH / Gi* / emerging status of the cells the site touches, deprivation of its LSOAs, a traffic light with its rule, and the data caveats. See docs/site-review.md.',
    params: idParam,
    query: reviewQuery,
    response: { description: 'the report as JSON', schema: z.any() },
    handler: async ({ params, query }) => service.review(params.id, query),
  });

  api.add({
    method: 'get',
    path: '/api/sites/:id/review.html',
    tag: 'sites',
    access: 'site-review',
    summary: 'Site review report as a printable, self-contained HTML page (Print / save as PDF)',
    params: idParam,
    query: reviewQuery,
    response: { description: 'HTML page with a print stylesheet and an inline SVG map; no remote resources', schema: z.string(), contentType: 'text/html' },
    handler: async ({ params, query, res }) => {
      return sendPrintable(res, renderSiteReview(await service.review(params.id, query)));
    },
  });
}
