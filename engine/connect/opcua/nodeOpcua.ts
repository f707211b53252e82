/**
 * The node-opcua module, loaded on first use. Why not a static import: node-opcua is large
 * (2–4 s to load on the 2-core box, and it prints a warning about `--security-revert` on Node 20),
 * and most plants have no OPC UA at all, so an engine that never connects to an OPC UA server
 * must not pay for it at start-up. Everything in this folder imports node-opcua's types only and
 * gets its values from here.
 */
export type NodeOpcua = typeof import('node-opcua');

let loading: Promise<NodeOpcua> | null = null;

/** node-opcua, imported once per process and shared by every source and output. */
export function loadNodeOpcua(): Promise<NodeOpcua> {
  loading ??= import('node-opcua').catch((err: unknown) => {
    loading = null; // a later caller tries again rather than inheriting one failed import for ever
    throw err;
  });
  return loading;
}
