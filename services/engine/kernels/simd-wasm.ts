/**
 * Two memory-bound inner loops as a tiny WebAssembly SIMD module that runs directly on the wasm backend's heap (it
 * imports the backend's own WebAssembly.Memory, so tensors need no copying). JS loops over heap views reach
 * ~1.5–2.5 ns an element here; these reach a fraction of that. No toolchain is involved: the module is assembled
 * below from the opcodes of the WebAssembly 2.0 spec (core + fixed-width SIMD), and validated on load.
 *
 * - colsum(x, rows, cols, acc): acc[c] += Σ_r x[r, c] (float32; cols a multiple of 4; byte pointers).
 * - pool2x2(x0, x1, dy, dx0, dx1, outW, c): MaxPoolGrad of one output row of 2×2 stride-2 windows: x0/x1 are the
 *   two input rows, dx0/dx1 the matching dx rows; each window's first strict maximum (−∞ start, so NaN never wins)
 *   gets dy, the other three positions 0 (c a multiple of 4).
 *
 * - dw1/dw2/dw3(x, dy, acc, rows, cols, xCol, xRow, dyCol, dyRow): the filter-gradient tile of a conv with few
 *   input channels: acc[ci, 0..16) += Σ over a rows×cols grid of pixels of x[ci] · dy[0..16), for ci < 1/2/3. The
 *   strides (bytes) walk x and dy from pixel to pixel and row to row, so any conv stride works; acc stays in
 *   registers for the whole grid (3×4 vectors), which XNNPACK cannot do for this shape (its K is N·OH·OW).
 *
 * - scatterAdd(dst, src, rows, cols, width, dstCol, dstRow, srcCol, srcRow): dst[w] += src[w] for w < width at each
 *   pixel of a rows×cols grid (byte strides), scalar f32: col2im's inner loop, ~4× a JS loop over heap views.
 *
 * `simdKernels(backend)` returns null where the module cannot be used (no SIMD, or no memory export); callers then
 * keep their JS loops.
 */
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

type DwTile = (
  x: number,
  dy: number,
  acc: number,
  rows: number,
  cols: number,
  xCol: number,
  xRow: number,
  dyCol: number,
  dyRow: number,
) => void;

export interface SimdKernels {
  colsum(x: number, rows: number, cols: number, acc: number): void;
  pool2x2(x0: number, x1: number, dy: number, dx0: number, dx1: number, outW: number, c: number): void;
  dw1: DwTile;
  dw2: DwTile;
  dw3: DwTile;
  scatterAdd: DwTile;
}

/** Output channels one dw call covers (four f32x4 vectors). */
export const DW_TILE_CO = 16;

// ---- A minimal assembler: just the encodings these two functions need. -------------------------------------------

const I32 = 0x7f;
const V128 = 0x7b;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) return [...out, byte];
    out.push(byte | 0x80);
  }
}

const utf8 = (s: string) => [...uleb(s.length), ...Buffer.from(s, 'utf8')];
const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const op = {
  block: [0x02, 0x40],
  loop: [0x03, 0x40],
  end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32: (n: number) => [0x41, ...sleb(n)],
  eqz: [0x45],
  ltU: [0x49],
  add: [0x6a],
  sub: [0x6b],
  shl: [0x74],
  f32: (x: number) => [0x43, ...new Uint8Array(new Float32Array([x]).buffer)],
  // SIMD: prefix 0xfd, then the opcode as u32 LEB128. Memory arguments: alignment hint 2^2 (float), offset.
  load: (offset = 0) => [0xfd, ...uleb(0x00), 2, ...uleb(offset)],
  store: (offset = 0) => [0xfd, ...uleb(0x0b), 2, ...uleb(offset)],
  splat: [0xfd, ...uleb(0x13)], // f32x4.splat
  gt: [0xfd, ...uleb(0x44)], // f32x4.gt
  and: [0xfd, ...uleb(0x4e)],
  andnot: [0xfd, ...uleb(0x4f)], // a & ~b
  or: [0xfd, ...uleb(0x50)],
  bitselect: [0xfd, ...uleb(0x52)], // (a & m) | (b & ~m)
  fadd: [0xfd, ...uleb(0xe4)], // f32x4.add
  fmul: [0xfd, ...uleb(0xe6)], // f32x4.mul
  loadF32: (offset: number) => [0x2a, 2, ...uleb(offset)], // f32.load
  storeF32: (offset: number) => [0x38, 2, ...uleb(offset)], // f32.store
  addF32: [0x92], // f32.add
};

