import type React from 'react';
import { useEffect, useReducer, useRef, useState } from 'react';
import type { AssetRef } from './consoleClient';
import { ARM_WINDOW_MS, CONFIRM_GUARD_MS, INITIAL_ESTOP, evolveEStop, type TripAck } from './estopState';
import { TripReceiptsSchema, parseValue } from './shapes';
import { atLeast, useSession } from './session';
import { messageOf } from './useRequest';
import { HMI, clockTime, errorStyle } from './theme';

const REASONS = ['danger to people', 'abnormal noise or smell', 'smoke or fire', 'leak', 'requested by the control room'];

/** What the last trip command did, shown until the next one. */
interface TripOutcome {
  target: string;
  reason: string;
  by: string;
  sentAtMs: number;
  acks: TripAck[] | null;
  error: string | null;
}

const bar: React.CSSProperties = { background: '#c8c8c8', borderBottom: `2px solid ${HMI.border}`, padding: '8px 16px', display: 'flex', flexWrap: 'wrap', gap: 16, alignItems: 'flex-start' };
const field: React.CSSProperties = { display: 'flex', flexDirection: 'column', fontSize: 13, gap: 2 };
const stopButton: React.CSSProperties = { background: '#fff', color: HMI.danger, border: `2px solid ${HMI.danger}`, fontWeight: 700, padding: '6px 12px' };
const confirmButton: React.CSSProperties = { background: HMI.danger, color: '#fff', border: `2px solid #600010`, fontWeight: 700, padding: '6px 16px', marginLeft: 24 };

/**
 * The emergency stop on every page: choose a machine or all, give a reason, arm, then confirm with
 * a second, distinct button within 10 s (Escape, Cancel or the timeout disarm; a double click on
 * the arm button lands on Cancel). Shows the command and every actuator's acknowledgement with
 * its latency from the host's reply. Beside it, the latch reset (engineers; an operator's attempt
 * shows the host's refusal). Viewers see both disabled and why.
 */
export function EStopBar({ assets }: { assets: AssetRef[] }): React.JSX.Element {
  const { client, info } = useSession();
  const [state, dispatch] = useReducer(evolveEStop, INITIAL_ESTOP);
  const [target, setTarget] = useState('');
  const [reason, setReason] = useState('');
  const [outcome, setOutcome] = useState<TripOutcome | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const cancelRef = useRef<HTMLButtonElement>(null);
  const mayTrip = atLeast(info.role, 'operator');
  const chosen = target || assets[0]?.assetId || '';
  const label = (id: string): string => (id === '*' ? 'ALL machines' : `${id}${assets.find((a) => a.assetId === id) ? ` (${assets.find((a) => a.assetId === id)!.name})` : ''}`);

  // While armed: a clock for the countdown and the guard, Escape disarms, the window closes by itself.
  useEffect(() => {
    if (state.phase !== 'armed') return;
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') dispatch({ type: 'Disarmed', why: 'escape' });
    };
    const tick = setInterval(() => setNow(Date.now()), 100);
    const timeout = setTimeout(() => dispatch({ type: 'Disarmed', why: 'timeout' }), ARM_WINDOW_MS);
    document.addEventListener('keydown', onKey);
    return () => {
      clearInterval(tick);
      clearTimeout(timeout);
      document.removeEventListener('keydown', onKey);
    };
  }, [state]);

  const arm = (): void => {
    setNow(Date.now());
    dispatch({ type: 'Armed', target: chosen, reason: reason.trim(), atMs: Date.now() });
  };
  const confirmTrip = (): void => {
    if (state.phase !== 'armed') return;
    const atMs = Date.now();
    if (atMs - state.armedAtMs < CONFIRM_GUARD_MS) return;
    dispatch({ type: 'Confirmed', atMs });
    const sent: TripOutcome = { target: state.target, reason: state.reason, by: info.userName, sentAtMs: atMs, acks: null, error: null };
    setOutcome(sent);
    client.request('trip', { target: state.target, reason: state.reason }).then(
      (v) => {
        setOutcome({ ...sent, acks: parseValue(TripReceiptsSchema, v, 'trip reply') });
        dispatch({ type: 'Settled' });
      },
      (err: unknown) => {
        setOutcome({ ...sent, error: messageOf(err) });
        dispatch({ type: 'Settled' });
      },
    );
  };

  const reasonOk = reason.trim().length >= 3;
  const why = !mayTrip ? 'Viewers cannot stop machines: the operator role or above is needed.' : !chosen ? 'No machines known yet.' : !reasonOk ? 'Give a reason (3 characters or more) to arm.' : null;
  const armedLeftS = state.phase === 'armed' ? Math.max(0, Math.ceil((ARM_WINDOW_MS - (now - state.armedAtMs)) / 1000)) : 0;
  const guardOver = state.phase === 'armed' && now - state.armedAtMs >= CONFIRM_GUARD_MS;

  return (
    <div style={bar} role="region" aria-label="Emergency stop" data-testid="estop-bar">
      <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', flexWrap: 'wrap' }}>
        <label style={field}>
          Emergency stop of
          <select value={chosen} onChange={(e) => { setTarget(e.target.value); dispatch({ type: 'Disarmed', why: 'changed' }); }} disabled={!mayTrip || state.phase === 'sending'} data-testid="estop-target">
            {assets.map((a) => (
              <option key={a.assetId} value={a.assetId}>
                {a.assetId} — {a.name}
              </option>
            ))}
            <option value="*">ALL machines</option>
          </select>
        </label>
        <label style={field}>
          Reason
          <input list="estop-reasons" value={reason} onChange={(e) => { setReason(e.target.value); dispatch({ type: 'Disarmed', why: 'changed' }); }} disabled={!mayTrip || state.phase === 'sending'} placeholder="why stop it" data-testid="estop-reason" />
          <datalist id="estop-reasons">
            {REASONS.map((r) => (
              <option key={r} value={r} />
            ))}
          </datalist>
        </label>
        {state.phase === 'armed' ? (
          <button type="button" ref={cancelRef} onClick={() => dispatch({ type: 'Disarmed', why: 'cancelled' })} data-testid="estop-cancel">
            Cancel (Esc)
          </button>
        ) : (
          <button type="button" style={stopButton} onClick={arm} disabled={why !== null || state.phase === 'sending'} aria-describedby="estop-why" data-testid="estop-arm">
            Emergency stop…
          </button>
        )}
        {state.phase === 'armed' ? (
          <div role="alert" data-testid="estop-armed" style={{ border: `2px solid ${HMI.danger}`, background: HMI.dangerFill, padding: '4px 8px', display: 'flex', alignItems: 'center' }}>
            <span>
              <b>ARMED</b>: confirming sends a trip to <b>{label(state.target)}</b> now. {state.target === '*' ? 'Every machine stops' : 'The machine stops'} and stays latched until an engineer resets it. Reason: “{state.reason}”. Disarms in {armedLeftS} s.
            </span>
            <button type="button" style={confirmButton} onClick={confirmTrip} disabled={!guardOver} data-testid="estop-confirm">
              Confirm trip of {state.target === '*' ? 'ALL' : state.target}
            </button>
          </div>
        ) : null}
        {state.phase === 'sending' ? <span data-testid="estop-sending">Sending the trip command…</span> : null}
        {state.phase === 'idle' && state.note ? <span data-testid="estop-note" style={{ color: HMI.muted }}>{state.note}</span> : null}
        <span id="estop-why" data-testid="estop-why" style={{ color: HMI.muted, fontSize: 13, alignSelf: 'center' }}>
          {state.phase === 'idle' ? why : null}
        </span>
      </div>
      {outcome ? <TripOutcomeView outcome={outcome} /> : null}
      <ResetControl assetId={chosen === '*' ? '' : chosen} />
    </div>
  );
}

