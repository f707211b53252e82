import { randomUUID } from 'node:crypto';
import type { AlarmBoard } from '../alarm/AlarmBoard';
import type { AlarmCommand, AlarmEvent } from '../alarm/alarmDecider';
import { authorizeAndAudit, type AuthorityContext, type Requester } from '../auth/authorizeAndAudit';
import { actingSubject } from '../auth/remoteGrant';
import { authorize } from '../auth/roles';
import type { AlarmFeedback, Engine } from '../engine';
import { modelSourceFromRecord } from '../monitor/commission';
import type { PromotionOutcome } from '../monitor/ModelLifecycle';
import type { Repository } from '../store/Repository';

/** What an emergency stop answers: per asset, when the actuator accepted it and how long it took. */
export type TripReceipts = Array<{ assetId: string; commandedAtMs: number; latencyUs: number; actuator: string; commandId?: string }>;

/** An operator stop the host thread has already sent to the trip output thread (see EngineThread). */
export interface SentStop {
  commandId: string;
  /** Wall-clock ms when the host last had the session's role confirmed by this thread. */
  confirmedAtMs: number;
}

/** A promotion's outcome on one channel of the asset. */
export type ChannelPromotionOutcome = PromotionOutcome & { channelId: string };

/**
 * The only door from a front end (IPC, HTTP, CLI) to engine actions that change the plant or its
 * models: each is authorised by the requester's current role and written to the audit trail with
 * who, when, before, after and why — or refused, and the refusal written too. Why a facade rather
 * than checks inside the engine: the engine is also driven by evaluations and tests that have no
 * users; what needs a person's authority is decided at the boundary where a person acts.
 */
export class OperatorActions {
  constructor(
    private readonly engine: Engine,
    private readonly repo: Repository,
    private readonly authority: AuthorityContext,
    private readonly board: AlarmBoard | null = null,
    private readonly clock: () => number = () => Date.now(),
  ) {}

  #runsElsewhere: (assetId: string) => string | null = () => null;

  /**
   * Scale-out: the engine that runs an asset when it is not this one (null: this one). Resets,
   * bypasses and model changes of such an asset are refused here, audited as failed with the
   * reason: this engine's protection of it is idle, so the change would do nothing where it matters.
   * Emergency stops are not refused: they go to the controller from any console.
   */
  setRunsElsewhere(fn: (assetId: string) => string | null): void {
    this.#runsElsewhere = fn;
  }