/** A function body: local declarations ([count, type] groups) and instructions; `end` is appended. */
function body(locals: [number, number][], code: number[][]): number[] {
  const bytes = [...vec(locals.map(([n, t]) => [...uleb(n), t])), ...code.flat(), ...op.end];
  return [...uleb(bytes.length), ...bytes];
}

// ---- The two functions. -----------------------------------------------------------------------------------------

/** colsum(x, rows, cols, acc): params 0–3; locals 4 = j (byte offset in a row), 5 = row bytes. */
function colsumBody(): number[] {
  const [x, rows, cols, acc, j, rowBytes] = [0, 1, 2, 3, 4, 5];
  return body(
    [[2, I32]],
    [
      op.get(cols),
      op.i32(2),
      op.shl,
      op.set(rowBytes),
      op.block,
      op.loop,
      [...op.get(rows), ...op.eqz, ...op.brIf(1)],
      [...op.i32(0), ...op.set(j)],
      op.loop,
      // acc[j] = acc[j] + x[j]
      [...op.get(acc), ...op.get(j), ...op.add],
      [...op.get(acc), ...op.get(j), ...op.add, ...op.load()],
      [...op.get(x), ...op.get(j), ...op.add, ...op.load()],
      op.fadd,
      op.store(),
      [...op.get(j), ...op.i32(16), ...op.add, ...op.set(j)],
      [...op.get(j), ...op.get(rowBytes), ...op.ltU, ...op.brIf(0)],
      op.end,
      [...op.get(x), ...op.get(rowBytes), ...op.add, ...op.set(x)],
      [...op.get(rows), ...op.i32(1), ...op.sub, ...op.set(rows)],
      op.br(0),
      op.end,
      op.end,
    ],
  );
}

/**
 * pool2x2(x0, x1, dy, dx0, dx1, outW, c): params 0–6; i32 locals 7 = j, 8 = c bytes; v128 locals 9–12 = the four
 * candidates, 13 = dy, 14 = running max, 15–18 = "beats the running max" masks w0–w3.
 */
function pool2x2Body(): number[] {
  const [x0, x1, dy, dx0, dx1, outW, , j, cBytes] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const [a, b, c, d, g, best, w0, w1, w2, w3] = [9, 10, 11, 12, 13, 14, 15, 16, 17, 18];
  const addr = (ptr: number, plusC: boolean) => [
    ...op.get(ptr),
    ...op.get(j),
    ...op.add,
    ...(plusC ? [...op.get(cBytes), ...op.add] : []),
  ];
  const beat = (v: number, w: number, last: boolean) => [
    ...op.get(v),
    ...op.get(best),
    ...op.gt,
    ...op.set(w),
    ...(last ? [] : [...op.get(v), ...op.get(best), ...op.get(w), ...op.bitselect, ...op.set(best)]),
  ];
  // dy & mask, where mask is the winner mask left on the stack by `winner`.
  const store = (ptr: number, plusC: boolean, winner: number[]) => [
    ...addr(ptr, plusC),
    ...op.get(g),
    ...winner,
    ...op.and,
    ...op.store(),
  ];
  const bump = (ptr: number, bytes: number[]) => [...op.get(ptr), ...bytes, ...op.add, ...op.set(ptr)];
  const twoC = [...op.get(cBytes), ...op.i32(1), ...op.shl];
  return body(
    [
      [2, I32],
      [10, V128],
    ],
    [
      [...op.get(6), ...op.i32(2), ...op.shl, ...op.set(cBytes)],
      op.block,
      op.loop,
      [...op.get(outW), ...op.eqz, ...op.brIf(1)],
      [...op.i32(0), ...op.set(j)],
      op.loop,
      [...addr(x0, false), ...op.load(), ...op.set(a)],
      [...addr(x0, true), ...op.load(), ...op.set(b)],
      [...addr(x1, false), ...op.load(), ...op.set(c)],
      [...addr(x1, true), ...op.load(), ...op.set(d)],
      [...op.get(dy), ...op.get(j), ...op.add, ...op.load(), ...op.set(g)],
      [...op.f32(-Infinity), ...op.splat, ...op.set(best)],
      beat(a, w0, false),
      beat(b, w1, false),
      beat(c, w2, false),
      beat(d, w3, true),
      // The last candidate that beat the running max is the first maximum: w3; w2 & ~w3; w1 & ~(w2|w3); ...
      store(dx1, true, op.get(w3)),
      store(dx1, false, [...op.get(w2), ...op.get(w3), ...op.andnot]),
      store(dx0, true, [...op.get(w1), ...op.get(w2), ...op.get(w3), ...op.or, ...op.andnot]),
      store(dx0, false, [...op.get(w0), ...op.get(w1), ...op.get(w2), ...op.get(w3), ...op.or, ...op.or, ...op.andnot]),
      [...op.get(j), ...op.i32(16), ...op.add, ...op.set(j)],
      [...op.get(j), ...op.get(cBytes), ...op.ltU, ...op.brIf(0)],
      op.end,
      bump(x0, twoC),
      bump(x1, twoC),
      bump(dx0, twoC),
      bump(dx1, twoC),
      bump(dy, op.get(cBytes)),
      [...op.get(outW), ...op.i32(1), ...op.sub, ...op.set(outW)],
      op.br(0),
      op.end,
      op.end,
    ],
  );
}

