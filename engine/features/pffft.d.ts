/**
 * Types for the emscripten build of PFFFT (@echogarden/pffft-wasm), which ships none.
 * Only the C functions Vigil calls are declared; pointers are byte offsets into the wasm heap.
 */
declare module '@echogarden/pffft-wasm/simd' {
  /** The instantiated emscripten module: exported C functions plus views of the wasm heap. */
  export interface PffftModule {
    /** Replaced when the heap grows, so it must be re-read rather than cached across calls. */
    HEAPF32: Float32Array;
    _pffft_new_setup(n: number, transform: number): number;
    _pffft_destroy_setup(setup: number): void;
    _pffft_transform_ordered(setup: number, input: number, output: number, work: number, direction: number): void;
    _pffft_aligned_malloc(bytes: number): number;
    _pffft_aligned_free(ptr: number): void;
    _pffft_simd_size(): number;
  }
  /** Emscripten module factory: resolves once the wasm is compiled and instantiated. */
  const factory: (moduleArg?: object) => Promise<PffftModule>;
  export default factory;
}
