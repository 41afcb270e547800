import fs from 'node:fs';
import { createRequire } from 'node:module';
import opentype, { type Font, type PathCommand } from 'opentype.js';
import { PbfWriter } from 'pbf';

/**
 * Signed-distance-field glyph ranges for MapLibre's `glyphs` URL, drawn here from the Noto Sans
 * font that @fontsource/noto-sans ships (OFL 1.1), so labels need no font server or internet.
 *
 * The format is the one fontnik/sdf-glyph-foundry write and MapLibre reads (glyphs.proto): for
 * each code point of a 256-character range, a bitmap of (width + 6) × (height + 6) bytes at 24 px
 * per em, a 3 px border, distances spread over 8 px and the outline at 192 (cutoff 0.25).
 * Outlines come from opentype.js; the distance from each pixel centre to the flattened outline is
 * computed exactly (no canvas needed), and the sign from the non-zero winding rule.
 */

const SIZE = 24; // MapLibre's ONE_EM
const BORDER = 3; // GLYPH_PBF_BORDER
const RADIUS = 8;
const CUTOFF = 0.25;
/** How far above the em box MapLibre puts the origin of a server glyph's `top`, as for TinySDF. */
const TOP_ADJUSTMENT = 27;

/** The fontstack names the style uses, each a weight of Noto Sans split by fontsource into script subsets. */
export const GLYPH_FONTS: Record<string, number> = { 'Noto Sans Regular': 400, 'Noto Sans Bold': 700 };
const SUBSETS = ['latin', 'latin-ext', 'greek', 'greek-ext', 'cyrillic', 'cyrillic-ext', 'vietnamese'];

export interface SdfGlyph {
  id: number;
  bitmap: Uint8Array;
  width: number;
  height: number;
  left: number;
  top: number;
  advance: number;
}

const require = createRequire(import.meta.url);
const fontCache = new Map<number, Font[]>();

function fontsFor(weight: number): Font[] {
  const hit = fontCache.get(weight);
  if (hit) return hit;
  const fonts: Font[] = [];
  for (const subset of SUBSETS) {
    let file: string;
    try {
      file = require.resolve(`@fontsource/noto-sans/files/noto-sans-${subset}-${weight}-normal.woff`);
    } catch {
      continue;
    }
    const buf = fs.readFileSync(file);
    fonts.push(opentype.parse(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer));
  }
  if (!fonts.length) throw new Error(`no Noto Sans ${weight} font files found in @fontsource/noto-sans`);
  fontCache.set(weight, fonts);
  return fonts;
}

/** The outline as straight segments [x0, y0, x1, y1, …] in pixels, y up from the baseline. */
function flatten(commands: PathCommand[]): number[] {
  const seg: number[] = [];
  let sx = 0,
    sy = 0,
    cx = 0,
    cy = 0;
  const line = (x: number, y: number) => {
    if (x !== cx || y !== cy) seg.push(cx, cy, x, y);
    cx = x;
    cy = y;
  };
  for (const c of commands) {
    // opentype.js paths are y-down; flip so y grows upwards as in font space.
    switch (c.type) {
      case 'M':
        if (cx !== sx || cy !== sy) line(sx, sy);
        sx = cx = c.x!;
        sy = cy = -c.y!;
        break;
      case 'L':
        line(c.x!, -c.y!);
        break;
      case 'Q': {
        const [x0, y0, x1, y1, x2, y2] = [cx, cy, c.x1!, -c.y1!, c.x!, -c.y!];
        const n = Math.min(16, Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) + Math.hypot(x2 - x1, y2 - y1))));
        for (let i = 1; i <= n; i++) {
          const t = i / n,
            u = 1 - t;
          line(u * u * x0 + 2 * u * t * x1 + t * t * x2, u * u * y0 + 2 * u * t * y1 + t * t * y2);
        }
        break;
      }
      case 'C': {
        const [x0, y0, x1, y1, x2, y2, x3, y3] = [cx, cy, c.x1!, -c.y1!, c.x2!, -c.y2!, c.x!, -c.y!];
        const n = Math.min(24, Math.max(2, Math.ceil(Math.hypot(x1 - x0, y1 - y0) + Math.hypot(x2 - x1, y2 - y1) + Math.hypot(x3 - x2, y3 - y2))));
        for (let i = 1; i <= n; i++) {
          const t = i / n,
            u = 1 - t;
          line(
            u * u * u * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t * t * t * x3,
            u * u * u * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t * t * t * y3,
          );
        }
        break;
      }
      case 'Z':
        line(sx, sy);
        break;
    }
  }
  line(sx, sy);
  return seg;
}

