import type { ReactNode } from 'react';
import type { Force } from '../api';
import { ForcePicker } from '../forces';
import { viewStore, type ViewState } from '../state';

const PAGES: { page: ViewState['page']; label: string }[] = [
  { page: 'map', label: 'Map' },
  { page: 'partnership', label: 'Partnership' },
  { page: 'backtest', label: 'Backtest' },
];

/** The page's top bar: the force it is about, the three views, the force picker on the map, status. */
export function TopBar(props: {
  forceName: string;
  page: ViewState['page'];
  forces: Force[] | null;
  force: string;
  onForce: (force: string) => void;
  loading: boolean;
  children?: ReactNode;
}) {
  const { forceName, page, forces } = props;
  return (
    <header className="topbar">
      <h1>harmgrid</h1>
      <p className="tagline">
        Where serious violence concentrates and where it is emerging
        {forceName && (
          <>
            :{' '}
            <strong className="force-name" data-testid="force-name">
              {forceName}
            </strong>
          </>
        )}
      </p>
      <nav className="views" aria-label="Views">
        {PAGES.map((p) => (
          <button key={p.page} type="button" aria-pressed={page === p.page} onClick={() => viewStore.set({ page: p.page })}>
            {p.label}
          </button>
        ))}
      </nav>
      {forces && page === 'map' && <ForcePicker forces={forces} value={props.force} onChange={props.onForce} allowAll />}
      {props.loading && (
        <span className="status" role="status">
          Loading…
        </span>
      )}
      {props.children}
    </header>
  );
}
