import { useEffect, useState } from 'react';
import { getJson } from './api';

interface Me {
  userId: number | null;
  name: string;
  role: string;
  via: 'session' | 'token' | 'single-user';
  disclosure?: { rules: string; threshold: number } | null;
}

/**
 * Who is signed in (name and role) with a sign-out button, and for a partner the disclosure control
 * rules their figures over restricted sources follow. Single-user mode has nobody to sign out.
 */
export function SignedIn() {
  const [me, setMe] = useState<Me | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    getJson<Me>('/api/auth/me').then(setMe, (e: Error) => setError(e.message));
  }, []);
  if (error) return null;
  if (!me) return null;
  const signOut = async () => {
    await fetch('/api/auth/sign-out', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => {});
    window.location.assign('/sign-in');
  };
  return (
    <div className="signed-in" data-testid="signed-in">
      <span>
        {me.via === 'single-user' ? 'Local analyst (single-user mode)' : me.name} <span className="role">({me.role})</span>
      </span>
      {me.via === 'session' && (
        <button type="button" onClick={signOut} data-testid="sign-out">
          Sign out
        </button>
      )}
      {me.disclosure && (
        <details className="disclosure-note" data-testid="disclosure-note">
          <summary>
            Disclosure control: counts under {me.disclosure.threshold} shown as "&lt;{me.disclosure.threshold}"
          </summary>
          <p>{me.disclosure.rules}</p>
        </details>
      )}
    </div>
  );
}
