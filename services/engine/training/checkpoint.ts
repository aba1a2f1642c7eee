import { tf, type Tensor } from '../tf';
import type { PartialEpoch } from './trainer';

/**
 * Everything needed to continue training exactly where it stopped: weights (trainable and not, e.g. batch-norm
 * statistics), optimizer slots and iteration count, the epoch and step reached (which determine every random
 * draw still to come) and the running sums of a partly done epoch.
 */
export interface TrainingState {
  /** Epochs completed (the next epoch to run is `epoch + 1`, 1-based). */
  epoch: number;
  globalStep: number;
  partial: PartialEpoch;
  optimizer: string;
  weights: NamedArray[];
  optimizerWeights: NamedArray[];
}

export interface NamedArray {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

const MAGIC = Buffer.from('PSCKPT01');

/**
 * Binary layout: 8-byte magic, u32 header length, JSON header (metadata + tensor table), then the raw
 * little-endian tensor data, 4-byte aligned. Self-describing, so any node can resume any cell.
 */
export function encodeCheckpoint(state: TrainingState): Buffer {
  const arrays = [...state.weights, ...state.optimizerWeights];
  const table = arrays.map((a) => ({ name: a.name, shape: a.shape, dtype: a.dtype, length: a.values.length }));
  const header = Buffer.from(
    JSON.stringify({
      epoch: state.epoch,
      globalStep: state.globalStep,
      partial: state.partial,
      optimizer: state.optimizer,
      weights: table.slice(0, state.weights.length),
      optimizerWeights: table.slice(state.weights.length),
    }),
  );
  const pad = (4 - ((MAGIC.length + 4 + header.length) % 4)) % 4;
  const dataBytes = arrays.reduce((n, a) => n + a.values.length * 4, 0);
  const out = Buffer.alloc(MAGIC.length + 4 + header.length + pad + dataBytes);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(header.length + pad, MAGIC.length);
  header.copy(out, MAGIC.length + 4);
  out.fill(0x20, MAGIC.length + 4 + header.length, MAGIC.length + 4 + header.length + pad); // JSON-safe padding
  let offset = MAGIC.length + 4 + header.length + pad;
  for (const a of arrays) {
    Buffer.from(a.values.buffer, a.values.byteOffset, a.values.byteLength).copy(out, offset);
    offset += a.values.byteLength;
  }
  return out;
}

export function decodeCheckpoint(buf: Buffer): TrainingState {
  if (buf.length < MAGIC.length + 4 || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    throw new Error('not a proxysweep checkpoint (bad magic)');
  }
  const headerLen = buf.readUInt32LE(MAGIC.length);
  const start = MAGIC.length + 4;
  const header = JSON.parse(buf.subarray(start, start + headerLen).toString('utf8')) as {
    epoch: number;
    globalStep: number;
    partial: PartialEpoch;
    optimizer: string;
    weights: Omit<NamedArray, 'values'>[] & { length: number }[];
    optimizerWeights: (Omit<NamedArray, 'values'> & { length: number })[];
  };
  let offset = start + headerLen;
  const read = (t: Omit<NamedArray, 'values'> & { length: number }): NamedArray => {
    const bytes = t.length * 4;
    if (offset + bytes > buf.length) throw new Error('checkpoint is truncated');
    // Copy into a fresh, aligned buffer: the source Buffer may come from a pool at an odd offset.
    const copy = new ArrayBuffer(bytes);
    new Uint8Array(copy).set(buf.subarray(offset, offset + bytes));
    offset += bytes;
    const values = t.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    return { name: t.name, shape: t.shape, dtype: t.dtype, values };
  };
  const weights = (header.weights as (Omit<NamedArray, 'values'> & { length: number })[]).map(read);
  const optimizerWeights = header.optimizerWeights.map(read);
  return {
    epoch: header.epoch,
    globalStep: header.globalStep,
    partial: header.partial,
    optimizer: header.optimizer,
    weights,
    optimizerWeights,
  };
}

export function toNamedArray(name: string, t: Tensor): NamedArray {
  const dtype = t.dtype === 'int32' ? 'int32' : 'float32';
  const values =
    dtype === 'int32' ? Int32Array.from(t.dataSync() as Int32Array) : Float32Array.from(t.dataSync() as Float32Array);
  return { name, shape: t.shape.slice(), dtype, values };
}

export function fromNamedArray(a: NamedArray): Tensor {
  return tf.tensor(a.values, a.shape, a.dtype);
}

/**
 * Loads a checkpoint's weights into `model` (e.g. to run AM on a trained cell). Throws if the checkpoint was
 * made for a different architecture.
 */
export function restoreWeights(model: tf.LayersModel, state: TrainingState): void {
  const modelWeights = model.weights;
  if (state.weights.length !== modelWeights.length) {
    throw new RangeError(
      `checkpoint has ${state.weights.length} weight tensors but the model has ${modelWeights.length}: was it made for another architecture?`,
    );
  }
  state.weights.forEach((a, i) => {
    const expected = modelWeights[i].shape.join('x');
    if (a.shape.join('x') !== expected) {
      throw new RangeError(
        `checkpoint weight ${i} (${a.name}) has shape ${a.shape.join('x')}, the model expects ${expected}`,
      );
    }
  });
  const tensors = state.weights.map(fromNamedArray);
  model.setWeights(tensors);
  tf.dispose(tensors);
}
