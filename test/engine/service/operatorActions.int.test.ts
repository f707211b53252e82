import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { Accounts } from '../../../engine/auth/Accounts';
import { UnauthorisedError } from '../../../engine/auth/authorizeAndAudit';
import type { AssetConfig } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { openStore } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

const dir = mkdtempSync(join(tmpdir(), 'vigil-operator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const asset: AssetConfig = vectorAsset({ assetId: 'press-7', channels: { f: ['rms', 'kurtosis', 'temp'] }, commissioningWindows: 40, learning: { promoteEveryWindows: 1_000_000 } });

describe('operator actions: authorised by role, written to the audit trail', () => {
  it('given an operator and an engineer, resets, promotions, rollbacks and feedback go through for the right role and are refused and audited for the wrong one', async () => {
    const store = openStore(join(dir, 'vigil.sqlite'));
    const accounts = new Accounts(store.db);
    expect(accounts.needsFirstRunSetup()).toBe(true);
    await accounts.createFirstAdmin('ada', 'correct horse battery');
    await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' });
    await accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
    let t = 1_000_000;
    const engine = await Engine.create({ assets: [asset], clock: () => t, actuator: new RecordingActuator(() => t), store: (op) => store.writer.enqueue(op) });
    const board = new AlarmBoard(() => {});
    engine.on((e) => board.onEngineEvent(e));
    const actions = new OperatorActions(engine, store.repo, accounts, board, () => t);
    const u = new SeededUniform(5);
    const feed = async (k: number, fault = 0): Promise<void> => {
      for (let i = 0; i < k; i++) {
        t += 1000;
        const load = u.next();
        engine.acceptVector({ assetId: 'press-7', channelId: 'f', atMs: t, values: Float32Array.from([1 + 0.05 * load, 3 + 0.2 * u.next() + 6 * fault, 40 + load]) });
        if (i % 5 === 0) await engine.settle();
      }
      await engine.settle();
      await store.writer.flush();
    };
    await feed(60);
    const first = engine.monitor('press-7')!.modelVersion!;
    await feed(10, 1);
    expect(engine.monitor('press-7')!.latched).toBe(true);

    // Alarms: the operator acknowledges with a note; a shelve beyond the operator's 8 h is refused.
    const acked = await actions.acknowledge({ userName: 'olga' }, 'press-7', 'level.danger', 'maintenance called');
    expect(acked).toMatchObject([{ type: 'AlarmAcknowledged', by: 'olga', note: 'maintenance called' }]);
    await expect(actions.acknowledge({ userName: 'olga' }, 'press-7', 'level.danger')).rejects.toThrow(/acknowledge|already|not/i);
    await expect(actions.shelve({ userName: 'olga' }, 'press-7', 'level.alert', 9 * 3_600_000, 'weekend')).rejects.toBeInstanceOf(UnauthorisedError);
    expect(await actions.shelve({ userName: 'olga' }, 'press-7', 'level.alert', 3_600_000, 'known during the product change')).toMatchObject([{ type: 'AlarmShelved' }]);

    // Reset: refused for the operator (and audited), done for the engineer.
    await expect(actions.resetLatch({ userName: 'olga' }, 'press-7', 'back to work')).rejects.toBeInstanceOf(UnauthorisedError);
    expect(engine.monitor('press-7')!.latched).toBe(true);
    // The engineer too, while the danger condition still holds: protection refuses and the audit says why.
    await expect(actions.resetLatch({ userName: 'erin' }, 'press-7', 'too early')).rejects.toThrow(/reset refused: danger condition still holds/);
    expect(engine.monitor('press-7')!.latched).toBe(true);
    // A bypass is an engineer's, with a reason.
    await expect(actions.bypass({ userName: 'olga' }, 'press-7', 'sensor work')).rejects.toBeInstanceOf(UnauthorisedError);
    expect(await actions.bypass({ userName: 'erin' }, 'press-7', 'sensor work')).toBe(true);
    expect(await actions.removeBypass({ userName: 'erin' }, 'press-7', 'sensor work done')).toBe(true);
    await feed(5);
    expect(await actions.resetLatch({ userName: 'erin' }, 'press-7', 'bearing replaced')).toBe(true);
    expect(engine.monitor('press-7')!.latched).toBe(false);

    // Promotion and rollback: engineers only, with a reason.
    await feed(50);
    await expect(actions.promote({ userName: 'olga' }, 'press-7', 'try it')).rejects.toBeInstanceOf(UnauthorisedError);
    const [outcome] = await actions.promote({ userName: 'erin' }, 'press-7', 'learned the new product');
    expect(outcome).toMatchObject({ promoted: true });
    await store.writer.flush();
    expect(await actions.rollback({ userName: 'erin' }, 'press-7', 'f', first, 'new model alarms on start-up')).toBe(first);
    await expect(actions.rollback({ userName: 'erin' }, 'press-7', 'f', 'm-000000000000', 'typo')).rejects.toThrow(/not in the registry/);

    // Feedback: operators may give it; a viewer-less unknown user is refused.
    const incident = store.repo.listIncidents({ assetId: 'press-7', limit: 10 })[0]!;
    const fb = await actions.feedback({ userName: 'olga' }, { assetId: 'press-7', incidentId: incident.id, verdict: 'confirmed_fault', note: 'cracked race' });
    expect(fb.windows).toBeGreaterThan(0);
    await expect(actions.feedback({ userName: 'mallory' }, { assetId: 'press-7', incidentId: incident.id, verdict: 'false_alarm' })).rejects.toBeInstanceOf(UnauthorisedError);

    // Emergency stop: an operator may, with a reason; someone without an account may not.
    const [stop] = await actions.trip({ userName: 'olga' }, 'press-7', 'smoke at the coupling');
    expect(stop).toMatchObject({ assetId: 'press-7' });
    expect(engine.monitor('press-7')!.latched).toBe(true);
    await expect(actions.trip({ userName: 'mallory' }, '*', 'prank')).rejects.toBeInstanceOf(UnauthorisedError);
    await expect(actions.trip({ userName: 'olga' }, 'press-9', 'typo')).rejects.toThrow(/unknown asset press-9/);

    const rows = accounts.audit.list({ limit: 100 }).reverse();
    const summary = rows.filter((r) => r.action !== 'user.create').map((r) => [r.actor, r.action, r.outcome]);
    expect(summary).toEqual([
      ['olga', 'alarm.acknowledge', 'done'],
      ['olga', 'alarm.acknowledge', 'failed'],
      ['olga', 'alarm.shelve', 'refused'],
      ['olga', 'alarm.shelve', 'done'],
      ['olga', 'reset', 'refused'],
      ['erin', 'reset', 'failed'],
      ['olga', 'bypass', 'refused'],
      ['erin', 'bypass', 'done'],
      ['erin', 'bypass', 'done'],
      ['erin', 'reset', 'done'],
      ['olga', 'model.promote', 'refused'],
      ['erin', 'model.promote', 'done'],
      ['erin', 'model.rollback', 'done'],
      ['erin', 'model.rollback', 'failed'],
      ['olga', 'alarm.feedback', 'done'],
      ['mallory', 'alarm.feedback', 'refused'],
      ['olga', 'trip', 'done'],
      ['mallory', 'trip', 'refused'],
    ]);
    expect(rows.find((r) => r.action === 'reset' && r.outcome === 'failed')?.refusal).toMatch(/danger condition still holds/);
    const reset = rows.find((r) => r.actor === 'erin' && r.action === 'reset' && r.outcome === 'done')!;
    expect(reset).toMatchObject({ role: 'engineer', target: 'press-7', reason: 'bearing replaced', before: { latched: true, level: 'danger' }, after: { latched: false } });
    expect(rows.find((r) => r.action === 'model.rollback' && r.outcome === 'done')).toMatchObject({ after: { modelVersion: first }, reason: 'new model alarms on start-up' });
    await engine.dispose();
    await store.close();
  }, 120_000);
});
