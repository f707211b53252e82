import type React from 'react';
import { useState } from 'react';
import { RemoteGrantSchema, UserListSchema, UserRoleSchema, type UserView } from '../../engine/contract';
import { parseValue } from './shapes';
import { atLeast, useSession, type Role } from './session';
import { TableHead } from './TableHead';
import { HMI, dateTime, errorStyle, panelStyle, tableStyle, tdStyle } from './theme';
import { messageOf, useRequest } from './useRequest';

/** Accounts change rarely; the poll picks up sign-ins and other admins' changes. */
const USERS_POLL_MS = 10_000;
const ROLES = UserRoleSchema.options;
const GRANTS = RemoteGrantSchema.options;
/** The most a remote session can be granted: the last grantable role. */
const GRANT_CEILING = GRANTS[GRANTS.length - 1]!;

/** What a row's change form does: the remote grant, the role, or disabling / enabling the account. */
type Change = 'grant' | 'role' | 'state';

/**
 * The admin's accounts page: every account with its role, how it signs in, its remote grant, when
 * it was created and last signed in; a form per account to change the remote grant or the role or
 * to disable it, each with a reason (the audit trail keeps it); and a form to create an account.
 * The host checks every request (admin on this machine only); the page only hides what would be
 * refused and says why.
 */
export function UsersPage(): React.JSX.Element {
  const { client } = useSession();
  const users = useRequest(async () => parseValue(UserListSchema, await client.request('users.list', {}), 'user list'), 'users', USERS_POLL_MS);
  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="users-title">
      <h1 id="users-title" style={{ fontSize: 22 }}>
        Users
      </h1>
      <p style={{ color: HMI.muted, maxWidth: 900 }}>
        A session signed in from another machine acts with the lower of the account&apos;s role and its remote grant: viewer unless you grant more, at most {GRANT_CEILING}. User management
        stays on this workstation. A change applies to the account&apos;s next request.
      </p>
      {users.error ? <p role="alert" style={errorStyle}>{users.error}</p> : null}
      <div style={panelStyle}>
        <table style={tableStyle} data-testid="users-table">
          <TableHead labels={['User', 'Name', 'Role', 'Signs in with', 'Remote grant', 'Created', 'Last sign-in', 'State', 'Change']} />
          <tbody>
            {(users.value ?? []).map((u) => (
              <UserLine key={u.userName} user={u} onChanged={users.reload} />
            ))}
          </tbody>
        </table>
        {users.value === null && !users.error ? <p style={{ color: HMI.muted }}>Loading…</p> : null}
      </div>
      <CreateUserPanel onCreated={users.reload} />
    </section>
  );
}

function UserLine({ user, onChanged }: { user: UserView; onChanged: () => void }): React.JSX.Element {
  const [open, setOpen] = useState<Change | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const toggle = (c: Change): void => {
    setOpen(open === c ? null : c);
    setMessage(null);
  };
  const done = (text: string): void => {
    setOpen(null);
    setMessage({ ok: true, text });
    onChanged();
  };
  return (
    <>
      <tr data-testid="user-row" data-user={user.userName} data-role={user.role} data-remote={user.remoteMaxRole} data-disabled={user.disabled}>
        <td style={tdStyle}>{user.userName}</td>
        <td style={tdStyle}>{user.displayName}</td>
        <td style={tdStyle}>{user.role}</td>
        <td style={tdStyle}>{user.secretKind === 'pin' ? 'PIN' : 'password'}</td>
        <td style={{ ...tdStyle, color: user.remoteMaxRole === 'viewer' ? HMI.text : HMI.notice }} data-testid="user-remote">
          {user.remoteMaxRole}
        </td>
        <td style={tdStyle}>
          {dateTime(user.createdMs)} by {user.createdBy}
        </td>
        <td style={tdStyle}>{user.lastSignInMs === null ? 'never' : dateTime(user.lastSignInMs)}</td>
        <td style={{ ...tdStyle, color: user.disabled ? HMI.alert : HMI.text }}>{user.disabled ? 'disabled' : 'enabled'}</td>
        <td style={tdStyle}>
          <button type="button" onClick={() => toggle('grant')} aria-expanded={open === 'grant'} data-testid="user-grant-open">
            Remote grant…
          </button>{' '}
          <button type="button" onClick={() => toggle('role')} aria-expanded={open === 'role'} data-testid="user-role-open">
            Role…
          </button>{' '}
          <button type="button" onClick={() => toggle('state')} aria-expanded={open === 'state'} data-testid="user-state-open">
            {user.disabled ? 'Enable…' : 'Disable…'}
          </button>
          {message ? (
            <div role="status" style={message.ok ? { color: HMI.muted } : errorStyle} data-testid="user-message">
              {message.text}
            </div>
          ) : null}
        </td>
      </tr>
      {open ? (
        <tr>
          <td colSpan={9} style={tdStyle}>
            <ChangeForm user={user} change={open} onDone={done} onCancel={() => setOpen(null)} />
          </td>
        </tr>
      ) : null}
    </>
  );
}

/** Grants above the account's own role are refused by the host (they would widen remote rights on a later promotion). */
function grantChoices(role: Role): readonly Role[] {
  return GRANTS.filter((g) => atLeast(role, g));
}