/** One glyph as a signed distance field, or null when no font of the stack has the code point. */
export function sdfGlyph(fonts: Font[], codePoint: number): SdfGlyph | null {
  const ch = String.fromCodePoint(codePoint);
  const font = fonts.find((f) => f.charToGlyphIndex(ch) > 0);
  if (!font) return null;
  const glyph = font.charToGlyph(ch);
  const advance = Math.round(((glyph.advanceWidth ?? 0) * SIZE) / font.unitsPerEm);
  const seg = flatten(glyph.getPath(0, 0, SIZE).commands);
  if (seg.length === 0) return { id: codePoint, bitmap: new Uint8Array(0), width: 0, height: 0, left: 0, top: -TOP_ADJUSTMENT, advance };

  let minX = Infinity,
    minY = Infinity,
    maxX = -Infinity,
    maxY = -Infinity;
  for (let i = 0; i < seg.length; i += 2) {
    minX = Math.min(minX, seg[i]!);
    maxX = Math.max(maxX, seg[i]!);
    minY = Math.min(minY, seg[i + 1]!);
    maxY = Math.max(maxY, seg[i + 1]!);
  }
  const left = Math.floor(minX),
    top = Math.ceil(maxY);
  const width = Math.ceil(maxX) - left,
    height = top - Math.floor(minY);
  const w = width + 2 * BORDER,
    h = height + 2 * BORDER;
  const bitmap = new Uint8Array(w * h);
  const s = Float64Array.from(seg);
  for (let j = 0; j < h; j++) {
    const py = top + BORDER - j - 0.5;
    for (let i = 0; i < w; i++) {
      const px = left - BORDER + i + 0.5;
      let best = Infinity,
        winding = 0;
      for (let k = 0; k < s.length; k += 4) {
        const x0 = s[k]!,
          y0 = s[k + 1]!,
          x1 = s[k + 2]!,
          y1 = s[k + 3]!;
        const dx = x1 - x0,
          dy = y1 - y0;
        const len2 = dx * dx + dy * dy;
        let t = len2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / len2 : 0;
        t = t < 0 ? 0 : t > 1 ? 1 : t;
        const ex = x0 + t * dx - px,
          ey = y0 + t * dy - py;
        const d2 = ex * ex + ey * ey;
        if (d2 < best) best = d2;
        if (y0 <= py !== y1 <= py && x0 + ((py - y0) / dy) * dx > px) winding += dy > 0 ? 1 : -1;
      }
      const d = Math.sqrt(best) * (winding !== 0 ? -1 : 1); // negative inside
      bitmap[j * w + i] = Math.max(0, Math.min(255, Math.round(255 - 255 * (d / RADIUS + CUTOFF))));
    }
  }
  return { id: codePoint, bitmap, width, height, left, top: top - TOP_ADJUSTMENT, advance };
}

/** Fontstack names in a request that this server can draw, in order. */
export function knownFonts(fontstack: string): string[] {
  return fontstack
    .split(',')
    .map((f) => f.trim())
    .filter((f) => f in GLYPH_FONTS);
}

const rangeCache = new Map<string, Uint8Array>();

/**
 * The glyph PBF for code points start..start+255 of a comma-separated fontstack: each code point
 * from the first font of the stack that has it. Throws when no font of the stack is known.
 */
export function glyphRange(fontstack: string, start: number): Uint8Array {
  const names = knownFonts(fontstack);
  if (!names.length) throw new Error(`unknown fontstack "${fontstack}"`);
  const key = `${names.join(',')}/${start}`;
  const hit = rangeCache.get(key);
  if (hit) return hit;
  const fonts = names.flatMap((n) => fontsFor(GLYPH_FONTS[n]!));
  const glyphs: SdfGlyph[] = [];
  for (let cp = start; cp < start + 256; cp++) {
    if (cp < 32 || (cp >= 0xd800 && cp <= 0xdfff)) continue;
    const g = sdfGlyph(fonts, cp);
    if (g) glyphs.push(g);
  }
  const pbf = new PbfWriter();
  pbf.writeMessage(
    1,
    (_: null, p: PbfWriter) => {
      p.writeStringField(1, fontstack);
      p.writeStringField(2, `${start}-${start + 255}`);
      for (const g of glyphs) {
        p.writeMessage(
          3,
          (glyph: SdfGlyph, q: PbfWriter) => {
            q.writeVarintField(1, glyph.id);
            if (glyph.bitmap.length) q.writeBytesField(2, glyph.bitmap);
            q.writeVarintField(3, glyph.width);
            q.writeVarintField(4, glyph.height);
            q.writeSVarintField(5, glyph.left);
            q.writeSVarintField(6, glyph.top);
            q.writeVarintField(7, glyph.advance);
          },
          g,
        );
      }
    },
    null,
  );
  const out = pbf.finish();
  if (rangeCache.size > 200) rangeCache.delete(rangeCache.keys().next().value as string);
  rangeCache.set(key, out);
  return out;
}