  #mustRunHere(assetId: string): void {
    const elsewhere = this.#runsElsewhere(assetId);
    if (elsewhere !== null) throw new Error(`${assetId} is run by engine ${elsewhere} now: do this from a console of that engine`);
  }

  /** Acknowledge an alarm, with an optional note (operator). A refusal by the alarm state machine is audited as failed. */
  acknowledge(who: Requester, assetId: string, alarmKey: string, note?: string): Promise<AlarmEvent[]> {
    return authorizeAndAudit(this.authority, who, { action: 'alarm.acknowledge', target: `${assetId}/${alarmKey}`, reason: note ?? null, before: this.alarmRow(assetId, alarmKey), after: { acknowledged: true } }, () =>
      this.alarmCommand(assetId, alarmKey, { type: 'Acknowledge', atMs: this.clock(), by: who.userName, ...(note ? { note } : {}) }),
    );
  }

  /** Shelve an alarm for a bounded time with a reason (operator: up to 8 h; engineer: up to 72 h). */
  shelve(who: Requester, assetId: string, alarmKey: string, durationMs: number, reason: string): Promise<AlarmEvent[]> {
    return authorizeAndAudit(
      this.authority,
      who,
      { action: 'alarm.shelve', target: `${assetId}/${alarmKey}`, reason, shelveDurationMs: durationMs, before: this.alarmRow(assetId, alarmKey), after: { shelvedForMs: durationMs } },
      () => this.alarmCommand(assetId, alarmKey, { type: 'Shelve', atMs: this.clock(), by: who.userName, reason, durationMs }),
    );
  }

  private alarmRow(assetId: string, alarmKey: string): unknown {
    return this.board?.rows().find((r) => r.assetId === assetId && r.alarmKey === alarmKey) ?? null;
  }

  /** Runs an alarm command; the state machine's refusal becomes an error (audited as failed, with its reason). */
  private alarmCommand(assetId: string, alarmKey: string, cmd: AlarmCommand): AlarmEvent[] {
    if (!this.board) throw new Error('no alarm board in this console');
    if (!this.engine.monitor(assetId)) throw new Error(`unknown asset ${assetId}`);
    const events = this.board.command(assetId, alarmKey, cmd);
    const refused = events.find((e) => e.type === 'CommandRefused');
    if (refused?.type === 'CommandRefused') throw new Error(refused.reason);
    return events;
  }

  /**
   * Emergency stop of one asset or of all (`'*'`), operator and above, with a reason. The trip
   * commands go out first; the audit row follows them (a stop is never held up by the disk). Each
   * stop has a command id (`sent`'s, or a new one), so an output stage sends it once.
   *
   * `sent`: the host thread already sent this stop, on the role it confirmed at most a couple of
   * seconds before (EngineThread). It has gone out, so it is latched and audited as done even if
   * the role no longer allows it; the row says so, with the role now and why it would be refused.
   */
  trip(who: Requester, target: string, reason: string, sent?: SentStop): Promise<TripReceipts> {
    if (target !== '*' && !this.engine.monitor(target)) return Promise.reject(new Error(`unknown asset ${target}`));
    const commandId = sent?.commandId ?? `estop-${randomUUID()}`;
    const stop = (): TripReceipts => this.engine.emergencyStop(target, who.userName, reason, commandId);
    const request = { action: 'trip' as const, target, reason, after: { tripped: target } };
    if (sent) {
      const account = this.authority.subject(who.userName);
      const acting = account && actingSubject(account, who.remote === true);
      const now = authorize(acting, 'trip', request);
      if (!now.ok) {
        const receipts = stop();
        const after = { tripped: target, commandId, sentOnRoleConfirmedAtMs: sent.confirmedAtMs, roleNow: acting?.role ?? null, refusedNow: now.reason };
        this.authority.audit.record({ actor: who.userName, role: acting?.role ?? null, action: 'trip', target, reason, after, outcome: 'done' });
        return Promise.resolve(receipts);
      }
    }
    return authorizeAndAudit(this.authority, who, request, stop);
  }

  /**
   * Release a latched trip (engineer). Refused by protection while the danger condition still
   * holds: the refusal is thrown with protection's reason and audited as failed.
   */
  resetLatch(who: Requester, assetId: string, reason: string): Promise<boolean> {
    const m = this.engine.monitor(assetId);
    return authorizeAndAudit(this.authority, who, { action: 'reset', target: assetId, reason, before: { latched: m?.latched ?? null, level: m?.level ?? null }, after: { latched: false } }, () => {
      this.#mustRunHere(assetId);
      const r = this.engine.resetLatch(assetId, who.userName);
      if (!r.ok) throw new Error(`reset refused: ${r.reason}`);
      return true;
    });
  }

  /** Bypass the asset's trips (engineer, reason required): levels and alarms go on, trips are withheld and shown as such. */
  bypass(who: Requester, assetId: string, reason: string): Promise<boolean> {
    const before = this.engine.monitor(assetId)?.protectionView().bypass ?? null;
    return authorizeAndAudit(this.authority, who, { action: 'bypass', target: assetId, reason, before: { bypass: before }, after: { bypass: { by: who.userName, reason } } }, () => {
      this.#mustRunHere(assetId);
      return this.engine.setBypass(assetId, true, who.userName, reason);
    });
  }

  /** End a bypass (engineer); a danger held meanwhile trips at once. */
  removeBypass(who: Requester, assetId: string, reason: string): Promise<boolean> {
    const before = this.engine.monitor(assetId)?.protectionView().bypass ?? null;
    return authorizeAndAudit(this.authority, who, { action: 'bypass', target: assetId, reason, before: { bypass: before }, after: { bypass: null } }, () => {
      this.#mustRunHere(assetId);
      return this.engine.setBypass(assetId, false, who.userName, reason);
    });
  }

  /**
   * Promote every shadow of an asset now, validated as usual (engineer). Resolves with each
   * channel's outcome, promoted or refused by validation; the audit row's `after` says which.
   */
  promote(who: Requester, assetId: string, reason: string): Promise<ChannelPromotionOutcome[]> {
    const m = this.engine.monitor(assetId);
    const channelIds = m?.channelIds ?? [];
    const before = Object.fromEntries(channelIds.map((c) => [c, m?.model(c)?.version ?? null]));
    return authorizeAndAudit(
      this.authority,
      who,
      { action: 'model.promote', target: assetId, reason, before: { modelVersions: before }, after: { modelVersions: "each channel's validated shadow" } },
      async () => {
        this.#mustRunHere(assetId);
        return (await this.engine.promote(assetId, who.userName, reason)).map((o, i) => ({ channelId: channelIds[i]!, ...o }));
      },
      (outcomes) => promotionAfter(before, outcomes),
    );
  }

  /** Roll a channel back to a version of that channel from the registry (engineer). */
  rollback(who: Requester, assetId: string, channelId: string, versionId: string, reason: string): Promise<string> {
    const before = { modelVersion: this.engine.monitor(assetId)?.model(channelId)?.version ?? null };
    return authorizeAndAudit(this.authority, who, { action: 'model.rollback', target: `${assetId}/${channelId}`, reason, before, after: { modelVersion: versionId } }, () => {
      this.#mustRunHere(assetId);
      const rec = this.repo.models.modelVersion(versionId);
      if (!rec) throw new Error(`model version ${versionId} is not in the registry`);
      if (rec.assetId !== assetId) throw new Error(`model version ${versionId} belongs to ${rec.assetId}, not ${assetId}`);
      if (rec.channelId !== null && rec.channelId !== channelId) throw new Error(`model version ${versionId} belongs to channel ${rec.channelId}, not ${channelId}`);
      return this.engine.rollback(assetId, channelId, modelSourceFromRecord(rec), who.userName, reason);
    });
  }

  /** Operator verdict on an incident: false alarm (learned as normal) or confirmed fault (operator). */
  feedback(who: Requester, f: Omit<AlarmFeedback, 'by'>): Promise<{ windows: number; promotion: PromotionOutcome | null }> {
    return authorizeAndAudit(this.authority, who, { action: 'alarm.feedback', target: f.incidentId, reason: f.note ?? null, after: { verdict: f.verdict } }, () =>
      this.engine.feedback({ ...f, by: who.userName }),
    );
  }
}

/** The audit row's `after` of a promotion: each channel's version now, and why validation refused the ones it did. */
function promotionAfter(before: Record<string, string | null>, outcomes: ChannelPromotionOutcome[]): unknown {
  const modelVersions: Record<string, string | null> = {};
  const refused: Record<string, string> = {};
  for (const o of outcomes) {
    modelVersions[o.channelId] = o.promoted ? o.version : (before[o.channelId] ?? null);
    if (!o.promoted) refused[o.channelId] = o.reason;
  }
  return { modelVersions, refused };
}
