import { shortArmLabels } from '../spec';
import { trainingArmLabel, type SweepResults } from '../sweeps';
import { pct, table } from './output';

const num = (v: number | null, digits = 2) => (v === null || !Number.isFinite(v) ? '–' : v.toFixed(digits));

/**
 * The results table `run` and `sweep report` print: test accuracy per training arm, then AM maxima per trained
 * net, AM arm and AM slope with the paired gain over the reference slope (same net, same class).
 */
export function renderResults(r: SweepResults): string {
  const parts: string[] = [];
  if (r.accuracy.length) {
    parts.push(
      'Test accuracy per training arm (mean ± std over seeds)',
      table(
        ['dataset', 'arch', 'arm', 'accuracy', 'seeds'],
        r.accuracy.map((a) => [
          a.dataset,
          a.arch,
          trainingArmLabel(a),
          `${pct(a.mean)} ± ${(a.std * 100).toFixed(1)}`,
          a.n,
        ]),
      ),
    );
  }
  if (r.am.length) {
    const arms = shortArmLabels([...new Set(r.am.map((a) => a.protocol))]);
    const ref = [...new Set(r.am.map((a) => a.referenceSlope))];
    parts.push(
      '',
      `Activation maximization: best true logit reached (mean ± std over cells and classes), its gain over AM slope ${ref.join('/')} on the same net and class (ratio mean ± std over cells; pairs that beat it), and the start point's input gradient (share of exact zeros; L2 norm)`,
      table(
        ['dataset', 'trained net', 'AM arm', 'AM slope', 'best logit', 'gain', 'beat ref', 'zero grad', '|grad|'],
        r.am.map((a) => {
          const isRef = a.amBackwardSlope === a.referenceSlope;
          return [
            a.dataset,
            `${a.arch} ${trainingArmLabel(a)}`,
            arms.get(a.protocol),
            a.amBackwardSlope,
            `${num(a.mean)} ± ${num(a.std)}`,
            isRef ? 'ref' : `${num(a.gainMean, 3)} ± ${num(a.gainStd, 3)}`,
            isRef ? '' : `${a.wins}/${a.pairs}`,
            a.startZeroFraction === null ? '–' : pct(a.startZeroFraction),
            num(a.startGradL2, 3),
          ];
        }),
      ),
    );
    if (arms.size > 1 || [...arms.values()][0] !== [...arms.keys()][0]) {
      parts.push('', 'AM arms:', ...[...arms].map(([key, label]) => `  ${label}: ${key}`));
    }
  }
  return parts.length ? parts.join('\n') : 'No results yet.';
}
