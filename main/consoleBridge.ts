import { SignInSchema, type ConsoleReply, type SessionInfo, type SignInReply } from '../engine/contract/console';
import type { PlantStatus } from '../engine/contract/status';
import type { ConsolePort, EngineNote } from '../engine/service/EngineThread';

/** Largest console message a window may send (the WebSocket server's limit too). */
export const MAX_IPC_MESSAGE_CHARS = 64 * 1024;
/** Pushed to a window whose session ended (expired, signed out elsewhere, account disabled). */
export const SESSION_ENDED_FRAME = JSON.stringify({ type: 'session-ended', detail: 'the session expired or was ended: sign in again' });
/** What a window gets in place of its token: the token stays in main, the window never holds it. */
export const DESKTOP_TOKEN = 'held-by-the-desktop-app';

/** What the preload's `console.signIn` / `console.setup` answer. */
export type DesktopSignIn = { ok: true; reply: SignInReply } | { ok: false; reason: string };

/**
 * The console protocol between the desktop app's windows and the engine thread, without Electron
 * (so it is tested under plain Node): main wires `ipcMain` to it and passes `send`, which delivers a
 * text frame to one window. A window is known by its `webContents` id.
 *
 * The same rules as the WebSocket server: sign-in from the desktop is local (this machine's
 * console), the session's token is kept here and never given to the page, every message a window
 * sends is size-checked and parsed as JSON here and as a console request by `ConsoleHost`, a
 * malformed one is answered `bad_request` and changes nothing, and a window whose session ended is
 * told so on the next push.
 */
export class ConsoleBridge {
  readonly #tokens = new Map<number, string>();
  #lastNote: EngineNote['state'] = 'running';
  /** Messages refused here (not text, too long, not JSON), answered `bad_request`. */
  refused = 0;

  constructor(
    private readonly port: () => ConsolePort,
    private readonly send: (windowId: number, frame: string) => void,
  ) {}

  async needsSetup(): Promise<boolean> {
    return this.port().needsSetup();
  }

  signIn(windowId: number, input: unknown): Promise<DesktopSignIn> {
    return this.#open(windowId, input, 'signIn');
  }

  setup(windowId: number, input: unknown): Promise<DesktopSignIn> {
    return this.#open(windowId, input, 'setup');
  }

  /** Ends the window's session at the host; true if it had one. */
  async signOut(windowId: number): Promise<boolean> {
    const token = this.#tokens.get(windowId);
    this.#tokens.delete(windowId);
    return token ? this.port().signOut(token) : false;
  }

  /** The window closed: its session ends with it. */
  forget(windowId: number): void {
    void this.signOut(windowId).catch(() => undefined);
  }

  /** One message from a window; the reply (or refusal) goes back to that window only. */
  request(windowId: number, frame: unknown): void {
    let raw: unknown;
    try {
      if (typeof frame !== 'string') throw new Error('a console message is one JSON text');
      if (frame.length > MAX_IPC_MESSAGE_CHARS) throw new Error(`the message is over ${MAX_IPC_MESSAGE_CHARS} characters`);
      raw = JSON.parse(frame);
    } catch (err) {
      this.refused++;
      const message = err instanceof SyntaxError ? 'the message is not JSON' : err instanceof Error ? err.message : String(err);
      this.#reply(windowId, { type: 'reply', id: '', ok: false, error: { code: 'bad_request', message } });
      return;
    }
    void this.port()
      .handle(this.#tokens.get(windowId) ?? null, raw)
      .then((reply) => this.#reply(windowId, reply));
  }

  /**
   * The fixed-rate push: ends the windows whose session ended (told with `SESSION_ENDED_FRAME`),
   * then sends the status to every signed-in window, and the engine's note while it is not
   * answering (and once when it answers again).
   */
  async push(status: PlantStatus | null, note: EngineNote): Promise<void> {
    const entries = [...this.#tokens];
    const who: Array<SessionInfo | null> = entries.length > 0 ? await this.port().sessions(entries.map(([, t]) => t)) : [];
    const noteFrame = note.state !== 'running' || this.#lastNote !== 'running' ? JSON.stringify({ type: 'engine', state: note.state, detail: note.detail }) : null;
    this.#lastNote = note.state;
    const frame = status && JSON.stringify({ type: 'status', status });
    entries.forEach(([windowId, token], i) => {
      if (!who[i]) {
        if (this.#tokens.get(windowId) === token) this.#tokens.delete(windowId);
        this.send(windowId, SESSION_ENDED_FRAME);
        return;
      }
      if (noteFrame) this.send(windowId, noteFrame);
      if (frame) this.send(windowId, frame);
    });
  }

  /** Windows signed in now. */
  get signedIn(): number {
    return this.#tokens.size;
  }

  async #open(windowId: number, input: unknown, how: 'signIn' | 'setup'): Promise<DesktopSignIn> {
    const p = SignInSchema.safeParse(input);
    if (!p.success) return { ok: false, reason: 'enter a user name and a password or PIN' };
    // The desktop app runs on the console workstation: its sign-ins are local by construction.
    const out = await this.port()[how](p.data, { remote: false });
    if (!out.ok) return out;
    const previous = this.#tokens.get(windowId);
    if (previous) void Promise.resolve(this.port().signOut(previous)).catch(() => undefined);
    this.#tokens.set(windowId, out.reply.token);
    return { ok: true, reply: { ...out.reply, token: DESKTOP_TOKEN } };
  }

  #reply(windowId: number, reply: ConsoleReply): void {
    let text: string;
    try {
      text = JSON.stringify(reply);
    } catch (err) {
      text = JSON.stringify({ type: 'reply', id: reply.id, ok: false, error: { code: 'failed', message: `the reply could not be sent: ${err instanceof Error ? err.message : String(err)}` } });
    }
    this.send(windowId, text);
  }
}
