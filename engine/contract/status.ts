import { z } from 'zod';
import { QUALITY_STATES, REJECT_REASONS } from './frame';
import { FAULT_KINDS } from './features';

/**
 * A snapshot of the plant as the console shows it. Front ends (Electron renderer through the
 * preload bridge, the headless `vigil serve` endpoint) receive these at a fixed rate, never per
 * sample, and parse them with the schema where they cross a process boundary.
 */
export const AssetStatusSchema = z.object({
  assetId: z.string(),
  name: z.string(),
  /**
   * Scale-out: the engine running this asset now (null: none, between leases); absent for a plant
   * one engine runs. An asset another engine runs has no data here: its live state is that engine's.
   */
  heldBy: z.string().nullable().optional(),
  phase: z.enum(['commissioning', 'monitoring']),
  commissioningProgress: z.number().min(0).max(1),
  quality: z.enum(QUALITY_STATES),
  level: z.enum(['normal', 'alert', 'danger']),
  latched: z.boolean(),
  /** The visible bypass indicator: trips of this asset are inhibited while it is set. */
  bypass: z.object({ by: z.string(), reason: z.string(), sinceMs: z.number() }).nullable(),
  /** The first setpoint group to reach danger, kept until reset; value and setpoint are null for an emergency stop (group 'operator') or a trip voted by faulted channels. */
  firstOut: z.object({ groupId: z.string(), atMs: z.number(), value: z.number().nullable(), setpoint: z.number().nullable() }).nullable(),
  operatingState: z.enum(['running', 'startup', 'stopped']),
  /** The protection configuration version in force ('built-in' before any stored change). */
  configVersion: z.string(),
  score: z.number().nullable(),
  velocityRmsMmS: z.number().nullable(),
  shaftHz: z.number().nullable(),
  modelVersion: z.string().nullable(),
  diagnosis: z.enum(FAULT_KINDS).nullable(),
  lastWindowMs: z.number().nullable(),
  trips: z.number().int().min(0),
  /** The model of normal's life: learning online, paused (suspected fault), off, or learning a new operating regime. */
  learning: z.object({
    state: z.enum(['learning', 'paused', 'off', 'regime_commissioning']),
    detail: z.string().nullable(),
    /** Production model changes since start (commissioning, promotions, rollbacks). */
    promotions: z.number().int().min(0),
    /** Normal windows handed to the shadow learner. */
    learnedWindows: z.number().int().min(0),
    /** Commissioned operating regimes (speed bands). */
    regimes: z.number().int().min(0),
  }),
});
export type AssetStatus = z.infer<typeof AssetStatusSchema>;

/**
 * One link between Vigil and the plant (a source, a trip output, the watchdog heartbeat, the event
 * forwarder) and whether it is up: the first thing to check when a machine's data goes stale or a
 * trip is reported as not sent.
 */
export const ConnectionStatusSchema = z.object({
  id: z.string(),
  role: z.enum(['source', 'trip output', 'watchdog', 'events', 'scale-out']),
  kind: z.string(),
  connected: z.boolean(),
  /** One line for a person: counts, the last error, how many wait to be forwarded. */
  detail: z.string(),
});
export type ConnectionStatus = z.infer<typeof ConnectionStatusSchema>;

export const PlantStatusSchema = z.object({
  atMs: z.number(),
  source: z.string(),
  assets: z.array(AssetStatusSchema),
  rejected: z.record(z.enum(REJECT_REASONS), z.number().int().min(0)),
  dropped: z.number().int().min(0),
  windowsScored: z.number().int().min(0),
  /** A configured plant's links (absent for the simulated demo plant, which has none). */
  connections: z.array(ConnectionStatusSchema).optional(),
});
export type PlantStatus = z.infer<typeof PlantStatusSchema>;
