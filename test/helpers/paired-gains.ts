import type { AmCell } from '../../services/sweeps';

/**
 * The paired AM comparison computed in plain TypeScript from raw AM rows, written from the definition rather than
 * from any SQL, so a dashboard query (or sweepResults) can be checked against it.
 */

/** One AM result with what identifies its trained net. */
export interface RawAmRow {
  cellId: number;
  dataset: string;
  arch: string;
  /** The training arm as `trainingArmLabel` writes it. */
  trainingArm: string;
  protocol: string;
  slope: number;
  unit: number;
  value: number;
}

/** The numbers sweepResults reports for one group, found by the group's labels. */
export type ExpectedGain = Pick<
  AmCell,
  'dataset' | 'arch' | 'referenceSlope' | 'gainMean' | 'gainStd' | 'gainCells' | 'wins' | 'pairs'
> &
  Pick<RawAmRow, 'trainingArm' | 'protocol' | 'slope'>;

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
const sampleStd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / (xs.length - 1));
};

/** The key a gain row is found by: dataset, arch, training arm, protocol and AM slope. */
export const gainKey = (g: { dataset: string; arch: string; trainingArm: string; protocol: string; slope: number }) =>
  JSON.stringify([g.dataset, g.arch, g.trainingArm, g.protocol, g.slope]);

/**
 * For every (dataset, arch, training arm, protocol, AM slope) of `rows` whose dataset passes `keepDataset`: the
 * reference slope is the protocol's smallest slope among all `rows`; per cell, the ratio of the mean value to
 * the mean value at the reference slope over the units present at both (only when that reference mean is
 * positive); mean and sample std of those ratios over cells; and the (cell, unit) pairs that beat the reference.
 */
export function expectedPairedGains(
  rows: RawAmRow[],
  keepDataset: (dataset: string) => boolean = () => true,
): Map<string, ExpectedGain> {
  const referenceSlope = new Map<string, number>();
  for (const r of rows) referenceSlope.set(r.protocol, Math.min(r.slope, referenceSlope.get(r.protocol) ?? Infinity));
  const valueAt = new Map(rows.map((r) => [JSON.stringify([r.cellId, r.protocol, r.slope, r.unit]), r.value]));

  const groups = new Map<string, RawAmRow[]>();
  for (const r of rows.filter((x) => keepDataset(x.dataset))) {
    const key = gainKey(r);
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const out = new Map<string, ExpectedGain>();
  for (const [key, group] of groups) {
    const { dataset, arch, trainingArm, protocol, slope } = group[0];
    const ref = referenceSlope.get(protocol)!;
    const paired = group
      .map((r) => ({ r, refValue: valueAt.get(JSON.stringify([r.cellId, protocol, ref, r.unit])) }))
      .filter((p): p is { r: RawAmRow; refValue: number } => p.refValue !== undefined);
    const ratios: number[] = [];
    for (const cellId of new Set(paired.map((p) => p.r.cellId))) {
      const mine = paired.filter((p) => p.r.cellId === cellId);
      const refMean = mean(mine.map((p) => p.refValue));
      if (refMean > 0) ratios.push(mean(mine.map((p) => p.r.value)) / refMean);
    }
    out.set(key, {
      dataset,
      arch,
      trainingArm,
      protocol,
      slope,
      referenceSlope: ref,
      gainMean: ratios.length ? mean(ratios) : null,
      gainStd: ratios.length > 1 ? sampleStd(ratios) : null,
      gainCells: ratios.length,
      wins: paired.filter((p) => p.r.value > p.refValue).length,
      pairs: paired.length,
    });
  }
  return out;
}

/** What the "beat reference" column says: `0.3 beat 0 on 52 of 60`, or `reference` on the reference slope. */
export const beatReferenceText = (g: ExpectedGain) =>
  g.slope === g.referenceSlope ? 'reference' : `${g.slope} beat ${g.referenceSlope} on ${g.wins} of ${g.pairs}`;
