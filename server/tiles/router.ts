import zlib from 'node:zlib';
import express from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { BASEMAP_MAX_ZOOM, BasemapTiles } from './basemap';
import { readPmtiles, type PmtilesInfo } from './pmtiles';
import { GLYPH_FONTS, glyphRange, knownFonts } from './glyphs';
import { FONT_BOLD, FONT_REGULAR, basemapStyle } from './style';

/**
 * The offline basemap, all under /tiles so the app mounts it at its root:
 * - GET /tiles/style.json — the quiet analytical style (vector tiles and glyphs from this server);
 * - GET /tiles/basemap/{z}/{x}/{y}.pbf — Mapbox Vector Tiles cut from the OSM GeoJSON layers;
 * - GET /tiles/glyphs/{fontstack}/{start}-{end}.pbf — SDF glyphs drawn from Noto Sans;
 * - GET /tiles/basemap.pmtiles — the user's PMTiles archive (HARMGRID_BASEMAP_PMTILES), by range
 *   requests; when set it is the basemap instead of the OSM layers;
 * - GET /tiles/config — the style the web app should load: HARMGRID_BASEMAP_STYLE_URL when set
 *   (an organisation's own style), else /tiles/style.json; and what that basemap covers, so the app
 *   draws its boundaries-only basemap where none does.
 * A missing basemap folder never stops the service: tiles answer 404 with a message and the style
 * is served without the basemap source (background and overlays only).
 */
const gzipped = new WeakMap<Uint8Array, Buffer>();

/**
 * Sends a protobuf, gzipped once and kept when the client accepts gzip: the app's compression
 * middleware leaves application/x-protobuf alone, and tiles and glyphs shrink to about half.
 */
function sendPbf(req: express.Request, res: express.Response, body: Uint8Array): void {
  res.set('Cache-Control', 'public, max-age=86400');
  res.set('Vary', 'Accept-Encoding');
  res.type('application/x-protobuf');
  if (!req.acceptsEncodings('gzip')) {
    res.send(Buffer.from(body));
    return;
  }
  let gz = gzipped.get(body);
  if (!gz) {
    gz = zlib.gzipSync(body, { level: 6 });
    gzipped.set(body, gz);
  }
  res.set('Content-Encoding', 'gzip');
  res.send(gz);
}

/**
 * What the first map after a start would otherwise wait for: the basemap layers read and indexed
 * (about 1 s) and the first glyph range (code points 0–255) of each font the style and the app's
 * labels use, drawn as SDF (about 0.3 s each). Each step is its own turn of the event loop.
 */
async function prepareFirstView(tiles: BasemapTiles | null): Promise<void> {
  if (tiles?.hasFiles()) await tiles.prepare();
  for (const font of [FONT_REGULAR, FONT_BOLD]) {
    await new Promise((resolve) => setImmediate(resolve));
    glyphRange(font.join(','), 0);
  }
}

