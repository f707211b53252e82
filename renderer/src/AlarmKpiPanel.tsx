import type React from 'react';
import { AlarmKpisSchema, parseValue } from './shapes';
import { useSession } from './session';
import { useRequest } from './useRequest';
import { HMI, duration, errorStyle, panelStyle, tableStyle, tdStyle, thStyle } from './theme';

const DAY_MS = 24 * 3_600_000;
/** The KPIs change slowly: once a minute is plenty. */
const KPI_POLL_MS = 60_000;

/**
 * EEMUA 191 / ISA-18.2 figures of the last 24 h: the rate against its benchmark (about 1 per
 * 10 minutes is manageable, more than 10 is a flood), chattering, stale and the bad actors. A
 * figure is coloured only when it misses its benchmark.
 */
export function AlarmKpiPanel(): React.JSX.Element {
  const { client } = useSession();
  const kpis = useRequest(async () => {
    const toMs = Date.now();
    return parseValue(AlarmKpisSchema, await client.request('alarms.kpis', { fromMs: toMs - DAY_MS, toMs }), 'alarm KPIs');
  }, 'kpis', KPI_POLL_MS);
  const k = kpis.value;
  const flag = (bad: boolean): React.CSSProperties => (bad ? { color: HMI.alert, fontWeight: 700 } : {});
  return (
    <div style={panelStyle} data-testid="alarm-kpis" aria-labelledby="kpi-title">
      <h2 id="kpi-title" style={{ fontSize: 16, marginTop: 0 }}>
        Alarm system, last 24 h
      </h2>
      {kpis.error ? <p style={errorStyle}>{kpis.error}</p> : null}
      {!k ? (
        <p style={{ color: HMI.muted }}>Loading…</p>
      ) : (
        <>
          <dl style={{ display: 'grid', gridTemplateColumns: 'max-content auto', gap: '2px 16px', margin: 0 }}>
            <dt>Activations</dt>
            <dd style={{ margin: 0 }} data-testid="kpi-activations">
              {k.activations}
            </dd>
            <dt>Per 10 min (average / peak)</dt>
            <dd style={{ margin: 0, ...flag(k.per10MinAverage > 2 || k.per10MinPeak > 10) }}>
              {k.per10MinAverage.toFixed(2)} / {k.per10MinPeak} (benchmark ≈ 1, flood &gt; 10)
            </dd>
            <dt>Time in flood</dt>
            <dd style={{ margin: 0, ...flag(k.floodBucketShare > 0.01) }}>{(k.floodBucketShare * 100).toFixed(1)} % (target &lt; 1 %)</dd>
            <dt>Chattering</dt>
            <dd style={{ margin: 0, ...flag(k.chattering.length > 0) }}>{k.chattering.length === 0 ? 'none' : k.chattering.map((c) => `${c.assetId}/${c.alarmKey} (${c.maxPerMinute}/min)`).join(', ')}</dd>
            <dt>Stale (&gt; 24 h)</dt>
            <dd style={{ margin: 0, ...flag(k.stale.length > 0) }}>{k.stale.length === 0 ? 'none' : k.stale.map((s) => `${s.assetId}/${s.alarmKey} (${duration(s.activeMs)})`).join(', ')}</dd>
            <dt>Priority mix</dt>
            <dd style={{ margin: 0 }}>
              {Object.entries(k.priorityMix)
                .map(([p, m]) => `${p} ${m.activations} (${(m.share * 100).toFixed(0)} %)`)
                .join(' · ')}
            </dd>
          </dl>
          {k.badActors.length > 0 ? (
            <table style={{ ...tableStyle, marginTop: 8, maxWidth: 520 }}>
              <caption style={{ textAlign: 'left', color: HMI.muted }}>Most frequent alarms</caption>
              <thead>
                <tr>
                  <th style={thStyle}>Alarm</th>
                  <th style={thStyle}>Activations</th>
                  <th style={thStyle}>Share</th>
                </tr>
              </thead>
              <tbody>
                {k.badActors.slice(0, 5).map((b) => (
                  <tr key={`${b.assetId}/${b.alarmKey}`}>
                    <td style={tdStyle}>
                      {b.assetId}/{b.alarmKey}
                    </td>
                    <td style={tdStyle}>{b.activations}</td>
                    <td style={tdStyle}>{(b.share * 100).toFixed(0)} %</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      )}
    </div>
  );
}
