import type React from 'react';
import type { ConnectionStatus } from '../../engine/contract';
import { HMI } from './theme';

/**
 * A configured plant's links (sources, trip outputs, watchdog heartbeat, event forwarding), one
 * line each. Grey when up; a link that is down is red and comes first, because a trip output or a
 * heartbeat that is down means a machine Vigil cannot stop, and a source that is down means
 * machines that are not watched. The simulated demo plant has no links, and nothing is shown.
 */
export function ConnectionsStrip({ connections }: { connections: readonly ConnectionStatus[] | undefined }): React.JSX.Element | null {
  if (!connections || connections.length === 0) return null;
  const down = connections.filter((c) => !c.connected);
  const ordered = [...down, ...connections.filter((c) => c.connected)];
  return (
    <section aria-label="Plant connections" data-testid="connections" data-down={down.length} style={{ margin: '4px 0 12px' }}>
      <p style={{ margin: '0 0 4px', fontWeight: 600, color: down.length > 0 ? HMI.danger : HMI.muted }}>
        {down.length > 0 ? `${down.length} of ${connections.length} plant connections down` : `All ${connections.length} plant connections up`}
      </p>
      <ul style={{ listStyle: 'none', margin: 0, padding: 0, fontSize: 13 }}>
        {ordered.map((c) => (
          <li key={`${c.role}:${c.id}`} data-connection={c.id} data-connected={c.connected} style={{ color: c.connected ? HMI.muted : HMI.danger }}>
            {c.connected ? '●' : '○ DOWN'} {c.role} {c.id} ({c.kind}): {c.detail}
          </li>
        ))}
      </ul>
    </section>
  );
}
