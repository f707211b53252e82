import mqtt, { type MqttClient } from 'mqtt';
import sparkplugPayload from 'sparkplug-payload';
import sparkplugProto from 'sparkplug-payload/lib/sparkplugPayloadProto.js';
import type { UMetric, UPayload } from 'sparkplug-payload/lib/sparkplugbpayload';

/**
 * A Sparkplug B edge node for the tests: a real MQTT client publishing payloads encoded by
 * sparkplug-payload, with its NDEATH registered as the MQTT Last Will (as the spec requires), and
 * recording the node commands (NCMD) a host sends it. The sequence number is kept as a real edge
 * node keeps it (0 at NBIRTH, +1 per message, wrapping at 256) unless a test overrides it.
 */

const spB = sparkplugPayload.get('spBv1.0')!;
const RawPayload = sparkplugProto.org.eclipse.tahu.protobuf.Payload;

/** A metric of an alias-only data message: no name, no datatype (as a conforming DDATA sends it). */
export type AliasOnlyMetric = { alias: number; timestamp?: number } & ({ intValue: number } | { floatValue: number } | { doubleValue: number } | { bytesValue: Uint8Array });

/** The edge node; `commands` are the NCMD payloads it received, decoded by sparkplug-payload. */
export class TestEdgeNode {
  readonly commands: UPayload[] = [];
  seq = 0;
  private constructor(
    readonly client: MqttClient,
    readonly groupId: string,
    readonly edgeNode: string,
    readonly bdSeq: number,
  ) {}

  static async connect(port: number, groupId: string, edgeNode: string, bdSeq = 0): Promise<TestEdgeNode> {
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`, {
      protocolVersion: 5,
      clientId: `edge-${edgeNode}-${Math.random().toString(16).slice(2, 8)}`,
      reconnectPeriod: 0,
      will: { topic: `spBv1.0/${groupId}/NDEATH/${edgeNode}`, payload: Buffer.from(spB.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: bdSeq }] })), qos: 1, retain: false },
    });
    const node = new TestEdgeNode(client, groupId, edgeNode, bdSeq);
    client.on('message', (_topic, payload) => node.commands.push(spB.decodePayload(payload)));
    await client.subscribeAsync(`spBv1.0/${groupId}/NCMD/${edgeNode}`, { qos: 1 });
    return node;
  }

  #topic(type: string, device?: string): string {
    return `spBv1.0/${this.groupId}/${type}/${this.edgeNode}${device === undefined ? '' : `/${device}`}`;
  }

  #nextSeq(seq?: number): number {
    this.seq = seq ?? (this.seq + 1) % 256;
    return this.seq;
  }

  publishRaw(type: string, payload: Uint8Array, device?: string): Promise<unknown> {
    return this.client.publishAsync(this.#topic(type, device), Buffer.from(payload), { qos: 1 });
  }

  /** NBIRTH with seq 0 and the bdSeq of this connection's Last Will, then the given metrics. */
  nbirth(timestampMs: number, metrics: UMetric[]): Promise<unknown> {
    this.seq = 0;
    return this.publishRaw('NBIRTH', spB.encodePayload({ timestamp: timestampMs, seq: 0, metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }, ...metrics] }));
  }

  dbirth(device: string, timestampMs: number, metrics: UMetric[], seq?: number): Promise<unknown> {
    return this.publishRaw('DBIRTH', spB.encodePayload({ timestamp: timestampMs, seq: this.#nextSeq(seq), metrics }), device);
  }

  ndata(timestampMs: number, metrics: UMetric[], seq?: number): Promise<unknown> {
    return this.publishRaw('NDATA', spB.encodePayload({ timestamp: timestampMs, seq: this.#nextSeq(seq), metrics }));
  }

  /** DDATA as a conforming edge node sends it: aliases and values only (encoded with the same schema). */
  ddata(device: string, timestampMs: number, metrics: AliasOnlyMetric[], seq?: number): Promise<unknown> {
    const payload = RawPayload.encode(RawPayload.create({ timestamp: timestampMs, seq: this.#nextSeq(seq), metrics: metrics.map((m) => RawPayload.Metric.create(m)) })).finish();
    return this.publishRaw('DDATA', payload, device);
  }

  ndeath(): Promise<unknown> {
    return this.publishRaw('NDEATH', spB.encodePayload({ timestamp: Date.now(), metrics: [{ name: 'bdSeq', type: 'UInt64', value: this.bdSeq }] }));
  }

  /** Drops the TCP connection without DISCONNECT, as a crash or a pulled cable would: the broker sends the Last Will. */
  killSocket(): void {
    this.client.stream.destroy();
  }

  end(): Promise<void> {
    return this.client.endAsync(true);
  }
}

/** Float32 samples as the little-endian bytes of a Bytes waveform metric. */
export function floatBytes(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 4);
  const dv = new DataView(out.buffer);
  samples.forEach((v, i) => dv.setFloat32(i * 4, v, true));
  return out;
}
