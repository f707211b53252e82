import { z } from 'zod';
import { PlantAssetSchema, PlantBearingGeometrySchema } from './plantAssetSchema';
import { topicLevelId } from './plantFields';
import { EventsSchema, OutputsSchema, ScaleoutSchema, WatchdogSchema } from './plantOutputSchemas';
import { SourceSchema } from './plantSourceSchemas';

/**
 * The plant configuration file: which site this is, where measurements come from, which machines
 * are watched and where trip commands go. Every object is strict: an unknown key is an error,
 * because a misspelt optional key (`verfy: false`, `staleAfterMS`) would otherwise be ignored
 * silently and the plant would run on a default nobody chose.
 *
 * This schema checks each field. The rules between fields (unique ids, references that resolve,
 * every asset tripped somewhere) are in plantCrossChecks.ts; loadPlantConfig.ts runs both and
 * reports every problem at once with its line.
 */
export const PlantConfigSchema = z.strictObject({
  /** The site id: the `<site>` level of every MQTT topic (engine/connect/mqtt/topics.ts). */
  site: topicLevelId,
  /** Bearings by name, for assets that share a bearing type (`bearing: SKF 6309`). */
  bearings: z.record(z.string().min(1), PlantBearingGeometrySchema).optional(),
  sources: z.array(SourceSchema).min(1),
  assets: z.array(PlantAssetSchema).min(1),
  /** Trip outputs, or `none` for a plant Vigil only monitors. */
  outputs: OutputsSchema,
  /** A heartbeat to the controller, so it can act when Vigil stops. */
  watchdog: WatchdogSchema.optional(),
  /** Vigil's events (alarms, trips, quality, models) forwarded to the plant's broker, stored while it is away. */
  events: EventsSchema.optional(),
  /** Several engines sharing the assets (leases in NATS); absent: this engine runs every asset. */
  scaleout: ScaleoutSchema.optional(),
  /** How this engine runs its work. */
  engine: z
    .strictObject({
      /**
       * Threads computing the windows' features beside the engine's own (EngineOptions.featureThreads).
       * 0, the default, computes them on the engine's thread, which is faster while it keeps up. Measured
       * with `npm run bench` on 2 cores: 16 channels at 25.6 kHz trip fastest with 0; 64 need 2.
       */
      featureThreads: z.number().int().min(0).max(16).default(0),
    })
    .optional(),
});

/** A validated plant configuration, defaults filled. */
export type PlantConfig = z.output<typeof PlantConfigSchema>;
/** A plant configuration as written, before defaults. */
export type PlantConfigInput = z.input<typeof PlantConfigSchema>;

export { SourceSchema, type PlantSource, type MqttSource, type ModbusSource, type OpcuaSource, type SparkplugSource, type ModbusRegister } from './plantSourceSchemas';
export { OutputsSchema, TripOutputSchema, WatchdogSchema, type TripOutput, type Watchdog } from './plantOutputSchemas';
export { PlantAssetSchema, type PlantAsset, type PlantBearingGeometry } from './plantAssetSchema';
