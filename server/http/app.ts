import fs from 'node:fs';
import path from 'node:path';
import express from 'express';
import compression from 'compression';
import helmet from 'helmet';
import { repoRoot, type Config } from '../config';
import { describeDb, type Db } from '../db/connection';
import { Analysis } from '../services/analysis';
import { prepareAhead } from '../services/prepareAhead';
import { shardFailure } from '../services/shards';
import { Api, errorMiddleware } from './api';
import { HttpError } from './httpError';
import { backtestRoutes } from './routes/backtest';
import { mountAuth } from './routes/auth';
import { HEAVY_ROUTES, heavyRateLimit, monthBounds, requestDeadline, requestLimits, type RequestLimits } from './limits';
import { coverageRoutes } from './routes/coverage';
import { areaRoutes, geographyRoutes } from './routes/geography';
import { hotspotExportRoutes, hotspotRoutes } from './routes/hotspots';
import { importRoutes } from './routes/imports';
import { impactRoutes } from './routes/impact';
import { patrolBriefingRoutes } from './routes/patrolBriefing';
import { metaRoutes } from './routes/meta';
import { partnershipRoutes } from './routes/partnership';
import { placeRoutes } from './routes/places';
import { referenceRoutes } from './routes/reference';
import { siteReviewRoutes } from './routes/siteReview';
import { statisticsRoutes } from './routes/statistics';

export interface AppDeps {
  db: Db;
  config: Config;
  /** Extra routers mounted before the API (basemap tiles). */
  extraRouters?: express.Router[];
  /** Time and rate limits (default: from the environment, see http/limits.ts). */
  limits?: RequestLimits;
  /** The data version as announced by the database (LISTEN/NOTIFY), shared by every node. */
  versionFeed?: { current: number | null };
  /** Prepare the first answers ahead (services/prepareAhead.ts), logging with this; stopped by `app.locals.stopPreparing()`. */
  prepareAhead?: (line: string) => void;
}

/** The Express application: security headers, the validated API, its OpenAPI document, the web app. */
export function createApp({ db, config, extraRouters = [], limits = requestLimits(), versionFeed, prepareAhead: prepareLog }: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.use(
    helmet({
      contentSecurityPolicy: {
        directives: {
          // MapLibre builds its workers from blob: URLs, and reads the hexagons the cells worker built from
          // a blob: URL; everything else is served by harmgrid itself.
          'worker-src': ["'self'", 'blob:'],
          'img-src': ["'self'", 'data:', 'blob:'],
          'connect-src': ["'self'", 'blob:', ...(process.env.HARMGRID_BASEMAP_STYLE_URL ? ['https:'] : [])],
        },
      },
    }),
  );
  // Vector tiles too (their type is not in compressible's list): cell tiles shrink about threefold.
  app.use(
    compression({
      filter: (req, res) => compression.filter(req, res) || String(res.getHeader('Content-Type') ?? '').startsWith('application/vnd.mapbox-vector-tile'),
    }),
  );
  app.use('/api', requestDeadline(limits));
  const heavy = heavyRateLimit(limits);
  if (heavy.length) app.use(HEAVY_ROUTES, ...heavy);
  app.use('/api', monthBounds(db));
  app.use('/api', express.json({ limit: '2mb' }));

  const analysis = new Analysis(db);
  if (versionFeed) analysis.versionFeed = versionFeed;
  app.locals.stopPreparing = prepareLog ? prepareAhead(analysis, prepareLog).stop : async () => {};
  const api = new Api({ dataVersion: () => analysis.version() });
  mountAuth(app, api, db, config); // Host and cross-site checks, who is calling, sign-in, accounts and audit routes
  metaRoutes(api, { db, analysis, database: describeDb({ databaseUrl: config.databaseUrl, pgliteDir: config.pgliteDir }) });
  hotspotRoutes(api, analysis);
  hotspotExportRoutes(api, analysis);
  statisticsRoutes(api, analysis);
  geographyRoutes(api, analysis);
  areaRoutes(api, db, analysis);
  placeRoutes(api, analysis);
  partnershipRoutes(api, db, analysis);
  referenceRoutes(api, analysis);
  importRoutes(api, db, config.uploadLimitBytes);
  impactRoutes(api, db, analysis);
  patrolBriefingRoutes(api, db, analysis, config.dataDir);
  siteReviewRoutes(api, db, analysis);
  backtestRoutes(api, db, analysis);
  coverageRoutes(api, db, analysis);

  const openapi = api.document({
    title: 'harmgrid API',
    version: '0.1.0',
    description: 'Harm-weighted H3 hotspots, High Crime High Harm areas and their data. Every parameter is validated; errors say what is allowed.',
  });
  app.get('/api/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  for (const router of extraRouters) app.use(router);
  app.use(api.router);
  app.use('/api', (req, _res, next) => next(new HttpError(404, `no endpoint ${req.method} /api${req.path}; see /api/openapi.json`)));

  const webDist = path.join(repoRoot, 'web', 'dist');
  if (fs.existsSync(webDist)) {
    app.use(express.static(webDist, { index: 'index.html', maxAge: '1h' }));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('harmgrid API is running. The web app is not built: run `npm run build:web`. API: /api/openapi.json');
    });
  }
  // A shard that is down answers 503 naming its forces (server/services/shards.ts).
  app.use((err: unknown, _req: express.Request, _res: express.Response, next: express.NextFunction) => {
    shardFailure(db, err).then(
      (failure) => next(failure ?? err),
      () => next(err),
    );
  });
  app.use(errorMiddleware);
  return app;
}
