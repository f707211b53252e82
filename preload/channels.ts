/** IPC channel names shared by main and preload; nothing else crosses the bridge. */
export const IPC = {
  status: 'vigil:status',
  getStatus: 'vigil:getStatus',
  engine: 'vigil:engine',
  getEngineState: 'vigil:getEngineState',
  /** The console protocol: sign-in (invoke), one request (send), replies and pushes (on). */
  needsSetup: 'vigil:console:needsSetup',
  signIn: 'vigil:console:signIn',
  setup: 'vigil:console:setup',
  signOut: 'vigil:console:signOut',
  request: 'vigil:console:request',
  message: 'vigil:console:message',
} as const;
