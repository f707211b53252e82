import type React from 'react';

/**
 * High-performance HMI palette (ISA-101 style): greys for everything normal, so that colour means
 * one thing — something abnormal that needs a person. Colours are reserved by meaning and never
 * used for decoration.
 */
export const HMI = {
  background: '#dcdcdc',
  panel: '#ececec',
  border: '#b4b4b4',
  text: '#1e1e1e',
  muted: '#5c5c5c',
  normal: '#5c5c5c',
  /** Alert level, high / medium priority. */
  alert: '#b36b00',
  alertFill: '#ffe2a8',
  /** Danger level, critical priority, trip. */
  danger: '#b00020',
  dangerFill: '#ffd2d6',
  /** Low priority and things an engineer set on purpose (bypass, shelve): attention without alarm. */
  notice: '#1d4f91',
  noticeFill: '#d6e4f7',
} as const;

/** Colour of an alarm priority (ISA-18.2: priority, not state, sets the colour). */
export const PRIORITY_COLOUR: Readonly<Record<string, string>> = { critical: HMI.danger, high: HMI.alert, medium: HMI.alert, low: HMI.notice };

export const panelStyle: React.CSSProperties = { background: HMI.panel, border: `1px solid ${HMI.border}`, borderRadius: 4, padding: 12, marginBottom: 12 };
export const tableStyle: React.CSSProperties = { borderCollapse: 'collapse', width: '100%', fontSize: 14 };
export const thStyle: React.CSSProperties = { textAlign: 'left', borderBottom: `1px solid ${HMI.border}`, padding: 4, fontWeight: 600, color: HMI.muted };
export const tdStyle: React.CSSProperties = { borderBottom: `1px solid ${HMI.border}`, padding: 4, verticalAlign: 'top' };
export const errorStyle: React.CSSProperties = { color: HMI.danger, fontWeight: 600 };

/** Local time with seconds, as operators read it off the wall clock. */
export function clockTime(ms: number): string {
  return new Date(ms).toLocaleTimeString(undefined, { hour12: false });
}

/** Date and time for lists that span days. */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString(undefined, { hour12: false })}`;
}

/** A duration as a person says it: 120 ms, 45 s, 12 min, 3.5 h. */
export function duration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${Number((ms / 1000).toFixed(1))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}