/**
 * dw<ci>(x, dy, acc, rows, cols, xCol, xRow, dyCol, dyRow): params 0–8; i32 locals 9 = r, 10 = k, 11 = x pixel,
 * 12 = dy pixel; v128 locals 13–16 = dy vectors, 17 = splat x, 18… = accumulators (ci·4 + vector).
 */
function dwBody(ci: number): number[] {
  const [x, dy, acc, rows, cols, xCol, xRow, dyCol, dyRow, r, k, xp, dp] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
  const d = [13, 14, 15, 16];
  const splat = 17;
  const accs = Array.from({ length: ci * 4 }, (_, i) => 18 + i);
  const bump = (ptr: number, by: number) => [...op.get(ptr), ...op.get(by), ...op.add, ...op.set(ptr)];
  const countDown = (n: number) => [...op.get(n), ...op.i32(1), ...op.sub, ...op.set(n)];
  const perPixel: number[][] = d.map((v, i) => [...op.get(dp), ...op.load(16 * i), ...op.set(v)]);
  for (let c = 0; c < ci; c++) {
    perPixel.push([...op.get(xp), ...op.loadF32(4 * c), ...op.splat, ...op.set(splat)]);
    for (let v = 0; v < 4; v++) {
      const a = accs[c * 4 + v];
      perPixel.push([...op.get(a), ...op.get(splat), ...op.get(d[v]), ...op.fmul, ...op.fadd, ...op.set(a)]);
    }
  }
  return body(
    [
      [4, I32],
      [5 + ci * 4, V128],
    ],
    [
      ...accs.map((a, i) => [...op.get(acc), ...op.load(16 * i), ...op.set(a)]),
      [...op.get(rows), ...op.set(r)],
      op.block,
      op.loop,
      [...op.get(r), ...op.eqz, ...op.brIf(1)],
      [...op.get(x), ...op.set(xp), ...op.get(dy), ...op.set(dp), ...op.get(cols), ...op.set(k)],
      op.block,
      op.loop,
      [...op.get(k), ...op.eqz, ...op.brIf(1)],
      ...perPixel,
      bump(xp, xCol),
      bump(dp, dyCol),
      countDown(k),
      op.br(0),
      op.end,
      op.end,
      bump(x, xRow),
      bump(dy, dyRow),
      countDown(r),
      op.br(0),
      op.end,
      op.end,
      ...accs.map((a, i) => [...op.get(acc), ...op.get(a), ...op.store(16 * i)]),
    ],
  );
}

/**
 * scatterAdd(dst, src, rows, cols, width, dstCol, dstRow, srcCol, srcRow): params 0–8; i32 locals 9 = r, 10 = k,
 * 11 = dst pixel, 12 = src pixel, 13 = byte offset w·4 in the pixel.
 */
