import { scaleSqrt } from 'd3-scale';
import { interpolateViridis } from 'd3-scale-chromatic';
import type { ExpressionSpecification } from 'maplibre-gl';

/**
 * Colour-blind-safe palettes: viridis for counts and harm (perceptually uniform, readable in
 * greyscale), ColorBrewer's RdBu for Gi* bins (diverging), and a hot/cold categorical set for
 * emerging patterns.
 */
export function sequential(max: number): (v: number) => string {
  // Viridis runs dark → light; high values are drawn dark so they stand out on the light basemap, and
  // the palest end is left out so low values still show. A square-root scale keeps mid values apart.
  const t = scaleSqrt()
    .domain([0, Math.max(1e-9, max)])
    .range([0.9, 0])
    .clamp(true);
  return (v: number) => interpolateViridis(t(v));
}

/** The faint grey of an empty study-area cell: the study area shows without hiding the basemap. */
export const EMPTY_CELL = 'rgba(150,150,150,0.25)';

/**
 * The same colours as `sequential(max)` as a MapLibre expression on a feature property, for cells the
 * map draws from vector tiles: the square root of the value, interpolated linearly between 17 colours
 * sampled from the d3 scale (evenly in the square root), which the eye cannot tell from the scale itself.
 */
export function sequentialExpression(max: number, property: string): ExpressionSpecification {
  const top = Math.sqrt(Math.max(1e-9, max));
  const colour = sequential(max);
  const stops: (number | ExpressionSpecification)[] = [];
  // to-color: an interpolation's outputs must be typed as colours, which a bare string is not.
  for (let i = 0; i <= 16; i++) stops.push((top * i) / 16, ['to-color', colour(((top * i) / 16) ** 2)]);
  return ['interpolate', ['linear'], ['sqrt', ['max', 0, ['to-number', ['get', property]]]], ...stops] as ExpressionSpecification;
}

export const GI_BIN_COLOURS: Record<string, string> = {
  '-3': '#2166ac',
  '-2': '#67a9cf',
  '-1': '#d1e5f0',
  '0': 'rgba(0,0,0,0)',
  '1': '#fddbc7',
  '2': '#ef8a62',
  '3': '#b2182b',
};
export const GI_BIN_LABELS: [string, string][] = [
  ['3', 'hot spot, 99 % confidence'],
  ['2', 'hot spot, 95 %'],
  ['1', 'hot spot, 90 %'],
  ['-1', 'cold spot, 90 %'],
  ['-2', 'cold spot, 95 %'],
  ['-3', 'cold spot, 99 %'],
];

export const EMERGING_COLOURS: Record<string, string> = {
  'new hot spot': '#fdd0a2',
  'consecutive hot spot': '#fdae6b',
  'intensifying hot spot': '#a50f15',
  'persistent hot spot': '#de2d26',
  'diminishing hot spot': '#fb6a4a',
  'sporadic hot spot': '#fcbba1',
  'oscillating hot spot': '#c994c7',
  'historical hot spot': '#bdbdbd',
  'new cold spot': '#c6dbef',
  'consecutive cold spot': '#9ecae1',
  'intensifying cold spot': '#08519c',
  'persistent cold spot': '#3182bd',
  'diminishing cold spot': '#6baed6',
  'sporadic cold spot': '#deebf7',
  'oscillating cold spot': '#9e9ac8',
  'historical cold spot': '#969696',
  'emerging hotspot': '#fd8d3c',
  'persistent hotspot': '#de2d26',
  'former hotspot': '#bdbdbd',
  'intermittent hotspot': '#fcbba1',
  'emerging coldspot': '#6baed6',
  'persistent coldspot': '#3182bd',
  'former coldspot': '#969696',
  'intermittent coldspot': '#deebf7',
  'mixed hot/coldspot': '#c994c7',
};
