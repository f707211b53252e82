import { z } from 'zod';
import type { SignIn, SignInReply } from './console';
import type { PlantStatus } from './status';

/**
 * The console protocol through the desktop app's preload: the same requests, replies and pushes as
 * `vigil serve`'s WebSocket (engine/contract/console.ts), as JSON text frames. The session's token
 * stays in the main process; a window only holds a placeholder.
 */
export interface DesktopConsoleApi {
  needsSetup(): Promise<boolean>;
  signIn(input: SignIn): Promise<{ ok: true; reply: SignInReply } | { ok: false; reason: string }>;
  /** First run only: creates the first administrator and signs them in. */
  setup(input: SignIn): Promise<{ ok: true; reply: SignInReply } | { ok: false; reason: string }>;
  signOut(): Promise<void>;
  /** One console request as JSON text; its reply arrives through `onMessage`. */
  send(frame: string): void;
  /** Replies, status and engine pushes, and `{"type":"session-ended"}` when the session ends. */
  onMessage(listener: (frame: string) => void): () => void;
}

/** What the renderer may call: the preload exposes exactly this as `window.vigil`. */
export interface VigilApi {
  getStatus(): Promise<PlantStatus | null>;
  /** Subscribes to status snapshots (fixed rate); returns the unsubscribe function. */
  onStatus(listener: (status: PlantStatus) => void): () => void;
  /** Whether the engine thread runs, is being restarted, or stopped (desktop app; absent in a browser). */
  onEngineState?(listener: (state: EngineThreadState) => void): () => void;
  /** The console protocol (desktop app; in a browser it goes over `vigil serve`'s WebSocket instead). */
  console?: DesktopConsoleApi;
}

/** What the window shows about the engine: a console whose engine stopped must say so, not freeze. */
export const EngineThreadStateSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('running') }),
  z.object({ state: z.literal('restarting'), detail: z.string(), inMs: z.number() }),
  z.object({ state: z.literal('stopped'), detail: z.string() }),
]);
export type EngineThreadState = z.infer<typeof EngineThreadStateSchema>;
