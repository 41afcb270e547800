import { useSyncExternalStore } from 'react';

/**
 * The view state: everything that decides what the map shows, in one store that the URL mirrors, so
 * a link reopens the same view. Changes are applied synchronously (a map event updates the store
 * before it returns), so layers know at once that what they draw is out of date.
 */
export type ColourBy = 'harm' | 'count' | 'gistar' | 'emerging';
export type DeprivationMeasure = 'rank' | 'share';
export interface ViewState {
  from: string;
  to: string;
  definition: string;
  scheme: string;
  /**
   * The police force the view is about: its ONS code, `all` for every loaded force together (a
   * regional view), or empty when only one force is loaded (the API's default). Sent with every API
   * request that takes it (api.ts scopedPath).
   */
  force: string;
  resolution: 'auto' | number;
  colourBy: ColourBy;
  month: string | null;
  cumulative: boolean;
  showCells: boolean;
  showHchh: boolean;
  showWards: boolean;
  showDeprivation: boolean;
  deprivationMeasure: DeprivationMeasure;
  showZones: boolean;
  showSites: boolean;
  showRepeat: boolean;
  /** The area whose panel is open: ward:CODE, district:CODE, hchh:RANK, zone:ID or site:ID. */
  area: string | null;
  /** Draw every study-area cell, empty ones included (whole period only). */
  zeros: boolean;
  /** Study area restricted to these district codes, comma-separated (empty: all). */
  districts: string;
  /** The camera; null until the map has opened (on the loaded data's extent when the link gives none). */
  lng: number | null;
  lat: number | null;
  zoom: number | null;
  cell: string | null;
  /** Which view fills the window: the map, the Partnership view or the Backtest view. */
  page: 'map' | 'partnership' | 'backtest';
}

export const defaultView: ViewState = {
  from: '',
  to: '',
  definition: '',
  scheme: '',
  force: '',
  resolution: 'auto',
  colourBy: 'harm',
  month: null,
  cumulative: false,
  showCells: true,
  showHchh: true,
  showWards: true,
  showDeprivation: false,
  deprivationMeasure: 'share',
  showZones: true,
  showSites: true,
  showRepeat: false,
  area: null,
  zeros: false,
  districts: '',
  lng: null,
  lat: null,
  zoom: null,
  cell: null,
  page: 'map',
};

export function readUrl(search: string = window.location.search): Partial<ViewState> {
  const p = new URLSearchParams(search);
  const out: Partial<ViewState> = {};
  const str = (k: keyof ViewState) => {
    const v = p.get(k);
    if (v) (out as Record<string, unknown>)[k] = v;
  };
  (['from', 'to', 'definition', 'scheme', 'force', 'month', 'cell', 'area', 'districts'] as const).forEach(str);
  const colour = p.get('colourBy');
  if (colour && ['harm', 'count', 'gistar', 'emerging'].includes(colour)) out.colourBy = colour as ColourBy;
  const page = p.get('page');
  if (page === 'partnership' || page === 'backtest') out.page = page;
  const res = p.get('resolution');
  if (res) out.resolution = res === 'auto' ? 'auto' : Math.min(11, Math.max(7, Number(res) || 9));
  const dm = p.get('deprivationMeasure');
  if (dm === 'rank' || dm === 'share') out.deprivationMeasure = dm;
  for (const k of ['cumulative', 'showCells', 'showHchh', 'showWards', 'showDeprivation', 'showZones', 'showSites', 'showRepeat', 'zeros'] as const) {
    const v = p.get(k);
    if (v) out[k] = v === '1';
  }
  // A camera is taken only whole: a link with a centre but no zoom still opens on the data's extent.
  const cam = (['lng', 'lat', 'zoom'] as const).map((k) => (p.get(k) ? Number(p.get(k)) : NaN));
  if (cam.every(Number.isFinite)) [out.lng, out.lat, out.zoom] = cam as [number, number, number];
  return out;
}

export function urlOf(v: ViewState): string {
  const p = new URLSearchParams();
  for (const [k, val] of Object.entries(v)) {
    if (val === null || val === '' || val === undefined) continue;
    if (typeof val === 'boolean') p.set(k, val ? '1' : '0');
    else if (typeof val === 'number') p.set(k, k === 'zoom' ? val.toFixed(2) : k === 'lng' || k === 'lat' ? val.toFixed(5) : String(val));
    else p.set(k, val);
  }
  return `?${p.toString()}`;
}

/** Resolution for the current zoom: about 2,000–8,000 cells on screen at any zoom. */
export function resolutionForZoom(zoom: number): number {
  if (zoom < 10.5) return 8;
  if (zoom < 12) return 9;
  if (zoom < 13.5) return 10;
  return 11;
}

/** The H3 resolution the cells are drawn at: chosen, or following the zoom. */
export const resolutionOf = (v: ViewState): number => (v.resolution === 'auto' ? resolutionForZoom(v.zoom ?? 10) : v.resolution);

type Listener = (v: ViewState, prev: ViewState) => void;

export interface ViewStore {
  get(): ViewState;
  set(patch: Partial<ViewState> | ((v: ViewState) => Partial<ViewState>)): void;
  subscribe(listener: Listener): () => void;
}

/** A small external store: React components read it with useView, map code subscribes directly. */
export function createViewStore(initial: ViewState, onChange: (v: ViewState) => void = (v) => window.history.replaceState(null, '', urlOf(v))): ViewStore {
  let state = initial;
  const listeners = new Set<Listener>();
  return {
    get: () => state,
    set(patch) {
      const p = typeof patch === 'function' ? patch(state) : patch;
      const keys = Object.keys(p) as (keyof ViewState)[];
      if (keys.every((k) => state[k] === p[k])) return;
      const prev = state;
      state = { ...state, ...p };
      onChange(state);
      for (const l of [...listeners]) l(state, prev);
    },
    subscribe(l) {
      listeners.add(l);
      return () => {
        listeners.delete(l);
      };
    },
  };
}

/** The store of this page, opened from the URL. */
export const viewStore = createViewStore({ ...defaultView, ...readUrl() });

/** Reads a slice of the view state; the component re-renders only when that slice changes. */
export function useView<T>(select: (v: ViewState) => T): T {
  return useSyncExternalStore(
    (cb) => viewStore.subscribe(cb),
    () => select(viewStore.get()),
  );
}
