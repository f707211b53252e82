import { parentPort, workerData } from 'node:worker_threads';
import type { UAVariable } from 'node-opcua';
import { startLocalOpcuaServer } from './localOpcuaServer';
import type { FromBenchServer, OpcuaBenchServerPlan, ToBenchServer } from './opcuaBenchServer';
import { loadNodeOpcua } from './nodeOpcua';

/**
 * The benchmark's OPC UA server in a thread of its own (see `startOpcuaBenchServer`), so the
 * moment a trip write is applied there is not held up by the client's work on the main thread.
 */
const port = parentPort!;
const plan = workerData as OpcuaBenchServerPlan;
const post = (m: FromBenchServer): void => port.postMessage(m);
const opcua = await loadNodeOpcua();
const waves: UAVariable[] = [];

const server = await startLocalOpcuaServer({
  minSupportedSampleRateMs: 0,
  build: (ns, addressSpace) => {
    const objects = addressSpace.rootFolder.objects;
    for (let i = 0; i < plan.assets; i++) {
      const assetId = `m${i}`;
      const asset = ns.addObject({ organizedBy: objects, browseName: assetId, nodeId: `s=${assetId}` });
      let tripped = false;
      ns.addVariable({
        componentOf: asset, browseName: 'trip', nodeId: `s=${assetId}.trip`, dataType: 'Boolean', minimumSamplingInterval: 100,
        accessLevel: 'CurrentRead | CurrentWrite', userAccessLevel: 'CurrentRead | CurrentWrite',
        value: {
          get: () => new opcua.Variant({ dataType: opcua.DataType.Boolean, value: tripped }),
          set: (v: { value: unknown }) => {
            // Timed the moment the server applies the write, before it answers.
            post({ kind: 'written', assetId, value: v.value === true, atNs: process.hrtime.bigint() });
            tripped = v.value === true;
            return opcua.StatusCodes.Good;
          },
        },
      });
    }
    for (let c = 0; c < plan.channels; c++) {
      waves.push(ns.addVariable({ organizedBy: objects, browseName: `ch${c}`, nodeId: `s=bench.ch${c}`, dataType: 'Float', valueRank: 1, arrayDimensions: [plan.samples], minimumSamplingInterval: 0 }));
    }
  },
});

/** Block `k` of every channel, stamped with the time it is set: the frame's start as the client will see it. */
function publish(k: number): void {
  const atMs = Date.now();
  waves.forEach((w, c) => {
    const samples = Float32Array.from({ length: plan.samples }, (_, i) => Math.sin((i + k * plan.samples) / (7 + c)));
    w.setValueFromSource(new opcua.Variant({ dataType: opcua.DataType.Float, arrayType: opcua.VariantArrayType.Array, value: samples }), opcua.StatusCodes.Good, new Date(atMs));
  });
}

publish(0);
let pump: NodeJS.Timeout | null = null;
let sent = 0;
port.on('message', (m: ToBenchServer) => {
  if (m.kind === 'pump') {
    sent = 0;
    pump = setInterval(() => publish(++sent), plan.blockMs);
  } else if (m.kind === 'stopPump') {
    if (pump) clearInterval(pump);
    pump = null;
    post({ kind: 'pumped', blocks: waves.map(() => sent) });
  } else {
    if (pump) clearInterval(pump);
    void server.stop().then(() => {
      post({ kind: 'stopped' });
      process.exit(0);
    });
  }
});
post({ kind: 'ready', endpointUrl: server.endpointUrl });