export function createBasemapRouter(opts: {
  dataDir: string;
  styleUrl?: string | undefined;
  pmtiles?: string | undefined;
  /** Build the basemap indexes and the Latin glyphs of the style's fonts now, in the background (a started server). */
  prepare?: boolean;
}): express.Router {
  const router = express.Router();
  const tiles = new BasemapTiles(opts.dataDir);
  const styleUrl = opts.styleUrl || process.env.HARMGRID_BASEMAP_STYLE_URL || undefined;
  const pmtilesFile = opts.pmtiles || process.env.HARMGRID_BASEMAP_PMTILES || undefined;
  // Read once; a bad archive fails every style request with its reason rather than drawing a blank map.
  const pmtiles: Promise<PmtilesInfo> | null = pmtilesFile ? readPmtiles(path.resolve(pmtilesFile)) : null;
  pmtiles?.catch(() => {});
  // Another organisation's style draws neither harmgrid's basemap nor its glyphs.
  if (opts.prepare && !styleUrl) setTimeout(() => prepareFirstView(pmtiles ? null : tiles).catch(() => {}), 0);

  router.get('/tiles/config', async (_req, res, next) => {
    try {
      const basemap = styleUrl
        ? { kind: 'style', bounds: null }
        : pmtiles
          ? { kind: 'pmtiles', bounds: (await pmtiles).bounds }
          : tiles.hasFiles()
            ? { kind: 'osm', bounds: tiles.bounds() }
            : { kind: 'none', bounds: null };
      res.json({ styleUrl: styleUrl ?? '/tiles/style.json', external: Boolean(styleUrl), basemap });
    } catch (e) {
      next(e);
    }
  });

  router.get('/tiles/style.json', async (req, res, next) => {
    try {
      const origin = `${req.protocol}://${req.get('host')}`;
      const source = pmtiles
        ? { kind: 'pmtiles' as const, url: `pmtiles://${origin}/tiles/basemap.pmtiles`, info: await pmtiles }
        : tiles.hasFiles()
          ? { kind: 'osm' as const, tilesUrl: `${origin}/tiles/basemap/{z}/{x}/{y}.pbf`, bounds: tiles.bounds() }
          : null;
      res.set('Cache-Control', 'no-cache');
      res.json(basemapStyle({ source, glyphsUrl: `${origin}/tiles/glyphs/{fontstack}/{range}.pbf` }));
    } catch (e) {
      next(e);
    }
  });

  // express's sendFile answers Range requests (206 Partial Content), which the pmtiles protocol uses.
  router.get('/tiles/basemap.pmtiles', (_req, res) => {
    if (!pmtilesFile || !fs.existsSync(pmtilesFile)) {
      res.status(404).json({ error: { message: 'no PMTiles basemap: set HARMGRID_BASEMAP_PMTILES to the path of a .pmtiles archive' } });
      return;
    }
    res.sendFile(path.resolve(pmtilesFile), { acceptRanges: true, cacheControl: true, maxAge: '1d', headers: { 'Content-Type': 'application/vnd.pmtiles' } });
  });

  router.get('/tiles/basemap/:z/:x/:y.pbf', (req, res) => {
    const [z, x, y] = [req.params.z, req.params.x, req.params.y].map(Number) as [number, number, number];
    const max = 2 ** z;
    if (![z, x, y].every(Number.isInteger) || z < 0 || z > BASEMAP_MAX_ZOOM || x < 0 || y < 0 || x >= max || y >= max) {
      res
        .status(400)
        .json({ error: { message: `no tile ${req.params.z}/${req.params.x}/${req.params.y}: zoom 0–${BASEMAP_MAX_ZOOM}, x and y 0 to 2^zoom − 1` } });
      return;
    }
    if (!tiles.available()) {
      res.status(404).json({ error: { message: `no basemap layers found under ${opts.dataDir} (basemap/*.geojson); set HARMGRID_DATA_DIR` } });
      return;
    }
    const tile = tiles.tile(z, x, y);
    if (!tile) {
      res.set('Cache-Control', 'public, max-age=86400').status(204).end();
      return;
    }
    sendPbf(req, res, tile);
  });

  router.get('/tiles/glyphs/:fontstack/:range.pbf', (req, res) => {
    const m = /^(\d+)-(\d+)$/.exec(req.params.range);
    const start = Number(m?.[1]),
      end = Number(m?.[2]);
    if (!m || start % 256 !== 0 || end !== start + 255 || end > 65535) {
      res.status(400).json({ error: { message: `no glyph range ${req.params.range}: ranges are 256 code points, 0-255 to 65280-65535` } });
      return;
    }
    if (!knownFonts(req.params.fontstack).length) {
      res.status(404).json({ error: { message: `no font in "${req.params.fontstack}"; this server draws ${Object.keys(GLYPH_FONTS).join(', ')}` } });
      return;
    }
    sendPbf(req, res, glyphRange(req.params.fontstack, start));
  });
  return router;
}