function scatterAddBody(): number[] {
  const [dst, src, rows, cols, width, dstCol, dstRow, srcCol, srcRow, r, k, dp, sp, w] = [
    0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
  ];
  const bump = (ptr: number, by: number) => [...op.get(ptr), ...op.get(by), ...op.add, ...op.set(ptr)];
  const countDown = (n: number) => [...op.get(n), ...op.i32(1), ...op.sub, ...op.set(n)];
  return body(
    [[6, I32]],
    [
      [...op.get(width), ...op.i32(2), ...op.shl, ...op.set(width)], // width in bytes from here on
      [...op.get(rows), ...op.set(r)],
      op.block,
      op.loop,
      [...op.get(r), ...op.eqz, ...op.brIf(1)],
      [...op.get(dst), ...op.set(dp), ...op.get(src), ...op.set(sp), ...op.get(cols), ...op.set(k)],
      op.block,
      op.loop,
      [...op.get(k), ...op.eqz, ...op.brIf(1)],
      [...op.i32(0), ...op.set(w)],
      op.block,
      op.loop,
      [...op.get(w), ...op.get(width), ...op.ltU, ...op.eqz, ...op.brIf(1)],
      // dst[w] = dst[w] + src[w]
      [...op.get(dp), ...op.get(w), ...op.add],
      [...op.get(dp), ...op.get(w), ...op.add, ...op.loadF32(0)],
      [...op.get(sp), ...op.get(w), ...op.add, ...op.loadF32(0)],
      op.addF32,
      op.storeF32(0),
      [...op.get(w), ...op.i32(4), ...op.add, ...op.set(w)],
      op.br(0),
      op.end,
      op.end,
      bump(dp, dstCol),
      bump(sp, srcCol),
      countDown(k),
      op.br(0),
      op.end,
      op.end,
      bump(dst, dstRow),
      bump(src, srcRow),
      countDown(r),
      op.br(0),
      op.end,
      op.end,
    ],
  );
}

function moduleBytes(): Uint8Array<ArrayBuffer> {
  const types = vec([
    [0x60, ...vec([[I32], [I32], [I32], [I32]]), 0x00],
    [0x60, ...vec([[I32], [I32], [I32], [I32], [I32], [I32], [I32]]), 0x00],
    [0x60, ...vec(Array.from({ length: 9 }, () => [I32])), 0x00],
  ]);
  const imports = vec([[...utf8('env'), ...utf8('memory'), 0x02, 0x00, ...uleb(1)]]); // memory, min 1 page, no max
  const functions = vec([[0], [1], [2], [2], [2], [2]]);
  const exports = vec([
    [...utf8('colsum'), 0x00, 0],
    [...utf8('pool2x2'), 0x00, 1],
    [...utf8('dw1'), 0x00, 2],
    [...utf8('dw2'), 0x00, 3],
    [...utf8('dw3'), 0x00, 4],
    [...utf8('scatterAdd'), 0x00, 5],
  ]);
  const bodies = [colsumBody(), pool2x2Body(), dwBody(1), dwBody(2), dwBody(3), scatterAddBody()];
  const code = [...uleb(bodies.length), ...bodies.flat()];
  return new Uint8Array([
    ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    ...section(1, types),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, code),
  ]);
}

// ---- Loading. ---------------------------------------------------------------------------------------------------

const instances = new WeakMap<WebAssembly.Memory, SimdKernels | null>();

/** The backend's heap, which its Emscripten module exports as `asm.memory`. */
function backendMemory(backend: BackendWasm): WebAssembly.Memory | undefined {
  const memory = (backend.wasm as unknown as { asm?: { memory?: unknown } }).asm?.memory;
  return memory instanceof WebAssembly.Memory ? memory : undefined;
}

/** The SIMD kernels bound to this backend's heap, or null where they cannot run. */
export function simdKernels(backend: BackendWasm): SimdKernels | null {
  const memory = backendMemory(backend);
  if (memory === undefined) return null;
  let kernels = instances.get(memory);
  if (kernels === undefined) {
    try {
      const bytes = moduleBytes();
      const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } });
      kernels = instance.exports as unknown as SimdKernels;
    } catch {
      kernels = null; // e.g. an engine without SIMD: the JS loops stay in use
    }
    instances.set(memory, kernels);
  }
  return kernels;
}

/** Byte address of a tensor on the wasm heap. */
export function heapAddress(backend: BackendWasm, dataId: object): number {
  const data = backend.dataIdMap.get(dataId);
  if (data?.memoryOffset == null) throw new Error('tensor has no wasm heap buffer');
  return data.memoryOffset;
}
