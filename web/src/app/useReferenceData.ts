import { useCallback, useEffect, useState } from 'react';
import { getJson, loadForceScope, scopedPath, type Definition, type Force, type Meta, type Scheme, type TilesConfig } from '../api';
import { openingForce } from '../forces';
import { viewStore } from '../state';

export interface ReferenceData {
  forces: Force[] | null;
  meta: Meta | null;
  definitions: Definition[];
  schemes: Scheme[];
  /** The basemap's style and coverage; null until known (the map waits for it). */
  config: TilesConfig | null;
  error: string | null;
  setError: (message: string | null) => void;
  /** Switches the view to a force (its months first); a failure shows as the page's error. */
  chooseForce: (force: string) => void;
}

/**
 * The service's reference data, once: the forces loaded, definitions, harm schemes, the basemap's
 * config, and the months of the force the view is about.
 */
export function useReferenceData(): ReferenceData {
  const [forces, setForces] = useState<Force[] | null>(null);
  const [meta, setMeta] = useState<Meta | null>(null);
  const [definitions, setDefinitions] = useState<Definition[]>([]);
  const [schemes, setSchemes] = useState<Scheme[]>([]);
  const [config, setConfig] = useState<TilesConfig | null>(null);
  const [error, setError] = useState<string | null>(null);

  /**
   * Switches the view to a force: its months first (GET /api/meta for it), then the force and a
   * period inside its months in one change of the view, so no layer asks for the new force with a
   * period it does not have. The panels of the previous force close.
   */
  const applyForce = useCallback(async (force: string) => {
    const m = await getJson<Meta>(scopedPath('/api/meta', 'GET', force));
    setMeta(m);
    viewStore.set((v) => {
      const keep = m.months.includes(v.from) && m.months.includes(v.to) && v.from <= v.to;
      return {
        force,
        from: keep ? v.from : (m.months[0] ?? ''),
        to: keep ? v.to : (m.months.at(-1) ?? ''),
        definition: v.definition || m.defaultDefinition,
        scheme: v.scheme || m.defaultScheme,
        ...(v.force !== force ? { area: null, cell: null, month: null, districts: '' } : {}),
      };
    });
  }, []);
  const chooseForce = useCallback((force: string) => applyForce(force).catch((e: Error) => setError(e.message)), [applyForce]);

  // The forces loaded and the force the view opens on, then the basemap config (which opens the map).
  useEffect(() => {
    Promise.all([
      getJson<{ forces: Force[] }>('/api/forces'),
      getJson<{ definitions: Definition[] }>('/api/definitions'),
      getJson<{ schemes: Scheme[] }>('/api/harm-schemes'),
      getJson<TilesConfig>('/tiles/config'),
      loadForceScope(),
    ])
      .then(async ([f, d, s, c]) => {
        setForces(f.forces);
        setDefinitions(d.definitions);
        setSchemes(s.schemes);
        await applyForce(openingForce(f.forces, viewStore.get().force));
        setConfig(c);
      })
      .catch((e: Error) => setError(`The service did not answer: ${e.message}`));
  }, [applyForce]);

  return { forces, meta, definitions, schemes, config, error, setError, chooseForce: (f) => void chooseForce(f) };
}
