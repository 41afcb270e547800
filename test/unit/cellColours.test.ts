import { createExpression, latest } from '@maplibre/maplibre-gl-style-spec';
import { describe, expect, it } from 'vitest';
import { sequential, sequentialExpression } from '../../web/src/colours';

/** #rrggbb as 0–255 channels. */
const rgb = (hex: string) => [1, 3, 5].map((i) => Number.parseInt(hex.slice(i, i + 2), 16));

// The tiled cells are coloured by a MapLibre expression, the legend and the PNG export by the d3 scale:
// the expression, evaluated by MapLibre's own style-spec evaluator, must give the legend's colours.
describe('cell colours as a style expression', () => {
  for (const max of [30_631, 17, 1]) {
    it(`matches the d3 scale the legend draws, max ${max}`, () => {
      const parsed = createExpression(sequentialExpression(max, 'harm'), latest.paint_fill['fill-color'] as never);
      expect(parsed.result).toBe('success');
      const expr = parsed.value as { evaluate: (g: object, f: object) => { r: number; g: number; b: number; a: number } };
      const values = [0, max / 1000, max / 97, max / 10, max / 3, max / 2, max, max * 2];
      for (const v of values) {
        const c = expr.evaluate({ zoom: 12 }, { type: 'Polygon', properties: { harm: v } });
        const got = [c.r, c.g, c.b].map((x) => Math.round((x / c.a) * 255));
        const want = rgb(sequential(max)(v));
        // Linear between 17 samples of viridis, which the eye cannot tell from the scale: within 6 of 255.
        for (let i = 0; i < 3; i++) expect(Math.abs(got[i]! - want[i]!), `value ${v} channel ${i}: ${got} against ${want}`).toBeLessThanOrEqual(6);
      }
    });
  }
});
