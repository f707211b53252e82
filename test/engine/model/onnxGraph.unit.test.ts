import onnxProto from 'onnx-proto';
import { describe, expect, it } from 'vitest';
import { attr, OnnxGraphBuilder } from '../../../engine/model/onnxGraph';

const { onnx } = onnxProto;

describe('OnnxGraphBuilder', () => {
  it('encodes inputs, initializers, nodes and metadata that decode back', () => {
    const g = new OnnxGraphBuilder('g');
    g.input('x', 'float32', ['batch', 3]);
    g.initializerFloat32('w', [1, 2, 3, 4, 5, 6], [3, 2]);
    g.initializerInt64('axes', [1], [1]);
    g.node('MatMul', ['x', 'w'], ['y']).node('ReduceSum', ['y', 'axes'], ['s'], { keepdims: attr.int(0) });
    g.output('s', 'float32', ['batch']);
    const m = onnx.ModelProto.decode(g.toBytes({ metadata: { b: '2', a: '1' } }));
    expect(Number(m.irVersion)).toBe(8);
    expect(Number(m.opsetImport[0]!.version)).toBe(17);
    expect(m.metadataProps.map((p) => p.key)).toEqual(['a', 'b']);
    const graph = m.graph as onnxProto.onnx.GraphProto;
    const [input] = graph.input;
    const [, sum] = graph.node;
    expect(input!.type!.tensorType!.shape!.dim!.map((d) => d.dimParam || Number(d.dimValue))).toEqual(['batch', 3]);
    expect(graph.node.map((n) => n.opType)).toEqual(['MatMul', 'ReduceSum']);
    expect(Number(sum!.attribute![0]!.i)).toBe(0);
    const w = graph.initializer[0]!;
    const raw = w.rawData as Uint8Array;
    expect(Array.from(new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength)))).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('refuses duplicate value names and mis-sized initializers', () => {
    const g = new OnnxGraphBuilder('g');
    g.input('x', 'float32', [1]);
    expect(() => g.initializerFloat32('x', [1], [1])).toThrow(/defined twice/);
    expect(() => g.initializerFloat32('w', [1, 2], [3])).toThrow(/need 3/);
  });

  it('is deterministic', () => {
    const build = () => {
      const g = new OnnxGraphBuilder('g');
      g.input('x', 'float32', ['batch', 2]).node('Relu', ['x'], ['y']).output('y', 'float32', ['batch', 2]);
      return g.toBytes();
    };
    expect(build()).toEqual(build());
  });
});
