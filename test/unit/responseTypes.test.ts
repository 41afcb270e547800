import { describe, expectTypeOf, it } from 'vitest';
import type { z } from 'zod';
import type { areaStatistics } from '../../server/http/areaSchemas';
import type { indicatorReportSchema, partnershipPackResponse, successMeasuresResponse } from '../../server/http/partnershipSchemas';
import type { briefingResponse } from '../../server/http/routes/patrolBriefing';
import type { impactResponse } from '../../server/http/routes/impact';
import type { siteReviewResponse } from '../../server/http/routes/siteReview';
import type { AreaService } from '../../server/services/areas';
import type { ImpactService } from '../../server/services/impact';
import type { IndicatorReport } from '../../server/services/indicators';
import type { PartnershipPack } from '../../server/services/partnershipPack';
import type { PatrolBriefingService } from '../../server/services/patrolBriefing';
import type { SiteReviewService } from '../../server/services/siteReview';
import type { SuccessMeasuresReport } from '../../server/services/successMeasures';

type Answer<F extends (...args: never[]) => unknown> = Awaited<ReturnType<F>>;
type Briefing = Answer<PatrolBriefingService['briefing']>;

// Checked by `npm run typecheck` (these assertions are types): what a service returns must be what
// its route's response schema describes, so a field added, renamed or made nullable in a service
// without its schema fails here before any request is made (the integration tests check the values).
describe('service answers fit their response schemas', () => {
  it('the record-level and partnership reports', () => {
    expectTypeOf<Omit<Briefing, 'areas'> & { areas: Omit<Briefing['areas'][number], 'box' | 'roads'>[] }>().toExtend<z.input<typeof briefingResponse>>();
    expectTypeOf<Answer<ImpactService['impact']>>().toExtend<z.input<typeof impactResponse>>();
    expectTypeOf<Answer<SiteReviewService['review']>>().toExtend<z.input<typeof siteReviewResponse>>();
    expectTypeOf<SuccessMeasuresReport>().toExtend<z.input<typeof successMeasuresResponse>>();
    expectTypeOf<IndicatorReport>().toExtend<z.input<typeof indicatorReportSchema>>();
    expectTypeOf<PartnershipPack>().toExtend<z.input<typeof partnershipPackResponse>>();
  });
  it('area statistics, zones included', () => {
    expectTypeOf<Omit<Answer<AreaService['statistics']>, 'outline'>>().toExtend<z.input<typeof areaStatistics>>();
    expectTypeOf<Omit<Answer<AreaService['zoneStatistics']>, 'outline'>>().toExtend<z.input<typeof areaStatistics>>();
  });
});