function ChangeForm({ user, change, onDone, onCancel }: { user: UserView; change: Change; onDone: (text: string) => void; onCancel: () => void }): React.JSX.Element {
  const { client } = useSession();
  const [target, setTarget] = useState<Role>(change === 'grant' ? user.remoteMaxRole : user.role);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    const r = reason.trim();
    const name = user.userName;
    const request =
      change === 'grant'
        ? client.request('users.grantRemote', { userName: name, maxRole: target, reason: r })
        : change === 'role'
          ? client.request('users.setRole', { userName: name, role: target, reason: r })
          : client.request(user.disabled ? 'users.enable' : 'users.disable', { userName: name, reason: r });
    const text = change === 'grant' ? `remote grant of ${name} is now ${target}` : change === 'role' ? `${name} is now ${target}` : `${name} is ${user.disabled ? 'enabled' : 'disabled'}`;
    setBusy(true);
    setError(null);
    request.then(
      () => onDone(text),
      (err: unknown) => {
        setBusy(false);
        setError(messageOf(err));
      },
    );
  };
  const choices = change === 'grant' ? grantChoices(user.role) : ROLES;
  const unchanged = change !== 'state' && target === (change === 'grant' ? user.remoteMaxRole : user.role);
  const label = change === 'grant' ? `Set remote grant of ${user.userName}` : change === 'role' ? `Set role of ${user.userName}` : `${user.disabled ? 'Enable' : 'Disable'} ${user.userName}`;
  return (
    <form onSubmit={submit} style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }} data-testid={`user-${change}-form`}>
      {change === 'state' ? null : (
        <label>
          {change === 'grant' ? 'From another machine at most' : 'Role'}{' '}
          <select value={target} onChange={(e) => setTarget(e.target.value as Role)} data-testid={`user-${change}-value`}>
            {choices.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      )}
      <label>
        Reason{' '}
        <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} maxLength={500} autoFocus size={40} data-testid={`user-${change}-reason`} />
      </label>
      <button type="submit" disabled={busy || unchanged || reason.trim().length < 3} data-testid={`user-${change}-submit`}>
        {label}
      </button>
      <button type="button" onClick={onCancel}>
        Cancel
      </button>
      {change === 'grant' && user.role !== 'viewer' ? (
        <span style={{ color: HMI.muted }}>
          up to {user.role === 'admin' ? GRANT_CEILING : user.role}: {user.role === 'admin' ? 'admin is never granted remotely' : 'a grant cannot exceed the account’s role'}
        </span>
      ) : null}
      {change === 'grant' && user.role === 'viewer' ? <span style={{ color: HMI.muted }}>a viewer has nothing more to grant</span> : null}
      {error ? (
        <span role="alert" style={errorStyle} data-testid="user-change-error">
          {error}
        </span>
      ) : null}
    </form>
  );
}

function CreateUserPanel({ onCreated }: { onCreated: () => void }): React.JSX.Element {
  const { client } = useSession();
  const [userName, setUserName] = useState('');
  const [role, setRole] = useState<Role>('operator');
  const [secretKind, setSecretKind] = useState<'password' | 'pin'>('password');
  const [secret, setSecret] = useState('');
  const [again, setAgain] = useState('');
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const kind = role === 'admin' ? 'password' : secretKind; // an admin signs in with a password, never a PIN
  const mismatch = again.length > 0 && again !== secret;
  const submit = (e: React.FormEvent): void => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    const name = userName.trim();
    client.request('users.create', { userName: name, role, secretKind: kind, secret }).then(
      () => {
        setBusy(false);
        setUserName('');
        setSecret('');
        setAgain('');
        setMessage({ ok: true, text: `${name} created as ${role}; sessions from other machines are viewers until you grant more` });
        onCreated();
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: messageOf(err) });
      },
    );
  };
  return (
    <div style={panelStyle}>
      <h2 style={{ fontSize: 16, marginTop: 0 }}>New account</h2>
      <form onSubmit={submit} style={{ display: 'flex', gap: 8, alignItems: 'center', flexWrap: 'wrap' }} data-testid="user-create-form">
        <label>
          User name <input value={userName} onChange={(e) => setUserName(e.target.value)} required maxLength={32} size={16} autoComplete="off" data-testid="user-create-name" />
        </label>
        <label>
          Role{' '}
          <select value={role} onChange={(e) => setRole(e.target.value as Role)} data-testid="user-create-role">
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          Signs in with{' '}
          <select value={kind} onChange={(e) => setSecretKind(e.target.value as 'password' | 'pin')} disabled={role === 'admin'} data-testid="user-create-kind">
            <option value="password">password (12+ characters)</option>
            <option value="pin">PIN (6–12 digits, touch panel)</option>
          </select>
        </label>
        <label>
          {kind === 'pin' ? 'PIN' : 'Password'}{' '}
          <input type="password" value={secret} onChange={(e) => setSecret(e.target.value)} required inputMode={kind === 'pin' ? 'numeric' : 'text'} autoComplete="new-password" size={20} data-testid="user-create-secret" />
        </label>
        <label>
          Again <input type="password" value={again} onChange={(e) => setAgain(e.target.value)} required autoComplete="new-password" size={20} data-testid="user-create-again" />
        </label>
        <button type="submit" disabled={busy || !userName.trim() || !secret || again !== secret} data-testid="user-create-submit">
          Create account
        </button>
        {mismatch ? <span style={errorStyle}>the two entries differ</span> : null}
      </form>
      {message ? (
        <p role="status" style={message.ok ? { color: HMI.muted } : errorStyle} data-testid="user-create-message">
          {message.text}
        </p>
      ) : null}
    </div>
  );
}
