import { useEffect, useId, useState } from 'react';

export interface SearchItem {
  key: string;
  name: string;
  kind: 'ward' | 'district';
  bbox: [number, number, number, number];
}

/**
 * Search by ward or district name: an ARIA 1.2 combobox (input + listbox). Arrow keys move through the
 * matches, Enter chooses, Escape closes; choosing flies to the area and opens its panel. `find` gives
 * the matches of a text (the API's area search); a newer text cancels the older one's request.
 */
export function Search({ find, onChoose }: { find: (text: string, signal: AbortSignal) => Promise<SearchItem[]>; onChoose: (item: SearchItem) => void }) {
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [matches, setMatches] = useState<SearchItem[]>([]);
  const id = useId();
  useEffect(() => {
    const t = text.trim();
    if (!t) {
      setMatches([]);
      return;
    }
    const c = new AbortController();
    find(t, c.signal)
      .then((m) => {
        if (!c.signal.aborted) setMatches(m.slice(0, 12));
      })
      .catch(() => {});
    return () => c.abort();
  }, [text, find]);
  const choose = (item: SearchItem) => {
    setText(item.name);
    setOpen(false);
    onChoose(item);
  };
  const expanded = open && matches.length > 0;
  return (
    <div className="search">
      <label htmlFor={`${id}-input`}>Find a ward or district</label>
      <input
        id={`${id}-input`}
        type="text"
        role="combobox"
        autoComplete="off"
        placeholder="a ward or district name"
        aria-autocomplete="list"
        aria-expanded={expanded}
        aria-controls={`${id}-list`}
        aria-activedescendant={expanded ? `${id}-opt-${active}` : undefined}
        value={text}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
          setActive(0);
        }}
        onKeyDown={(e) => {
          if (e.key === 'ArrowDown') {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(matches.length - 1, a + 1));
          } else if (e.key === 'ArrowUp') {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter') {
            e.preventDefault();
            const m = matches[active];
            if (expanded && m) choose(m);
          } else if (e.key === 'Escape') setOpen(false);
        }}
        onBlur={() => window.setTimeout(() => setOpen(false), 150)}
      />
      <ul id={`${id}-list`} role="listbox" aria-label="Matching wards and districts" className="search-list" hidden={!expanded}>
        {matches.map((m, i) => (
          <li
            key={m.key}
            id={`${id}-opt-${i}`}
            role="option"
            aria-selected={i === active}
            className={i === active ? 'active' : undefined}
            onMouseDown={(e) => {
              e.preventDefault();
              choose(m);
            }}
          >
            {m.name} <span className="muted">({m.kind})</span>
          </li>
        ))}
      </ul>
      <p className="sr-only" role="status">
        {open && text.trim() ? `${matches.length} match${matches.length === 1 ? '' : 'es'}` : ''}
      </p>
    </div>
  );
}
