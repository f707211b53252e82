/**
 * A console process for the durability test: the demo pump with a growing outer-race fault runs as
 * fast as it can and trips; it is repaired (the plant restarts healthy), reset by an (audited)
 * engineer once the danger has cleared, develops the fault again and trips again … until the test kills it.
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
// As the console runs it: store writes in their own thread.
const store = openStore(dbPath, { thread: 'worker' });
const audit = new AuditTrail(store.db);
const controller = new FileLatchController(latchPath, () => Date.now());
const pump = DEMO_MACHINES.find((m) => m.assetId === 'pump-101')!;
/** The pump from `startMs`: healthy for `onsetSec`, then an outer-race fault that reaches danger within seconds. */
const pumpFrom = (startMs: number, onsetSec: number) =>
  new DemoPlant({ seed: 1, startMs, machines: [pump], faultSchedule: [{ assetId: 'pump-101', kind: 'outer_race', onsetSec, growthTauSec: 2, initialSeverity: 0.5, maxSeverity: 1 }] });
let plant = pumpFrom(Date.now(), 12);
const engine = await Engine.create({ assets: plant.assets(), clock: () => Date.now(), actuator: controller, store: (op) => store.writer.enqueue(op) });
await restoreProductionModels(engine, store.repo);
let ready = false;
/** Plant time (ms) after which the repaired pump has run healthy long enough for the danger condition to clear. */
let resetAfterMs: number | null = null;
engine.on((e) => {
  if (e.type === 'ScoreComputed' && !ready && e.modelVersion !== 'commissioning') {
    ready = true;
    process.stdout.write('READY\n');
  }
  if (e.type === 'TripRequested' && resetAfterMs === null) {
    // The machine is repaired: the plant restarts healthy, and the fault comes back 3 s later.
    plant = pumpFrom(plant.nextStartMs + 1000, 3);
    resetAfterMs = plant.nextStartMs + 1500;
  }
});
for (let i = 0; ; i++) {
  for (const f of plant.nextFrames()) engine.accept(f);
  if (i % 4 !== 0) continue;
  await engine.settle();
  if (resetAfterMs !== null && plant.nextStartMs >= resetAfterMs) {
    // The engineer resets the latch once the repaired pump runs healthy; the audit row commits (its own durable transaction) before we say so.
    const r = engine.resetLatch('pump-101', 'erin');
    if (!r.ok) throw new Error(`reset refused on a healthy pump: ${r.reason}`);
    const id = audit.record({ actor: 'erin', role: 'engineer', action: 'reset', target: 'pump-101', before: { latched: true }, after: { latched: false }, reason: 'durability test: pump repaired', outcome: 'done' });
    process.stdout.write(`AUDIT ${id}\n`);
    resetAfterMs = null;
  }
}
