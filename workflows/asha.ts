/**
 * Asynchronous successive halving (ASHA, Li et al. 2018), the stopping form used by Ray Tune and Determined:
 * rungs at minEpochs·η^k epochs (below maxEpochs); a cell reaching a rung continues when its metric is among
 * the top ⌈n/η⌉ of the n results recorded at that rung so far (itself included, earlier arrivals winning
 * ties), and is pruned otherwise. So the first cell at a rung always continues, and over a rung's n cells at
 * most about n/η are promoted, decided the moment each arrives (no cell waits for a synchronous round).
 *
 * Pure and deterministic (no I/O, no clock): the sweep workflow runs it and keeps {@link AshaState}.
 */

export interface AshaConfig {
  mode: 'max' | 'min';
  reductionFactor: number;
}

/** Per rung (its epoch, as a string key), the results in the order they arrived: [cellKey, value]. */
export interface AshaState {
  rungs: Record<string, [string, number][]>;
}

export interface RungReport {
  cellKey: string;
  rung: number;
  value: number;
}

export const emptyAshaState = (): AshaState => ({ rungs: {} });

/** The rungs of a cell trained for `maxEpochs`: minEpochs, minEpochs·η, … while below maxEpochs. */
export function ashaRungs(minEpochs: number, reductionFactor: number, maxEpochs: number): number[] {
  const rungs: number[] = [];
  for (let e = minEpochs; e < maxEpochs; e *= reductionFactor) rungs.push(e);
  return rungs;
}

/**
 * Records `report` (once: a cell reporting the same rung again, e.g. after a retry or resume, gets the decision
 * it got the first time and adds nothing) and returns whether the cell continues past the rung.
 */
export function ashaDecide(state: AshaState, config: AshaConfig, report: RungReport): 'continue' | 'prune' {
  const list = (state.rungs[String(report.rung)] ??= []);
  let at = list.findIndex(([key]) => key === report.cellKey);
  if (at < 0) {
    list.push([report.cellKey, report.value]);
    at = list.length - 1;
  }
  return decisionAt(list, at, config);
}

/** Where a cell's result stands in its rung's arrival order (-1: not recorded). */
export function arrivalPosition(state: AshaState, cellKey: string, rung: number): number {
  return (state.rungs[String(rung)] ?? []).findIndex(([key]) => key === cellKey);
}

/** The decision the rule gave the result at position `at` of a rung, seeing only the results before it. */
function decisionAt(list: [string, number][], at: number, config: AshaConfig): 'continue' | 'prune' {
  const value = list[at][1];
  const n = at + 1;
  const better = (other: number) => (config.mode === 'max' ? other > value : other < value);
  // Rank among the first n results: those strictly better, and equal ones that came earlier.
  let rank = 0;
  for (let i = 0; i < at; i++) {
    const other = list[i][1];
    if (better(other) || other === value || Number.isNaN(value)) rank++;
  }
  return rank < Math.ceil(n / config.reductionFactor) ? 'continue' : 'prune';
}

/** Every decision the state holds, rung by rung in arrival order (for tests and the status views). */
export function ashaDecisions(
  state: AshaState,
  config: AshaConfig,
): { cellKey: string; rung: number; pruned: boolean }[] {
  return Object.entries(state.rungs)
    .sort(([a], [b]) => Number(a) - Number(b))
    .flatMap(([rung, list]) =>
      list.map(([cellKey], i) => ({ cellKey, rung: Number(rung), pruned: decisionAt(list, i, config) === 'prune' })),
    );
}