function TripOutcomeView({ outcome }: { outcome: TripOutcome }): React.JSX.Element {
  return (
    <div data-testid="estop-outcome" style={{ fontSize: 13, minWidth: 280 }}>
      <div data-testid="estop-command">
        Command: trip {outcome.target === '*' ? 'ALL machines' : outcome.target} by {outcome.by} at {clockTime(outcome.sentAtMs)} — “{outcome.reason}”
      </div>
      {outcome.error ? (
        <div role="alert" style={errorStyle} data-testid="estop-error">
          Not confirmed by the host: {outcome.error}
        </div>
      ) : outcome.acks === null ? (
        <div>waiting for the actuators…</div>
      ) : (
        <ul style={{ margin: 0, paddingLeft: 18 }}>
          {outcome.acks.map((a) => (
            <li key={a.assetId} data-testid="estop-ack" data-asset={a.assetId}>
              {a.assetId}: acknowledged by {a.actuator} at {clockTime(a.commandedAtMs)}, latency <span data-testid="estop-latency">{(a.latencyUs / 1000).toFixed(2)} ms</span>
            </li>
          ))}
          {outcome.acks.length === 0 ? <li>no machine acknowledged (nothing to stop)</li> : null}
        </ul>
      )}
    </div>
  );
}

/** Releases a latched trip of one machine (engineer); the host's refusal is shown as it words it. */
function ResetControl({ assetId }: { assetId: string }): React.JSX.Element {
  const { client, info } = useSession();
  const [reason, setReason] = useState('');
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const mayTry = atLeast(info.role, 'operator');
  const why = !mayTry ? 'Viewers cannot reset a trip.' : !assetId ? 'Choose one machine to reset.' : reason.trim().length < 3 ? 'Give a reason to reset.' : null;
  const reset = (): void => {
    setBusy(true);
    setMessage(null);
    client.request('reset', { assetId, reason: reason.trim() }).then(
      () => {
        setBusy(false);
        setMessage({ ok: true, text: `${assetId}: latch reset by ${info.userName}` });
      },
      (err: unknown) => {
        setBusy(false);
        setMessage({ ok: false, text: messageOf(err) });
      },
    );
  };
  return (
    <div style={{ display: 'flex', gap: 8, alignItems: 'flex-end', marginLeft: 'auto', flexWrap: 'wrap' }} data-testid="reset-control">
      <label style={field}>
        Reset reason {info.role === 'operator' ? '(engineers reset)' : ''}
        <input value={reason} onChange={(e) => setReason(e.target.value)} disabled={!mayTry} data-testid="reset-reason" />
      </label>
      <button type="button" onClick={reset} disabled={why !== null || busy} title={why ?? undefined} data-testid="reset-button">
        Reset latch of {assetId || '…'}
      </button>
      {message ? (
        <span role="status" data-testid="reset-message" data-ok={message.ok} style={message.ok ? { color: HMI.text } : errorStyle}>
          {message.text}
        </span>
      ) : null}
    </div>
  );
}
