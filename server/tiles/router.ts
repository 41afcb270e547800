import express from 'express';
import { BASEMAP_MAX_ZOOM, BasemapTiles } from './basemap';
import { basemapStyle } from './style';

/**
 * /tiles/style.json and /tiles/basemap/{z}/{x}/{y}.pbf. HARMGRID_BASEMAP_STYLE_URL, when set, is
 * announced to the web app (GET /tiles/config) so a user with internet can use another basemap.
 */
export function createBasemapRouter(opts: { dataDir: string; styleUrl?: string | undefined }): express.Router {
  const router = express.Router();
  const tiles = new BasemapTiles(opts.dataDir);

  router.get('/tiles/config', (_req, res) => {
    res.json({ styleUrl: opts.styleUrl ?? '/tiles/style.json' });
  });

  router.get('/tiles/style.json', (req, res) => {
    const origin = `${req.protocol}://${req.get('host')}`;
    res.json(basemapStyle(`${origin}/tiles/basemap/{z}/{x}/{y}.pbf`));
  });

  router.get('/tiles/basemap/:z/:x/:y.pbf', (req, res) => {
    const [z, x, y] = [req.params.z, req.params.x, req.params.y].map(Number) as [number, number, number];
    const max = 2 ** z;
    if (![z, x, y].every(Number.isInteger) || z < 0 || z > BASEMAP_MAX_ZOOM || x < 0 || y < 0 || x >= max || y >= max) {
      res.status(400).json({ error: { message: `no tile ${req.params.z}/${req.params.x}/${req.params.y}: zoom 0–${BASEMAP_MAX_ZOOM}, x and y 0 to 2^zoom − 1` } });
      return;
    }
    if (!tiles.available()) {
      res.status(404).json({ error: { message: `no basemap layers found under ${opts.dataDir} (basemap/*.geojson); set HARMGRID_DATA_DIR` } });
      return;
    }
    const tile = tiles.tile(z, x, y);
    res.set('Cache-Control', 'public, max-age=86400');
    if (!tile) { res.status(204).end(); return; }
    res.type('application/x-protobuf').send(Buffer.from(tile));
  });
  return router;
}
