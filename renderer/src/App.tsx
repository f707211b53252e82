import type React from 'react';
import { useEffect, useMemo, useState } from 'react';
import type { SignInReply } from '../../engine/contract';
import { AlarmsPage } from './AlarmsPage';
import { AssetPage } from './AssetPage';
import { AuditPage } from './AuditPage';
import { ConsoleClient, type AssetRef, type ConnectionState, type ConsoleAccess, type EngineNote } from './consoleClient';
import { EStopBar } from './EStopBar';
import { FleetPage, type StatusSource } from './FleetPage';
import { IncidentsPage } from './IncidentsPage';
import { ModelsPage } from './ModelsPage';
import { SessionContext, atLeast, useSession, type ConsoleSession, type Role } from './session';
import { SignInPanel } from './SignInPanel';
import { ThresholdsPage } from './ThresholdsPage';
import { UsersPage } from './UsersPage';
import { HMI } from './theme';

const PAGES = ['fleet', 'asset', 'alarms', 'incidents', 'thresholds', 'models', 'audit', 'users'] as const;
type Page = (typeof PAGES)[number];
const PAGE_LABEL: Record<Page, string> = { fleet: 'Fleet', asset: 'Machine', alarms: 'Alarms', incidents: 'Incidents', thresholds: 'Thresholds', models: 'Models', audit: 'Audit', users: 'Users' };
/** Pages shown only from a role up; the host refuses their requests below it anyway. */
const PAGE_MIN_ROLE: Partial<Record<Page, Role>> = { audit: 'engineer', users: 'admin' };

const CONNECTION_TEXT: Record<ConnectionState, string> = {
  connecting: 'connecting…',
  open: 'live',
  reconnecting: 'connection lost — reconnecting…',
  closed: 'signed out',
  expired: 'session expired — sign in again',
};

/**
 * The console, in the desktop app or in a browser served by `vigil serve` (`access` says which):
 * signed out, the read-only fleet under a sign-in form; signed in, a header with the pages, the
 * user's role and sign-out, the emergency-stop bar on every page, and the pages over one session.
 */
export function App({ access, anonymous }: { access: ConsoleAccess; anonymous: StatusSource }): React.JSX.Element {
  const [session, setSession] = useState<ConsoleSession | null>(null);

  // The client is created here and disposed by its sign-out: not in an effect, whose cleanup
  // (run twice under StrictMode in development) would close a session the user just opened.
  const onSignedIn = (r: SignInReply): void => setSession({ client: new ConsoleClient(access, r.token, r.session), info: r.session });

  if (!session) {
    return (
      <div style={{ fontFamily: 'system-ui, sans-serif', background: HMI.background, color: HMI.text, minHeight: '100vh', paddingBottom: 16 }}>
        <SignInPanel access={access} onSignedIn={onSignedIn} />
        <FleetPage source={anonymous} />
      </div>
    );
  }
  return (
    <SessionContext.Provider value={session}>
      <SignedIn onSignOut={() => void session.client.signOut().then(() => setSession(null))} />
    </SessionContext.Provider>
  );
}

function SignedIn({ onSignOut }: { onSignOut: () => void }): React.JSX.Element {
  const { client, info } = useSession();
  const [page, setPage] = useState<Page>('fleet');
  /** The machine the asset page shows ('' = the first); a fleet row sets it and opens the page. */
  const [assetId, setAssetId] = useState('');
  const [assets, setAssets] = useState<AssetRef[]>([]);
  const [connection, setConnection] = useState<ConnectionState>(client.state);
  const [engine, setEngine] = useState<EngineNote | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  useEffect(() => client.onProblem(setProblem), [client]);
  useEffect(() => client.onAssets(setAssets), [client]);
  useEffect(() => client.onState(setConnection), [client]);
  useEffect(() => client.onEngine((n) => setEngine(n.state === 'running' ? null : n)), [client]);
  const source = useMemo<StatusSource>(() => ({ getStatus: async () => client.status, onStatus: (l) => client.onStatus(l) }), [client]);

  return (
    <div style={{ fontFamily: 'system-ui, sans-serif', background: HMI.background, color: HMI.text, minHeight: '100vh', paddingBottom: 16 }}>
      <header style={{ display: 'flex', alignItems: 'center', gap: 16, padding: '6px 16px', background: '#bdbdbd', borderBottom: `1px solid ${HMI.border}` }}>
        <strong style={{ fontSize: 18 }}>Vigil</strong>
        <nav aria-label="Pages" style={{ display: 'flex', gap: 4 }}>
          {PAGES.filter((p) => atLeast(info.role, PAGE_MIN_ROLE[p] ?? 'viewer')).map((p) => (
            <button key={p} type="button" onClick={() => setPage(p)} aria-current={page === p ? 'page' : undefined} style={{ fontWeight: page === p ? 700 : 400, background: page === p ? HMI.panel : undefined }} data-testid={`nav-${p}`}>
              {PAGE_LABEL[p]}
            </button>
          ))}
        </nav>
        <span role="status" data-testid="connection" data-state={connection} style={{ color: connection === 'open' ? HMI.muted : HMI.alert, fontWeight: connection === 'open' ? 400 : 700 }}>
          {CONNECTION_TEXT[connection]}
        </span>
        <span style={{ marginLeft: 'auto' }} data-testid="session-user">
          {info.userName} · <span data-testid="session-role">{info.role}</span>
          {info.remote ? (
            <span data-testid="session-remote" style={{ color: HMI.muted }}>
              {' '}
              · from another machine{info.cappedFrom ? ` (account role ${info.cappedFrom}; an admin can grant more)` : ''}
            </span>
          ) : null}
        </span>
        <button type="button" onClick={onSignOut} data-testid="sign-out">
          Sign out
        </button>
      </header>
      {connection === 'expired' ? (
        <div role="alert" style={{ background: HMI.alertFill, padding: '4px 16px' }}>
          The session has expired or was refused by the host.{' '}
          <button type="button" onClick={onSignOut} data-testid="sign-in-again">
            Sign in again
          </button>
        </div>
      ) : null}
      {problem ? (
        <div role="alert" data-testid="status-problem" style={{ background: HMI.alertFill, color: HMI.text, padding: '4px 16px', fontWeight: 700 }}>
          Stale: {problem}.
        </div>
      ) : null}
      {engine ? (
        <div role="alert" data-testid="engine-note" style={{ background: HMI.dangerFill, color: HMI.danger, padding: '4px 16px', fontWeight: 700 }}>
          Engine {engine.state}: {engine.detail}. What this page shows may be stale.
        </div>
      ) : null}
      <EStopBar assets={assets} />
      <main>
        {page === 'fleet' ? <FleetPage source={source} onOpen={(id) => { setAssetId(id); setPage('asset'); }} /> : null}
        {page === 'asset' ? <AssetPage assets={assets} assetId={assetId} onAssetChange={setAssetId} /> : null}
        {page === 'alarms' ? <AlarmsPage /> : null}
        {page === 'incidents' ? <IncidentsPage /> : null}
        {page === 'thresholds' ? <ThresholdsPage assets={assets} /> : null}
        {page === 'models' ? <ModelsPage assets={assets} /> : null}
        {page === 'audit' ? <AuditPage /> : null}
        {page === 'users' ? <UsersPage /> : null}
      </main>
    </div>
  );
}
