import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;

/** Element types the builder emits. Why few: Vigil's graphs are float32 compute plus int64 shape/axes inputs; int8 comes with quantization. */
export type OnnxElemType = 'float32' | 'int64' | 'int8' | 'uint8' | 'int32';

const ELEM: Record<OnnxElemType, number> = {
  float32: onnx.TensorProto.DataType.FLOAT,
  uint8: onnx.TensorProto.DataType.UINT8,
  int8: onnx.TensorProto.DataType.INT8,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
};

/** A dimension: a fixed size, or a symbolic name such as `batch` (dynamic at run time). */
export type OnnxDim = number | string;

/** A typed node attribute. Why tagged: JS numbers cannot tell an ONNX INT from a FLOAT. */
export type OnnxAttr =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'float'; readonly value: number }
  | { readonly kind: 'ints'; readonly value: readonly number[] }
  | { readonly kind: 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'string'; readonly value: string };

/** Shorthands for {@link OnnxAttr}, so node declarations read like the ONNX operator docs. */
export const attr = {
  int: (value: number): OnnxAttr => ({ kind: 'int', value }),
  float: (value: number): OnnxAttr => ({ kind: 'float', value }),
  ints: (value: readonly number[]): OnnxAttr => ({ kind: 'ints', value }),
  floats: (value: readonly number[]): OnnxAttr => ({ kind: 'floats', value }),
  string: (value: string): OnnxAttr => ({ kind: 'string', value }),
} as const;

/** Model-level settings. Defaults: opset 17 with IR version 8, the pair the ONNX checker accepts. */
export interface OnnxModelOptions {
  readonly opsetVersion?: number;
  readonly irVersion?: number;
  readonly producerName?: string;
  readonly producerVersion?: string;
  readonly docString?: string;
  /** Stored as metadata_props; part of the bytes, hence of the version id. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Default opset of Vigil's graphs. */
export const DEFAULT_OPSET = 17;
/** IR version consistent with {@link DEFAULT_OPSET}. */
export const DEFAULT_IR_VERSION = 8;

/**
 * Builds ONNX ModelProto bytes from named values, initializers and nodes. Why a builder rather
 * than a Python export step: models are fitted inside the engine (commissioning, online
 * learning) and must become runtime bytes there, deterministically, with no toolchain.
 * Encoding is deterministic: the same calls in the same order give the same bytes.
 */
export class OnnxGraphBuilder {
  private readonly inputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly outputs: onnxProto.onnx.IValueInfoProto[] = [];
  private readonly initializers: onnxProto.onnx.ITensorProto[] = [];
  private readonly nodes: onnxProto.onnx.INodeProto[] = [];
  private readonly names = new Set<string>();

  /** @param graphName the GraphProto name (shows up in runtime errors and profiles). */
  constructor(private readonly graphName: string) {}

  /** Declare a graph input. */
  input(name: string, elemType: OnnxElemType, dims: readonly OnnxDim[]): this {
    this.claim(name);
    this.inputs.push(valueInfo(name, elemType, dims));
    return this;
  }

  /** Declare a graph output (a value some node produces). */
  output(name: string, elemType: OnnxElemType, dims: readonly OnnxDim[]): this {
    this.outputs.push(valueInfo(name, elemType, dims));
    return this;
  }

  /** Add a float32 constant, stored as little-endian raw data (compact and bit-exact). Returns its name. */
  initializerFloat32(name: string, data: ArrayLike<number>, dims: readonly number[]): string {
    checkSize(name, data.length, dims);
    const bytes = new Uint8Array(data.length * 4);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
    return this.initializerRaw(name, 'float32', bytes, dims);
  }

  /** Add an int64 constant (axes, shapes). Returns its name. */
  initializerInt64(name: string, data: readonly number[], dims: readonly number[]): string {
    checkSize(name, data.length, dims);
    const bytes = new Uint8Array(data.length * 8);
    const view = new DataView(bytes.buffer);
    for (let i = 0; i < data.length; i++) view.setBigInt64(i * 8, BigInt(data[i]!), true);
    return this.initializerRaw(name, 'int64', bytes, dims);
  }

  /** Add a constant from already-encoded little-endian bytes (e.g. int8 weights). Returns its name. */
  initializerRaw(name: string, elemType: OnnxElemType, rawData: Uint8Array, dims: readonly number[]): string {
    this.claim(name);
    this.initializers.push({ name, dataType: ELEM[elemType], dims: [...dims], rawData });
    return name;
  }

  /** Append a node; nodes must be added in topological order, as ONNX requires. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    attrs: Readonly<Record<string, OnnxAttr>> = {},
    name = `${opType}_${this.nodes.length}`,
  ): this {
    for (const o of outputs) this.claim(o);
    const attribute = Object.entries(attrs).map(([key, a]) => toAttribute(key, a));
    this.nodes.push({ opType, input: [...inputs], output: [...outputs], name, attribute });
    return this;
  }

  /** The ModelProto object (for inspection or further editing). */
  toModelProto(opts: OnnxModelOptions = {}): onnxProto.onnx.ModelProto {
    return onnx.ModelProto.create({
      irVersion: opts.irVersion ?? DEFAULT_IR_VERSION,
      opsetImport: [{ domain: '', version: opts.opsetVersion ?? DEFAULT_OPSET }],
      producerName: opts.producerName ?? 'vigil',
      producerVersion: opts.producerVersion ?? '0.1.0',
      docString: opts.docString ?? '',
      metadataProps: Object.entries(opts.metadata ?? {})
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([key, value]) => ({ key, value })),
      graph: {
        name: this.graphName,
        input: this.inputs,
        output: this.outputs,
        initializer: this.initializers,
        node: this.nodes,
      },
    });
  }

  /** Serialised ModelProto, ready for `InferenceSession.create(bytes)`. */
  toBytes(opts: OnnxModelOptions = {}): Uint8Array {
    return onnx.ModelProto.encode(this.toModelProto(opts)).finish();
  }

  private claim(name: string): void {
    if (!name) throw new RangeError('ONNX value names must be non-empty');
    if (this.names.has(name)) throw new RangeError(`ONNX value '${name}' is defined twice`);
    this.names.add(name);
  }
}

function valueInfo(name: string, elemType: OnnxElemType, dims: readonly OnnxDim[]): onnxProto.onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: ELEM[elemType],
        shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) },
      },
    },
  };
}

function toAttribute(name: string, a: OnnxAttr): onnxProto.onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  switch (a.kind) {
    case 'int':
      return { name, type: T.INT, i: a.value };
    case 'float':
      return { name, type: T.FLOAT, f: a.value };
    case 'ints':
      return { name, type: T.INTS, ints: [...a.value] };
    case 'floats':
      return { name, type: T.FLOATS, floats: [...a.value] };
    case 'string':
      return { name, type: T.STRING, s: new TextEncoder().encode(a.value) };
  }
}

function checkSize(name: string, length: number, dims: readonly number[]): void {
  const expected = dims.reduce((p, d) => p * d, 1);
  if (length !== expected) throw new RangeError(`initializer '${name}' has ${length} values, dims [${dims.join(', ')}] need ${expected}`);
}
