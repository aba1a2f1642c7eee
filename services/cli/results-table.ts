import type { SweepResults } from '../sweeps';
import { pct, table } from './output';

/** The results table `run` and `sweep report` print: accuracy matrix, then AM maxima. */
export function renderResults(r: SweepResults): string {
  const parts: string[] = [];
  if (r.accuracy.length) {
    parts.push(
      'Test accuracy (mean ± std over seeds)',
      table(
        ['dataset', 'arch', 'activation', 'backward slope', 'accuracy', 'seeds'],
        r.accuracy.map((a) => [
          a.dataset,
          a.arch,
          a.activation,
          a.backwardSlope,
          `${pct(a.mean)} ± ${(a.std * 100).toFixed(1)}`,
          a.n,
        ]),
      ),
    );
  }
  if (r.am.length) {
    parts.push(
      '',
      'Activation maximization: best true logit reached (mean ± std over cells and units; max)',
      table(
        ['dataset', 'AM backward slope', 'mean ± std', 'max', 'n'],
        r.am.map((a) => [
          a.dataset,
          a.amBackwardSlope,
          `${a.mean.toFixed(3)} ± ${a.std.toFixed(3)}`,
          a.max.toFixed(3),
          a.n,
        ]),
      ),
    );
  }
  return parts.length ? parts.join('\n') : 'No results yet.';
}
