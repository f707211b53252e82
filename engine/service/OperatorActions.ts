import { authorizeAndAudit, type AuthorityContext, type Requester } from '../auth/authorizeAndAudit';
import type { AlarmFeedback, Engine } from '../engine';
import { modelSourceFromRecord } from '../monitor/commission';
import type { PromotionOutcome } from '../monitor/ModelLifecycle';
import type { Repository } from '../store/Repository';

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
  ) {}

  /** Release a latched trip (engineer). */
  resetLatch(who: Requester, assetId: string, reason: string): Promise<boolean> {
    const m = this.engine.monitor(assetId);
    return authorizeAndAudit(this.authority, who, { action: 'reset', target: assetId, reason, before: { latched: m?.latched ?? null, level: m?.level ?? null }, after: { latched: false } }, () =>
      this.engine.resetLatch(assetId),
    );
  }

  /** Promote every shadow of an asset now, validated as usual (engineer). */
  promote(who: Requester, assetId: string, reason: string): Promise<PromotionOutcome[]> {
    const before = { modelVersion: this.engine.monitor(assetId)?.modelVersion ?? null };
    return authorizeAndAudit(this.authority, who, { action: 'model.promote', target: assetId, reason, before, after: { modelVersion: 'validated shadow' } }, () =>
      this.engine.promote(assetId, who.userName, reason),
    );
  }

  /** Roll a channel back to a version from the registry (engineer). */
  rollback(who: Requester, assetId: string, channelId: string, versionId: string, reason: string): Promise<string> {
    const before = { modelVersion: this.engine.monitor(assetId)?.model(channelId)?.version ?? null };
    return authorizeAndAudit(this.authority, who, { action: 'model.rollback', target: `${assetId}/${channelId}`, reason, before, after: { modelVersion: versionId } }, () => {
      const rec = this.repo.models.modelVersion(versionId);
      if (!rec) throw new Error(`model version ${versionId} is not in the registry`);
      if (rec.assetId !== assetId) throw new Error(`model version ${versionId} belongs to ${rec.assetId}, not ${assetId}`);
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
