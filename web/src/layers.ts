import { scaleThreshold } from 'd3-scale';
import { schemeYlOrBr } from 'd3-scale-chromatic';
import type { Deprivation, Sites, Zones } from './api';
import type { DeprivationMeasure } from './state';

/** England has 32,844 LSOAs (2011) in the Indices of Deprivation 2019: rank 1 is the most deprived. */
export const ENGLAND_LSOAS = 32_844;
/** The source line of the deprivation layer: the Indices, and the ward vintage they are given for. */
export const deprivationSource = (vintage: string | null): string =>
  `English Indices of Deprivation 2019 (MHCLG)${vintage ? `; ONS wards December ${vintage}` : ''}`;

/**
 * Deprivation classes, ColorBrewer YlOrBr (sequential, colour-blind safe): darker is more deprived.
 * 'rank': national decile of the ward's population-weighted mean IMD rank (1 = most deprived 10 %);
 * 'share': share of the ward's LSOAs in England's most deprived decile.
 */
export function deprivationClasses(measure: DeprivationMeasure): { colour: (v: number) => string; classes: { label: string; colour: string }[]; unit: string } {
  const palette = schemeYlOrBr[9]!;
  if (measure === 'rank') {
    // Decile 1 (most deprived) darkest … decile 10 lightest; 10 deciles on 9 ColorBrewer classes + white.
    const colours = [...palette].reverse().concat('#ffffff');
    const colour = (decile: number) => colours[Math.min(10, Math.max(1, decile)) - 1]!;
    return {
      colour,
      unit: 'IMD decile of the population-weighted mean rank (1 = most deprived 10 % in England)',
      classes: Array.from({ length: 10 }, (_, i) => ({
        label: `decile ${i + 1}${i === 0 ? ' (most deprived)' : i === 9 ? ' (least)' : ''}`,
        colour: colours[i]!,
      })),
    };
  }
  const bounds = [0.000001, 0.2, 0.4, 0.6, 0.8];
  const colours = ['#ffffe5', palette[2]!, palette[4]!, palette[5]!, palette[7]!, palette[8]!];
  const scale = scaleThreshold<number, string>().domain(bounds).range(colours);
  const labels = ['none', 'up to 20 %', '20–40 %', '40–60 %', '60–80 %', '80–100 %'];
  return {
    colour: (v: number) => scale(v),
    unit: "share of the ward's LSOAs in England's most deprived IMD decile",
    classes: labels.map((label, i) => ({ label, colour: colours[i]! })),
  };
}

export const imdDecile = (meanRank: number) => Math.min(10, Math.max(1, Math.ceil((meanRank / ENGLAND_LSOAS) * 10)));

/** Ward outlines (of the deprivation's vintage) joined with their deprivation, each with the fill of its class. */
export function deprivationFeatures(wards: GeoJSON.FeatureCollection, dep: Deprivation, measure: DeprivationMeasure): GeoJSON.FeatureCollection {
  const byCode = new Map(dep.areas.map((a) => [a.code, a]));
  const { colour } = deprivationClasses(measure);
  return {
    type: 'FeatureCollection',
    features: wards.features.flatMap((f) => {
      const code = String(f.properties?.code ?? f.id);
      const d = byCode.get(code);
      if (!d) return [];
      const decile = imdDecile(d.meanImdRank);
      const value = measure === 'rank' ? decile : d.shareLsoasMostDeprived;
      return [{ ...f, properties: { code, name: d.name, decile, share: d.shareLsoasMostDeprived, meanImdRank: d.meanImdRank, fill: colour(value) } }];
    }),
  };
}

/** Clear-Hold-Build phases, Okabe–Ito colours (colour-blind safe), each with its own line pattern too. */
export type Phase = 'planned' | 'clear' | 'hold' | 'build';
export const PHASE_COLOURS: Record<Phase, string> = { planned: '#6b6b6b', clear: '#d55e00', hold: '#0072b2', build: '#009e73' };
export const PHASE_LABELS: Record<Phase, string> = {
  planned: 'planned (clear not started)',
  clear: 'clear',
  hold: 'hold',
  build: 'build',
};
export const SITE_COLOUR = '#cc79a7';
export const REPEAT_COLOUR = '#1a1a1a';

/** The phase a zone is in on a given day (YYYY-MM-DD): the latest phase whose start date has passed. */
export function zonePhase(p: Record<string, unknown>, day: string): Phase {
  const s = (k: string) => (typeof p[k] === 'string' ? (p[k] as string) : null);
  if (s('buildStart') && s('buildStart')! <= day) return 'build';
  if (s('holdStart') && s('holdStart')! <= day) return 'hold';
  if (s('clearStart') && s('clearStart')! <= day) return 'clear';
  return 'planned';
}

export const today = () => new Date().toISOString().slice(0, 10);

export function zoneFeatures(zones: Zones, day: string): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: zones.features.map((f) => {
      const phase = zonePhase(f.properties, day);
      return { type: 'Feature', id: f.id, geometry: f.geometry, properties: { ...f.properties, id: f.id, phase, colour: PHASE_COLOURS[phase] } };
    }),
  };
}

export function siteFeatures(sites: Sites): GeoJSON.FeatureCollection {
  return {
    type: 'FeatureCollection',
    features: sites.features.map((f) => ({ type: 'Feature', id: f.id, geometry: f.geometry, properties: { ...f.properties, id: f.id } })),
  };
}
