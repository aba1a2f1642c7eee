import { loadSpecFile } from '../../spec';
import { planSweep, type SweepPlan } from '../../sweeps/plan';
import { trainingArmLabel } from '../../sweeps/labels';
import { table, type Output } from '../output';

/**
 * `sweep plan <spec>`: the cells (parameters and keys) and AM arms a spec expands to, with no service running.
 * A bad spec fails exactly as `sweep start` would (exit 2, nothing written).
 */
export function sweepPlanCommand(specPath: string, out: Output): SweepPlan {
  const plan = planSweep(loadSpecFile(specPath));
  out.result(plan);
  const t = plan.totals;
  out.line(
    `sweep ${plan.sweepId}: ${t.cells} cells, ${t.trainingEpochs} training epochs, ${t.amRunsPerCell} AM runs per trained cell (${plural(plan.am?.arms.length ?? 0, 'arm')} × ${plural(plan.am?.slopes.length ?? 0, 'slope')})`,
  );
  const shown = plan.varying.filter((k) => !['activation', 'forwardSlope', 'backwardSlope'].includes(k));
  const armVaries = plan.varying.some((k) => ['activation', 'forwardSlope', 'backwardSlope'].includes(k));
  out.line();
  out.line(
    table(
      ['#', 'cell key', ...(armVaries ? ['training arm'] : []), ...shown],
      plan.cells.map((c) => [
        c.idx,
        c.key,
        ...(armVaries ? [trainingArmLabel(c.params)] : []),
        ...shown.map((k) => {
          const v = k.startsWith('archOptions.')
            ? c.params.archOptions[k.slice('archOptions.'.length)]
            : (c.params as unknown as Record<string, unknown>)[k];
          return typeof v === 'object' ? JSON.stringify(v) : (v as string | number | undefined);
        }),
      ]),
    ),
  );
  const first = plan.cells[0]?.params;
  if (first) {
    const fixed = Object.entries(first).filter(([k]) => !plan.varying.includes(k) && k !== 'archOptions');
    out.line();
    out.line(
      `every cell: ${fixed.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(' ')}`,
    );
  }
  if (plan.am) {
    out.line();
    out.line(
      `AM on ${plan.am.units === 'all' ? 'every class logit' : `units ${plan.am.units.join(', ')}`} at AM backward slopes ${plan.am.slopes.join(', ')}, for each arm:`,
    );
    for (const arm of plan.am.arms) out.line(`  ${arm.key}`);
  } else {
    out.line('no AM (the spec has no `am` block)');
  }
  return plan;
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
