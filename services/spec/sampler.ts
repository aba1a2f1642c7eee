import { createHash } from 'node:crypto';
import { drawValue, type Distribution } from './distributions';

/** The sampled axes of a spec: parameter name → distribution. */
export type SampledSpace = Record<string, Distribution>;

/** A cell a sampler has seen finish: its parameters and the metric it reached (model-based samplers use these). */
export interface FinishedCell {
  params: Record<string, unknown>;
  metric: number | null;
}

/** Where a draw stands: the search seed, the grid point it belongs to, and its number within that point. */
export interface SampleSlot {
  seed: number;
  /** A stable text of the grid point's values (canonical JSON). */
  gridPoint: string;
  index: number;
}

/**
 * The sampler seam: the next parameters for `slot`, from the space and the cells that finished so far.
 * Implementations are pure and deterministic (same inputs, same output), so cell keys are stable, a relaunch
 * is idempotent and a workflow replaying a call gets the same answer.
 */
export interface Sampler {
  readonly name: string;
  sample(space: SampledSpace, finished: readonly FinishedCell[], slot: SampleSlot): Record<string, unknown>;
}

/**
 * Random search: each axis of each slot drawn from its own hash-derived uniform number, independent of the
 * other slots (adding grid points or raising the budget never changes the draws that exist).
 */
export const randomSampler: Sampler = {
  name: 'random',
  sample(space, _finished, slot) {
    const out: Record<string, unknown> = {};
    for (const axis of Object.keys(space).sort()) {
      out[axis] = drawValue(space[axis], unitDraw(`${slot.seed}/${slot.gridPoint}/${slot.index}/${axis}`));
    }
    return out;
  },
};

/** A uniform number in [0, 1) from a text: the first 48 bits of its sha256. */
export function unitDraw(text: string): number {
  const h = createHash('sha256').update(text).digest();
  return h.readUIntBE(0, 6) / 2 ** 48;
}
