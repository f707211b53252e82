import { createContext, useContext } from 'react';
import type { SessionInfo } from '../../engine/contract';
import type { ConsoleClient } from './consoleClient';

/** A console role, least privileged first. */
export type Role = SessionInfo['role'];
const RANK: Readonly<Record<Role, number>> = { viewer: 0, operator: 1, engineer: 2, admin: 3 };

/**
 * Whether `role` reaches `least`. The pages use it only to disable what would be refused and say
 * why; the host checks the role on every request, so this is a convenience, never the guard.
 */
export function atLeast(role: Role, least: Role): boolean {
  return RANK[role] >= RANK[least];
}

/** The signed-in session the pages work in. */
export interface ConsoleSession {
  client: ConsoleClient;
  info: SessionInfo;
}

export const SessionContext = createContext<ConsoleSession | null>(null);

/** The signed-in session; pages under the signed-in shell only. */
export function useSession(): ConsoleSession {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in console');
  return s;
}
