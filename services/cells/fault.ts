import { ProxysweepError } from '../errors';
import type { CellParams } from '../spec';

/** Raised by the test-only fault switch; non-retryable, so the cell fails at once. */
export class InjectedFault extends ProxysweepError {}

/**
 * TEST-ONLY: `PROXYSWEEP_INJECT_FAULT=<phase>:<selector>[,…]` makes a worker fail matching cells, where phase
 * is `train` or `am` (see maybeInjectSweepFault for `sweep`) and selector is a cell key or `param=value` (e.g. `train:seed=1`). Lets tests fail a
 * cell on purpose, then remove the switch and resume.
 */
export function maybeInjectFault(phase: 'train' | 'am', cellKey: string, params: CellParams): void {
  const spec = process.env.PROXYSWEEP_INJECT_FAULT;
  if (!spec) return;
  for (const rule of spec.split(',')) {
    const [p, selector] = rule.trim().split(':', 2);
    if (p !== phase || !selector) continue;
    const [key, value] = selector.split('=', 2);
    const hit =
      value === undefined
        ? selector === cellKey
        : String((params as unknown as Record<string, unknown>)[key]) === value;
    if (hit) throw new InjectedFault(`injected fault (${phase}) for cell ${cellKey} via PROXYSWEEP_INJECT_FAULT`);
  }
}

/**
 * TEST-ONLY: the rule `sweep:<status>` in `PROXYSWEEP_INJECT_FAULT` makes the sweep workflow's bookkeeping fail
 * (non-retryably) when it records that status, e.g. `sweep:paused`: the sweep workflow then fails mid-run.
 */
export function maybeInjectSweepFault(status: string): void {
  const spec = process.env.PROXYSWEEP_INJECT_FAULT;
  if (!spec) return;
  if (spec.split(',').some((rule) => rule.trim() === `sweep:${status}`)) {
    throw new InjectedFault(`injected fault (sweep) recording status ${status} via PROXYSWEEP_INJECT_FAULT`);
  }
}

/** TEST-ONLY: `PROXYSWEEP_TEST_STEP_DELAY_MS` slows every training step, so tests can act mid-training. */
export function testStepDelayMs(): number {
  const v = Number(process.env.PROXYSWEEP_TEST_STEP_DELAY_MS ?? 0);
  return Number.isFinite(v) && v > 0 ? v : 0;
}
