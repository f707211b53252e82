/**
 * A console process for the durability test: the demo pump with a growing outer-race fault runs as
 * fast as it can, trips, is reset by an (audited) engineer, trips again … until the test kills it.
 * stdout: `READY` once scoring, `AUDIT <id>` after each audit row has committed.
 * argv: <database file> <controller latch file>
 */
import { Engine } from '../../engine/engine';
import { DemoPlant } from '../../engine/ingest/demoPlant';
import { DEMO_MACHINES } from '../../engine/ingest/demoMachines';
import { restoreProductionModels } from '../../engine/service/restoreModels';
import { AuditTrail } from '../../engine/store/AuditTrail';
import { openStore } from '../../engine/store/openStore';
import { FileLatchController } from './latchingController';

const [dbPath, latchPath] = process.argv.slice(2);
if (!dbPath || !latchPath) throw new Error('usage: durabilityChild <db> <latch file>');
const store = openStore(dbPath);
const audit = new AuditTrail(store.db);
const controller = new FileLatchController(latchPath, () => Date.now());
const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-101')!;
const plant = new DemoPlant({ seed: 1, startMs: Date.now(), machines: [pump], faultSchedule: [{ assetId: 'pump-101', kind: 'outer_race', onsetSec: 12, growthTauSec: 2, initialSeverity: 0.5, maxSeverity: 1 }] });
const engine = await Engine.create({ assets: plant.assets(), clock: () => Date.now(), actuator: controller, store: (op) => store.writer.enqueue(op) });
await restoreProductionModels(engine, store.repo);
let ready = false;
engine.on((e) => {
  if (e.type === 'ScoreComputed' && !ready && e.modelVersion !== 'commissioning') {
    ready = true;
    process.stdout.write('READY\n');
  }
  if (e.type === 'TripRequested') {
    // The engineer resets the latch: audited first (its own durable transaction), then done.
    queueMicrotask(() => {
      const id = audit.record({ actor: 'erin', role: 'engineer', action: 'reset', target: e.assetId, before: { latched: true }, after: { latched: false }, reason: 'durability test', outcome: 'done' });
      engine.resetLatch(e.assetId);
      process.stdout.write(`AUDIT ${id}\n`);
    });
  }
});
for (let i = 0; ; i++) {
  for (const f of plant.nextFrames()) engine.accept(f);
  if (i % 4 === 0) await engine.settle();
}
