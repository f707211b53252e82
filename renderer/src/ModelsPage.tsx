import type React from 'react';
import { useState } from 'react';
import { ModelsListSchema, PromoteReplySchema, type PromotionResult } from '../../engine/contract';
import type { AssetRef } from './consoleClient';
import { ModelChannelPanel, validationText } from './ModelChannelPanel';
import { parseValue } from './shapes';
import { atLeast, useSession } from './session';
import { messageOf, useRequest } from './useRequest';
import { HMI, errorStyle, panelStyle } from './theme';
import { MachinePicker } from './MachinePicker';

/** The models change rarely; the shadow's figures move with every learned window. */
const LIST_POLL_MS = 10_000;
const field: React.CSSProperties = { display: 'flex', flexDirection: 'column', gap: 2, fontSize: 13 };

/**
 * Models of one machine: per channel, production beside the shadow that keeps learning (the same
 * figures for both, and their scores on the same recent windows), the stored versions, Promote
 * (every channel's shadow, each validated first; the outcome is shown per channel) and Roll back
 * to a chosen version (with a confirm step). Engineers act; viewers and operators read, and the
 * disabled buttons say why. The host checks the role again on every request.
 */
export function ModelsPage({ assets }: { assets: AssetRef[] }): React.JSX.Element {
  const { client, info } = useSession();
  const [assetId, setAssetId] = useState('');
  const chosen = assetId || assets[0]?.assetId || '';
  const list = useRequest(async () => (chosen ? parseValue(ModelsListSchema, await client.request('models.list', { assetId: chosen }), 'model list') : null), chosen, LIST_POLL_MS);
  const mayAct = atLeast(info.role, 'engineer');
  const asset = list.value?.assets.find((a) => a.assetId === chosen) ?? null;
  const why = mayAct ? null : `needs the engineer role (you are ${info.role})`;

  return (
    <section style={{ padding: '0 16px' }} aria-labelledby="models-title">
      <h1 id="models-title" style={{ fontSize: 22 }}>
        Models
      </h1>
      <MachinePicker assets={assets} value={chosen} onChange={setAssetId} testId="models-asset" />
      {why ? (
        <p style={{ color: HMI.muted }} data-testid="models-readonly" id="models-readonly">
          Read only: promoting or rolling back a model {why}.
        </p>
      ) : null}
      {list.error ? (
        <p role="alert" style={errorStyle} data-testid="models-error">
          {list.error}
        </p>
      ) : null}
      {asset === null ? (
        <p style={{ color: HMI.muted }}>{list.loading ? 'Loading…' : 'No models for this machine.'}</p>
      ) : (
        <>
          {asset.commissioningProgress < 1 ? (
            <p style={{ color: HMI.muted }} data-testid="models-commissioning">
              Commissioning: {Math.round(asset.commissioningProgress * 100)} % of the windows needed to learn this machine’s normal.
            </p>
          ) : null}
          <PromotePanel key={chosen} assetId={chosen} disabledWhy={why} onDone={list.reload} />
          {asset.channels.map((ch) => (
            <ModelChannelPanel key={`${chosen}/${ch.channelId}`} assetId={chosen} channel={ch} disabledWhy={why} onChanged={list.reload} />
          ))}
        </>
      )}
    </section>
  );
}

/** Promote every channel's shadow of the machine: a reason, then each channel's validated outcome. */
function PromotePanel({ assetId, disabledWhy, onDone }: { assetId: string; disabledWhy: string | null; onDone: () => void }): React.JSX.Element {
  const { client } = useSession();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<PromotionResult[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const problem = disabledWhy ?? (reason.trim().length < 3 ? 'give a reason (3 characters or more)' : null);

  const promote = (e: React.FormEvent): void => {
    e.preventDefault();
    if (problem || busy) return;
    setBusy(true);
    setError(null);
    setOutcome(null);
    client.request('models.promote', { assetId, reason: reason.trim() }).then(
      (v) => {
        setBusy(false);
        try {
          setOutcome(parseValue(PromoteReplySchema, v, 'promotion outcome'));
          setReason('');
        } catch (err) {
          setError(messageOf(err));
        }
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        setError(messageOf(err));
      },
    );
  };

  return (
    <form onSubmit={promote} style={panelStyle} aria-label={`Promote the shadows of ${assetId}`} data-testid="models-promote">
      <h2 style={{ fontSize: 16, marginTop: 0 }}>Promote shadows</h2>
      <p style={{ margin: '0 0 8px', color: HMI.muted, fontSize: 13 }}>
        Each channel’s shadow is quantized, checked on the held-out normal windows and the confirmed faults, and swapped in between two windows only if it passes.
      </p>
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <label style={field}>
          Reason
          <input value={reason} onChange={(e) => setReason(e.target.value)} disabled={disabledWhy !== null} required minLength={3} size={40} data-testid="promote-reason" />
        </label>
        <button type="submit" disabled={busy || problem !== null} title={problem ?? undefined} aria-describedby="promote-why" data-testid="promote-submit">
          {busy ? 'Validating…' : 'Promote'}
        </button>
        <span id="promote-why" style={{ color: HMI.muted, fontSize: 13 }} data-testid="promote-why">
          {problem}
        </span>
      </div>
      {error ? (
        <p role="alert" style={{ ...errorStyle, margin: '6px 0 0' }} data-testid="promote-error">
          {error}
        </p>
      ) : null}
      {outcome ? (
        <ul role="status" style={{ margin: '6px 0 0', paddingLeft: 20 }} data-testid="promote-outcome">
          {outcome.map((o) => (
            <li key={o.channelId} data-channel={o.channelId} data-promoted={o.promoted} style={o.promoted ? undefined : { color: HMI.alert, fontWeight: 600 }}>
              {o.channelId}: {o.promoted ? `promoted ${o.version}` : `not promoted — ${o.reason}`}
              {o.validation ? ` (${validationText(o.validation)})` : ''}
            </li>
          ))}
        </ul>
      ) : null}
    </form>
  );
}
