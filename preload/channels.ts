/** IPC channel names shared by main and preload; nothing else crosses the bridge. */
export const IPC = {
  status: 'vigil:status',
  getStatus: 'vigil:getStatus',
  engine: 'vigil:engine',
  getEngineState: 'vigil:getEngineState',
} as const;
