import { useState } from 'react';
import { today } from './layers';

export interface DrawRequest {
  kind: 'site' | 'zone';
  name: string;
  notes: string;
  clearStart: string;
  holdStart: string;
  buildStart: string;
  partnership: string;
}

interface Props {
  drawing: DrawRequest | null;
  editing: string | null;
  message: string | null;
  onStart: (r: DrawRequest) => void;
  onCancel: () => void;
  onSaveEdit: () => void;
  onCancelEdit: () => void;
}

/**
 * Drawing sites and Clear-Hold-Build zones: the name (and a zone's phase dates) first, then the outline
 * on the map with terra-draw's polygon mode; the shape is saved through the API when it is closed.
 */
export function DrawControls({ drawing, editing, message, onStart, onCancel, onSaveEdit, onCancelEdit }: Props) {
  const [kind, setKind] = useState<'site' | 'zone'>('site');
  const [name, setName] = useState('');
  const [clearStart, setClearStart] = useState(today());
  const [holdStart, setHoldStart] = useState('');
  const [buildStart, setBuildStart] = useState('');
  const [partnership, setPartnership] = useState('');
  const busy = drawing !== null || editing !== null;
  const start = () => {
    const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
    onStart({ kind, name: name.trim() || `${kind === 'site' ? 'Site' : 'Zone'} drawn ${stamp}`, notes: '', clearStart, holdStart, buildStart, partnership });
    setName('');
  };
  return (
    <form
      className="controls draw"
      onSubmit={(e) => {
        e.preventDefault();
        if (!busy) start();
      }}
    >
      <fieldset>
        <legend>Draw a site or zone</legend>
        <label>
          Draw
          <select value={kind} onChange={(e) => setKind(e.target.value as 'site' | 'zone')} disabled={busy}>
            <option value="site">a site</option>
            <option value="zone">a Clear-Hold-Build zone</option>
          </select>
        </label>
        <label>
          Name <input type="text" value={name} onChange={(e) => setName(e.target.value)} disabled={busy} placeholder="optional; a zone's name is unique" />
        </label>
        {kind === 'zone' && (
          <>
            <label>
              Partnership <input type="text" value={partnership} onChange={(e) => setPartnership(e.target.value)} disabled={busy} />
            </label>
            <div className="row dates">
              <label>
                Clear starts <input type="date" required value={clearStart} onChange={(e) => setClearStart(e.target.value)} disabled={busy} />
              </label>
              <label>
                Hold starts <input type="date" value={holdStart} onChange={(e) => setHoldStart(e.target.value)} disabled={busy} />
              </label>
              <label>
                Build starts <input type="date" value={buildStart} onChange={(e) => setBuildStart(e.target.value)} disabled={busy} />
              </label>
            </div>
          </>
        )}
        <div className="row">
          {!busy && <button type="submit">Draw outline</button>}
          {drawing && (
            <button type="button" onClick={onCancel}>
              Cancel drawing
            </button>
          )}
          {editing && (
            <button type="button" onClick={onSaveEdit}>
              Save outline
            </button>
          )}
          {editing && (
            <button type="button" onClick={onCancelEdit}>
              Cancel editing
            </button>
          )}
        </div>
        {message && (
          <p className="muted" role="status" data-testid="draw-message">
            {message}
          </p>
        )}
      </fieldset>
    </form>
  );
}
