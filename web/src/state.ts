/** The whole view state lives in the URL, so a link reopens the same view. */
export type ColourBy = 'harm' | 'count' | 'gistar' | 'emerging';
export type DeprivationMeasure = 'rank' | 'share';
export interface ViewState {
  from: string; to: string; definition: string; scheme: string;
  resolution: 'auto' | number; colourBy: ColourBy;
  month: string | null; cumulative: boolean;
  showCells: boolean; showHchh: boolean; showWards: boolean;
  showDeprivation: boolean; deprivationMeasure: DeprivationMeasure; showZones: boolean; showSites: boolean; showRepeat: boolean;
  /** The area whose panel is open: ward:CODE, hchh:RANK, zone:ID or site:ID. */
  area: string | null;
  /** Draw every study-area cell, empty ones included (whole period only). */
  zeros: boolean;
  /** Study area restricted to these district codes, comma-separated (empty: all). */
  districts: string;
  lng: number; lat: number; zoom: number;
  cell: string | null;
  /** Which view fills the window: the map, or the Partnership view. */
  page: 'map' | 'partnership';
}

export const defaultView: ViewState = {
  from: '', to: '', definition: '', scheme: '', resolution: 'auto', colourBy: 'harm', month: null, cumulative: false,
  showCells: true, showHchh: true, showWards: true,
  showDeprivation: false, deprivationMeasure: 'share', showZones: true, showSites: true, showRepeat: false, area: null, zeros: false, districts: '', lng: -2.93, lat: 53.43, zoom: 10, cell: null, page: 'map',
};

export function readUrl(): Partial<ViewState> {
  const p = new URLSearchParams(window.location.search);
  const out: Partial<ViewState> = {};
  const str = (k: keyof ViewState) => { const v = p.get(k); if (v) (out as Record<string, unknown>)[k] = v; };
  (['from', 'to', 'definition', 'scheme', 'month', 'cell', 'area', 'districts'] as const).forEach(str);
  const colour = p.get('colourBy');
  if (colour && ['harm', 'count', 'gistar', 'emerging'].includes(colour)) out.colourBy = colour as ColourBy;
  if (p.get('page') === 'partnership') out.page = 'partnership';
  const res = p.get('resolution');
  if (res) out.resolution = res === 'auto' ? 'auto' : Math.min(11, Math.max(7, Number(res) || 9));
  const dm = p.get('deprivationMeasure');
  if (dm === 'rank' || dm === 'share') out.deprivationMeasure = dm;
  for (const k of ['cumulative', 'showCells', 'showHchh', 'showWards', 'showDeprivation', 'showZones', 'showSites', 'showRepeat', 'zeros'] as const) { const v = p.get(k); if (v) out[k] = v === '1'; }
  for (const k of ['lng', 'lat', 'zoom'] as const) { const v = Number(p.get(k)); if (p.get(k) && Number.isFinite(v)) out[k] = v; }
  return out;
}

export function writeUrl(v: ViewState): void {
  const p = new URLSearchParams();
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === '' || val === undefined) continue;
    if (typeof val === 'boolean') p.set(k, val ? '1' : '0');
    else if (typeof val === 'number') p.set(k, k === 'zoom' ? val.toFixed(2) : k === 'lng' || k === 'lat' ? val.toFixed(5) : String(val));
    else p.set(k, val);
  }
  window.history.replaceState(null, '', `?${p.toString()}`);
}

/** Resolution for the current zoom: about 2,000–8,000 cells on screen at any zoom. */
export function resolutionForZoom(zoom: number): number {
  if (zoom < 10.5) return 8;
  if (zoom < 12) return 9;
  if (zoom < 13.5) return 10;
  return 11;
}
