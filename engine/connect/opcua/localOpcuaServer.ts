import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressSpace, Namespace, OPCUAServer } from 'node-opcua';
import { freePort } from '../localPeer';
import { loadNodeOpcua, type NodeOpcua } from './nodeOpcua';

/** A real node-opcua server on a loopback port, with the address space its starter built. */
export interface LocalOpcuaServer {
  port: number;
  endpointUrl: string;
  server: OPCUAServer;
  addressSpace: AddressSpace;
  /** The server's own namespace (index 1): node ids `ns=1;s=...`. */
  namespace: Namespace;
  /** Shuts the server down (clients see the connection drop) and removes a PKI folder it made itself. Safe twice. */
  stop(): Promise<void>;
}

/** What `startLocalOpcuaServer` needs. */
export interface LocalOpcuaServerOptions {
  /** A free loopback port by default; give the old one to restart a server in the same place (outage tests). */
  port?: number;
  /** Certificate stores (server/, users/) under this folder, kept on stop; a fresh temporary folder, removed on stop, by default. */
  pkiFolder?: string;
  /**
   * The MinSupportedSampleRate the server advertises, ms. node-opcua's default (50 ms) folds the
   * changes of a variable within each 50 ms into one notification, as a sampling server would;
   * 0 reports every change of a variable whose MinimumSamplingInterval is 0, as a gateway that
   * publishes every waveform block must.
   */
  minSupportedSampleRateMs?: number;
  /** Adds the variables, objects and methods the test or benchmark needs, before the server listens. */
  build?(namespace: Namespace, addressSpace: AddressSpace, opcua: NodeOpcua): void | Promise<void>;
}

/**
 * The OPC UA peer of the tests and the benchmark: node-opcua's own server (the same stack many
 * gateways embed), never a stand-in, with security mode None and anonymous login on 127.0.0.1
 * only. Its certificates go to a temporary folder, and the stores' file watchers are off, so a
 * run leaves nothing in the repository or in $HOME and no handle behind once stopped.
 */
export async function startLocalOpcuaServer(o: LocalOpcuaServerOptions = {}): Promise<LocalOpcuaServer> {
  const opcua = await loadNodeOpcua();
  const port = o.port ?? (await freePort());
  const ownFolder = o.pkiFolder ? null : mkdtempSync(join(tmpdir(), 'vigil-opcua-server-'));
  const pki = o.pkiFolder ?? ownFolder!;
  const certificates = (name: string) => new opcua.OPCUACertificateManager({ rootFolder: join(pki, name), automaticallyAcceptUnknownCertificate: true, disableFileWatchers: true });
  const serverCertificateManager = certificates('server');
  const userCertificateManager = certificates('users');
  const server = new opcua.OPCUAServer({
    port,
    host: '127.0.0.1',
    hostname: '127.0.0.1',
    serverCertificateManager,
    userCertificateManager,
    nodeset_filename: [opcua.nodesets.standard],
    securityModes: [opcua.MessageSecurityMode.None],
    securityPolicies: [opcua.SecurityPolicy.None],
    allowAnonymous: true,
    ...(o.minSupportedSampleRateMs === undefined ? {} : { serverCapabilities: { minSupportedSampleRate: o.minSupportedSampleRateMs } }),
    buildInfo: { productName: 'Vigil local OPC UA peer', manufacturerName: 'Vigil' },
  });
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await server.shutdown(0).catch(() => {});
    await serverCertificateManager.dispose().catch(() => {});
    await userCertificateManager.dispose().catch(() => {});
    if (ownFolder) rmSync(ownFolder, { recursive: true, force: true });
  };
  try {
    await server.initialize();
    const addressSpace = server.engine.addressSpace!;
    const namespace = addressSpace.getOwnNamespace();
    await o.build?.(namespace, addressSpace, opcua);
    await server.start();
    return { port, endpointUrl: `opc.tcp://127.0.0.1:${port}`, server, addressSpace, namespace, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
