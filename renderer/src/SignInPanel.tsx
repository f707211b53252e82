import type React from 'react';
import { useEffect, useState } from 'react';
import type { SignInReply } from '../../engine/contract';
import type { ConsoleAccess } from './consoleClient';
import { messageOf } from './useRequest';
import { HMI, errorStyle, panelStyle } from './theme';

const field: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 2, marginRight: 12 };

/**
 * Sign-in with a user name and a password or PIN; and, on a console that has no users yet, the
 * first-run form that creates the first administrator. The host says which applies: a refusal
 * that mentions no users opens the first-run form.
 */
export function SignInPanel({ access, onSignedIn }: { access: ConsoleAccess; onSignedIn: (r: SignInReply) => void }): React.JSX.Element {
  const [mode, setMode] = useState<'sign-in' | 'setup'>('sign-in');
  const [userName, setUserName] = useState('');
  const [secret, setSecret] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  // The host says whether it still needs its first administrator.
  useEffect(() => {
    let live = true;
    access.needsSetup().then(
      (needed) => live && needed && setMode('setup'),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [access]);

  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    if (mode === 'setup' && secret !== confirm) {
      setError('the two passwords differ');
      return;
    }
    setBusy(true);
    setError(null);
    (mode === 'setup' ? access.setup(userName.trim(), secret) : access.signIn(userName.trim(), secret)).then(
      (r) => {
        setBusy(false);
        setSecret('');
        setConfirm('');
        onSignedIn(r);
      },
      (err: unknown) => {
        setBusy(false);
        const msg = messageOf(err);
        setError(msg);
        if (mode === 'sign-in' && /no users?\b|first[- ]run|setup/i.test(msg)) setMode('setup');
      },
    );
  };

  return (
    <section style={{ ...panelStyle, margin: 16 }} aria-labelledby="signin-title" data-testid="signin">
      <h2 id="signin-title" style={{ marginTop: 0, fontSize: 18 }}>
        {mode === 'setup' ? 'First-run setup: create the first administrator' : 'Sign in to act on the plant'}
      </h2>
      <form onSubmit={submit} style={{ display: 'flex', alignItems: 'flex-end', flexWrap: 'wrap', gap: 8 }} data-testid={mode === 'setup' ? 'setup-form' : 'signin-form'}>
        <label style={field}>
          User name
          <input name="userName" autoComplete="username" value={userName} onChange={(e) => setUserName(e.target.value)} required data-testid="signin-user" />
        </label>
        <label style={field}>
          {mode === 'setup' ? 'Password (12 characters or more)' : 'Password or PIN'}
          <input name="secret" type="password" autoComplete={mode === 'setup' ? 'new-password' : 'current-password'} value={secret} onChange={(e) => setSecret(e.target.value)} required data-testid="signin-secret" />
        </label>
        {mode === 'setup' ? (
          <label style={field}>
            Password again
            <input name="confirm" type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} required data-testid="setup-confirm" />
          </label>
        ) : null}
        <button type="submit" disabled={busy} data-testid="signin-submit">
          {mode === 'setup' ? 'Create administrator and sign in' : 'Sign in'}
        </button>
        <button type="button" onClick={() => { setMode(mode === 'setup' ? 'sign-in' : 'setup'); setError(null); }} data-testid="signin-mode">
          {mode === 'setup' ? 'Back to sign-in' : 'First-run setup…'}
        </button>
      </form>
      {error ? (
        <p role="alert" style={errorStyle} data-testid="signin-error">
          {error}
        </p>
      ) : (
        <p style={{ color: HMI.muted, marginBottom: 0 }}>Without signing in, the fleet below is read-only.</p>
      )}
    </section>
  );
}
