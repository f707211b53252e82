import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RecordingActuator } from '../../../engine/actuate/actuator';
import { AlarmBoard } from '../../../engine/alarm/AlarmBoard';
import { Accounts } from '../../../engine/auth/Accounts';
import { ConfigService } from '../../../engine/config/ConfigService';
import { ModelsListSchema, PromoteReplySchema, RollbackReplySchema, type ConsoleReply, type ModelsList } from '../../../engine/contract';
import { Engine } from '../../../engine/engine';
import { SeededUniform } from '../../../engine/learn/SeededUniform';
import { ConsoleHost } from '../../../engine/service/ConsoleHost';
import { OperatorActions } from '../../../engine/service/OperatorActions';
import { openStore } from '../../../engine/store/openStore';
import { vectorAsset } from '../../support/vectorAsset';

/**
 * The Models page's protocol (`models.list`, `models.promote`, `models.rollback`) over a real
 * console: one feature-vector machine with two channels, the learner thread, SQLite on disk, real
 * accounts and audit trail. Production is commissioned by the engine itself, the shadow learns
 * online, promotion is validated, rollback comes from the registry.
 */

const dir = mkdtempSync(join(tmpdir(), 'vigil-console-models-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ASSET = 'press-7';
const FEATURES = ['rms', 'kurtosis', 'temp'] as const;
const FAST_SCRYPT = { n: 2 ** 10, r: 8, p: 1, keylenBytes: 32 };

/** A console like `startDemoConsole` wires it, with an injected clock, a viewer, an operator and an engineer. */
async function modelsConsole() {
  const t = { ms: 1_800_000_000_000 };
  const clock = () => t.ms;
  const store = openStore(join(dir, 'models.sqlite'));
  const asset = vectorAsset({ assetId: ASSET, channels: { f: FEATURES, g: FEATURES }, commissioningWindows: 40, learning: { promoteEveryWindows: 1_000_000 } });
  const engine = await Engine.create({ assets: [asset], clock, actuator: new RecordingActuator(clock), store: (op) => store.writer.enqueue(op) });
  const board = new AlarmBoard(() => {});
  engine.on((e) => board.onEngineEvent(e));
  /** Every score production gave on channel f, with the version that gave it. */
  const scoresF: Array<{ endMs: number; score: number; version: string }> = [];
  engine.on((e) => {
    if (e.type === 'ScoreComputed' && e.channelId === 'f' && Number.isFinite(e.score)) scoresF.push({ endMs: e.endMs, score: e.score, version: e.modelVersion });
  });
  await store.writer.flush();
  const accounts = new Accounts(store.db, { scryptParams: FAST_SCRYPT, nowMs: clock });
  const actions = new OperatorActions(engine, store.repo, accounts, board, clock);
  const configs = new ConfigService({ repo: store.repo, authority: accounts, target: engine, clock, backtest: async () => { throw new Error('no backtest in this test'); } });
  configs.start();
  await accounts.createFirstAdmin('ada', 'correct horse battery');
  await accounts.createUser({ userName: 'ada' }, { userName: 'vic', role: 'viewer', secretKind: 'password', secret: 'just-looking-1234' });
  await accounts.createUser({ userName: 'ada' }, { userName: 'olga', role: 'operator', secretKind: 'pin', secret: '582914' });
  await accounts.createUser({ userName: 'ada' }, { userName: 'erin', role: 'engineer', secretKind: 'password', secret: 'bearing-grease-42' });
  const host = new ConsoleHost({ engine, board, accounts, actions, configs, store }, { clock, sessionTtlMs: 3_600_000 });
  const signIn = async (userName: string, secret: string): Promise<string> => {
    const r = await host.signIn({ userName, secret }, { remote: false });
    if (!r.ok) throw new Error(r.reason);
    return r.reply.token;
  };
  const u = new SeededUniform(7);
  /** `k` normal windows on both channels, one a second; settled and stored. */
  const feed = async (k: number): Promise<void> => {
    for (let i = 0; i < k; i++) {
      t.ms += 1000;
      for (const channelId of ['f', 'g']) {
        const load = u.next();
        engine.acceptVector({ assetId: ASSET, channelId, atMs: t.ms, values: Float32Array.from([1 + 0.05 * load, 3 + 0.2 * u.next(), 40 + load]) });
      }
      if (i % 5 === 0) await engine.settle();
    }
    await engine.settle();
    await store.writer.flush();
  };
  let n = 0;
  const ask = (token: string, method: string, params: Record<string, unknown> = {}): Promise<ConsoleReply> => host.handle(token, { id: `r${++n}`, method, ...params });
  const list = async (token: string): Promise<ModelsList> => {
    const r = await ask(token, 'models.list', { assetId: ASSET });
    if (!r.ok) throw new Error(`${r.error.code}: ${r.error.message}`);
    return ModelsListSchema.parse(r.value);
  };
  return { t, engine, store, accounts, host, signIn, feed, ask, list, scoresF, dispose: async () => { await engine.dispose(); await store.close(); } };
}

const errorOf = (r: ConsoleReply) => (r.ok ? null : r.error);

describe('ConsoleHost: the Models page', () => {
  it('lists production and shadow per channel with their figures, refuses an operator’s promotion (audited), promotes and rolls back for an engineer (audited with before, after, reason), and answers unknown versions not_found', async () => {
    const c = await modelsConsole();
    try {
      await c.feed(40);
      await c.feed(60);
      const [vic, olga, erin] = [await c.signIn('vic', 'just-looking-1234'), await c.signIn('olga', '582914'), await c.signIn('erin', 'bearing-grease-42')];

      // Given a commissioned machine whose shadows learned 60 more windows per channel.
      const before = await c.list(vic);
      expect(before.assets.map((a) => [a.assetId, a.commissioningProgress, a.channels.map((ch) => ch.channelId)])).toEqual([[ASSET, 1, ['f', 'g']]]);
      const f = before.assets[0]!.channels[0]!;
      const first = f.production!.version;
      expect(first).toBe(c.engine.monitor(ASSET)!.model('f')!.version);
      expect(f.production).toEqual({
        version: first,
        kind: 'autoencoder',
        layers: [3, 96, 48, 2, 48, 96, 3],
        featureNames: [...FEATURES],
        precision: 'int8',
        onnxBytes: expect.any(Number),
        threshold: expect.any(Number),
        samplesSeen: expect.any(Number),
        commissioningWindows: 40,
        parentVersion: null,
        regime: null,
        createdMs: expect.any(Number),
        promotedMs: expect.any(Number),
        promotedBy: 'commissioning',
        promotionKind: 'commissioning',
        promotionReason: 'learned from 40 windows at steady operating speed',
        validation: null,
      });
      expect(f.production!.onnxBytes).toBeGreaterThan(500);
      // The shadow: the same figures, learned beyond production, compared on the windows production scored.
      const shadow = f.shadow!;
      expect(shadow).toMatchObject({ kind: 'autoencoder', layers: f.production!.layers, precision: 'int8', parentVersion: first, differsFromProduction: true, learning: { enabled: true, paused: null, promoteEveryWindows: 1_000_000 } });
      expect(shadow.version).not.toBe(first);
      expect(shadow.samplesSeen).toBeGreaterThan(f.production!.samplesSeen);
      expect(shadow.learning.learnedSincePromotion).toBeGreaterThanOrEqual(40);
      // Every 5th normal window is held out: 60 windows, less any production scored at or above alert.
      expect(shadow.heldOut!.windows).toBeGreaterThanOrEqual(10);
      expect(shadow.heldOut!.windows).toBeLessThanOrEqual(12);
      expect(shadow.heldOut!.shadowMaxScore).toBeLessThan(f.alertScore);
      // Production's side of the comparison is exactly what the engine scored on those 60 windows.
      const scored = c.scoresF.filter((w) => w.version === first);
      expect(scored).toHaveLength(60);
      const cmp = shadow.comparison!;
      expect([cmp.windows, cmp.fromMs, cmp.toMs]).toEqual([60, scored[0]!.endMs, scored[59]!.endMs]);
      expect(cmp.production.maxScore).toBeCloseTo(Math.max(...scored.map((w) => w.score)), 6);
      expect(cmp.production.meanScore).toBeCloseTo(scored.reduce((a, w) => a + w.score, 0) / 60, 6);
      expect(cmp.production.aboveAlert).toBe(scored.filter((w) => w.score >= f.alertScore).length);
      expect(cmp.shadow.meanScore).toBeGreaterThan(0);
      expect(cmp.shadow.maxScore).toBeGreaterThanOrEqual(cmp.shadow.meanScore);
      expect(cmp.meanAbsDifference).toBeGreaterThan(0);
      expect(cmp.maxAbsDifference).toBeGreaterThanOrEqual(cmp.meanAbsDifference);
      expect(f.versions).toEqual([
        { versionId: first, createdMs: f.production!.createdMs, precision: 'int8', onnxBytes: f.production!.onnxBytes, commissioningWindows: 40, parentVersion: null, promotedBy: 'commissioning', validation: null, regime: null, inProduction: true, lastInProductionMs: f.production!.promotedMs },
      ]);
      expect([f.versionsStored, f.shadowUnavailable, f.alertScore]).toEqual([1, null, 1]);

      // When an operator promotes: forbidden, saying the role needed, audited as refused, nothing changes.
      const refused = await c.ask(olga, 'models.promote', { assetId: ASSET, reason: 'looks better' });
      expect(errorOf(refused)).toEqual({ code: 'forbidden', message: 'olga may not model.promote on press-7: role operator may not model.promote; it needs engineer or above' });
      expect(c.engine.monitor(ASSET)!.model('f')!.version).toBe(first);
      expect(c.accounts.audit.list({ limit: 10, action: 'model.promote' }).map((r) => [r.actor, r.role, r.outcome, r.target, r.reason])).toEqual([['olga', 'operator', 'refused', ASSET, 'looks better']]);

      // When the engineer promotes: each channel's validated outcome comes back, and production changes.
      const promoted = await c.ask(erin, 'models.promote', { assetId: ASSET, reason: 'a week of the new product learned' });
      const outcomes = PromoteReplySchema.parse(promoted.ok ? promoted.value : promoted.error);
      expect(outcomes.map((o) => [o.channelId, o.promoted])).toEqual([['f', true], ['g', true]]);
      const second = outcomes[0]!.promoted ? outcomes[0]!.version : '';
      expect(second).toBe(shadow.version);
      // Validation scored the very held-out windows the page previewed (int8 candidate there, fp32 shadow here).
      expect(outcomes[0]!.validation).toEqual({ heldOutWindows: shadow.heldOut!.windows, heldOutMaxScore: expect.any(Number), confirmedFaults: 0, confirmedFaultsAlarmed: 0, passed: true, reason: null });
      expect(outcomes[0]!.validation!.heldOutMaxScore).toBeCloseTo(shadow.heldOut!.shadowMaxScore, 1);
      // No flush here: the host answers a model change once the registry holds it.
      const after = (await c.list(vic)).assets[0]!.channels[0]!;
      expect(after.production).toMatchObject({ version: second, parentVersion: first, promotedBy: 'erin', promotionKind: 'promotion', promotionReason: 'a week of the new product learned', validation: outcomes[0]!.validation });
      expect(after.shadow).toMatchObject({ version: second, differsFromProduction: false, learning: { learnedSincePromotion: 0 } });
      expect(after.versions.map((v) => [v.versionId, v.inProduction, v.promotedBy, v.validation?.passed ?? null])).toEqual([
        [second, true, 'erin', true],
        [first, false, 'commissioning', null],
      ]);
      const promoteRow = c.accounts.audit.list({ limit: 1, action: 'model.promote' })[0]!;
      expect(promoteRow).toMatchObject({ actor: 'erin', role: 'engineer', outcome: 'done', reason: 'a week of the new product learned', before: { modelVersions: { f: first, g: before.assets[0]!.channels[1]!.production!.version } }, after: { modelVersions: { f: second, g: outcomes[1]!.promoted ? outcomes[1]!.version : null }, refused: {} } });

      // A second promotion with nothing new learned is refused by the lifecycle, and the audit row says so.
      const again = await c.ask(erin, 'models.promote', { assetId: ASSET, reason: 'once more' });
      expect(PromoteReplySchema.parse(again.ok ? again.value : null)[0]).toEqual({ channelId: 'f', promoted: false, reason: 'the shadow has not changed since the last promotion', validation: null });
      expect(c.accounts.audit.list({ limit: 1, action: 'model.promote' })[0]).toMatchObject({ outcome: 'done', after: { modelVersions: { f: second }, refused: { f: 'the shadow has not changed since the last promotion' } } });

      // When the engineer rolls channel f back to the commissioned version: it scores again, audited with before, after and why.
      const rolled = await c.ask(erin, 'models.rollback', { assetId: ASSET, channelId: 'f', versionId: first, reason: 'new model alarms on start-up' });
      expect(RollbackReplySchema.parse(rolled.ok ? rolled.value : rolled.error)).toEqual({ assetId: ASSET, channelId: 'f', fromVersion: second, toVersion: first });
      expect(c.engine.monitor(ASSET)!.model('f')!.version).toBe(first);
      expect(c.accounts.audit.list({ limit: 1, action: 'model.rollback' })[0]).toMatchObject({
        actor: 'erin',
        role: 'engineer',
        outcome: 'done',
        target: `${ASSET}/f`,
        before: { modelVersion: second },
        after: { modelVersion: first },
        reason: 'new model alarms on start-up',
      });
      const back = (await c.list(vic)).assets[0]!.channels[0]!;
      expect(back.production).toMatchObject({ version: first, promotedBy: 'erin', promotionKind: 'rollback', promotionReason: 'new model alarms on start-up', validation: null });
      expect(back.versions.map((v) => [v.versionId, v.inProduction])).toEqual([
        [second, false],
        [first, true],
      ]);
      expect(back.versions[1]!.lastInProductionMs).toBe(back.production!.promotedMs);

      // Unknown version, another channel's version, unknown channel and asset: not_found, nothing attempted or audited.
      const rollbacks = c.accounts.audit.list({ limit: 100, action: 'model.rollback' }).length;
      const gSecond = outcomes[1]!.promoted ? outcomes[1]!.version : '';
      const missing = [
        await c.ask(erin, 'models.rollback', { assetId: ASSET, channelId: 'f', versionId: 'm-000000000000', reason: 'typo' }),
        await c.ask(erin, 'models.rollback', { assetId: ASSET, channelId: 'f', versionId: gSecond, reason: 'wrong channel' }),
        await c.ask(erin, 'models.rollback', { assetId: ASSET, channelId: 'h', versionId: first, reason: 'no such channel' }),
        await c.ask(erin, 'models.rollback', { assetId: 'press-9', channelId: 'f', versionId: first, reason: 'no such machine' }),
        await c.ask(vic, 'models.list', { assetId: 'press-9' }),
      ].map(errorOf);
      expect(missing).toEqual([
        { code: 'not_found', message: `model version m-000000000000 is not a stored version of ${ASSET}/f` },
        { code: 'not_found', message: `model version ${gSecond} is not a stored version of ${ASSET}/f` },
        { code: 'not_found', message: `asset ${ASSET} has no channel h (channels: f, g)` },
        { code: 'not_found', message: 'unknown asset press-9' },
        { code: 'not_found', message: 'unknown asset press-9' },
      ]);
      expect(c.engine.monitor(ASSET)!.model('f')!.version).toBe(first);
      expect(c.accounts.audit.list({ limit: 100, action: 'model.rollback' })).toHaveLength(rollbacks);
      // A rollback without a reason is malformed: the protocol refuses it before anyone is asked.
      expect(errorOf(await c.ask(erin, 'models.rollback', { assetId: ASSET, channelId: 'f', versionId: second, reason: '' }))).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/give a reason/) });
    } finally {
      await c.dispose();
    }
  }, 120_000);
});
