import type React from 'react';
import { useEffect, useRef, useState } from 'react';
import { Line, LineChart, ReferenceLine, ResponsiveContainer, YAxis } from 'recharts';
import type { AssetStatus, PlantStatus } from '../../engine/contract';

/** Score points kept per asset for the sparkline: charts get a fixed-rate frame, never per sample. */
const HISTORY = 120;

const LEVEL_COLOUR: Record<AssetStatus['level'], string> = { normal: '#2e7d32', alert: '#f9a825', danger: '#c62828' };

/**
 * The first page of the console: every machine of the plant with its phase, quality, level,
 * learned score (sparkline against the alert line), ISO velocity and diagnosis. Issue 5 builds the
 * full console around it.
 */
/** How the model's life reads on the fleet page; colour only when it needs attention. */
const LEARNING_LABEL: Record<AssetStatus['learning']['state'], string> = {
  learning: 'learning',
  paused: 'learning paused',
  off: 'learning off',
  regime_commissioning: 'new speed regime',
};

export function FleetPage(): React.JSX.Element {
  const [status, setStatus] = useState<PlantStatus | null>(null);
  const history = useRef(new Map<string, Array<{ t: number; score: number }>>());

  useEffect(() => {
    void window.vigil.getStatus().then((s) => s && setStatus(s));
    return window.vigil.onStatus((s) => {
      for (const a of s.assets) {
        if (a.score === null) continue;
        const h = history.current.get(a.assetId) ?? [];
        h.push({ t: s.atMs, score: a.score });
        if (h.length > HISTORY) h.splice(0, h.length - HISTORY);
        history.current.set(a.assetId, h);
      }
      setStatus(s);
    });
  }, []);

  if (!status) return <p>Waiting for the engine…</p>;
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', padding: 16 }}>
      <h1>Vigil — {status.source}</h1>
      <p>
        {status.windowsScored} windows scored · {Object.values(status.rejected).reduce((a, b) => a + b, 0)} frames rejected ·{' '}
        {status.dropped} dropped
      </p>
      <table style={{ borderCollapse: 'collapse', width: '100%' }}>
        <thead>
          <tr>
            {['Machine', 'Phase', 'Quality', 'Level', 'Score', 'Trend', 'Velocity mm/s', 'Shaft Hz', 'Diagnosis', 'Model', 'Trips'].map((h) => (
              <th key={h} style={{ textAlign: 'left', borderBottom: '1px solid #ccc', padding: 4 }}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {status.assets.map((a) => (
            <tr key={a.assetId} data-asset={a.assetId}>
              <td>{a.name}</td>
              <td>{a.phase === 'commissioning' ? `commissioning ${Math.round(a.commissioningProgress * 100)}%` : 'monitoring'}</td>
              <td>{a.quality}</td>
              <td style={{ color: LEVEL_COLOUR[a.level], fontWeight: 600 }}>
                {a.level}
                {a.latched ? ' (latched)' : ''}
              </td>
              <td>{a.score === null ? '—' : a.score.toFixed(2)}</td>
              <td style={{ width: 160, height: 40 }}>
                <ResponsiveContainer width="100%" height={40}>
                  <LineChart data={history.current.get(a.assetId) ?? []}>
                    <YAxis hide domain={[0, 'auto']} />
                    <ReferenceLine y={1} stroke="#f9a825" strokeDasharray="3 3" />
                    <Line type="monotone" dataKey="score" dot={false} isAnimationActive={false} stroke="#1565c0" />
                  </LineChart>
                </ResponsiveContainer>
              </td>
              <td>{a.velocityRmsMmS === null ? '—' : a.velocityRmsMmS.toFixed(2)}</td>
              <td>{a.shaftHz === null ? '—' : a.shaftHz.toFixed(1)}</td>
              <td>{a.diagnosis ?? '—'}</td>
              <td title={a.learning.detail ?? undefined}>
                {a.modelVersion ?? '—'}
                <div data-learning={a.learning.state} style={{ fontSize: 12, color: a.learning.state === 'paused' || a.learning.state === 'regime_commissioning' ? '#e65100' : '#666' }}>
                  {LEARNING_LABEL[a.learning.state]} · {a.learning.promotions} versions{a.learning.regimes > 1 ? ` · ${a.learning.regimes} regimes` : ''}
                </div>
              </td>
              <td>{a.trips}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </main>
  );
}
