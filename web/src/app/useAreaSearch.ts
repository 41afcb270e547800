import { useCallback } from 'react';
import { getJson, qs, type AreaHit } from '../api';
import type { SearchItem } from '../Search';

/** Wards and districts by name from the loaded boundaries (the API's area search), of the view's force. */
export function useAreaSearch(keep: Set<string> | null): (text: string, signal: AbortSignal) => Promise<SearchItem[]> {
  return useCallback(
    async (text: string, signal: AbortSignal): Promise<SearchItem[]> => {
      const r = await getJson<{ areas: AreaHit[] }>(`/api/areas/search?${qs({ q: text })}`, signal);
      return r.areas
        .filter((a) => !keep || keep.has(a.kind === 'ward' ? (a.districtCode ?? '') : a.code))
        .map((a) => ({ key: `${a.kind}:${a.code}`, name: a.name, kind: a.kind, bbox: a.bbox }));
    },
    [keep],
  );
}
