import { resolveDataDir } from '../../paths';
import { UserError } from '../../errors';
import { loadSpecFile } from '../../spec';
import type { BackendName } from '../../engine/backend';
import { runDoctor, type CheckResult, type DoctorReport } from '../../doctor';
import type { Output } from '../output';
import { datasetDir } from './data';
import type { GlobalOptions } from './shared';

export interface DoctorCommandOptions extends GlobalOptions {
  backend: string;
  gpus?: string;
  workers?: number;
  dataset: string[];
  spec?: string;
  datasetDir?: string;
  taskQueue?: string;
}

/** Raised after the report is printed when a check failed: exit 2, one line on stderr. */
export class DoctorChecksFailed extends UserError {}

const LABEL: Record<CheckResult['status'], string> = { pass: 'ok  ', warn: 'warn', fail: 'FAIL' };

/**
 * `doctor`: one line per check (status, what was found, the fix). Exits 0 only when no check failed; a check
 * that does not apply to this node (no GPU on a CPU node, no dataset named) is a warning.
 */
export async function doctorCommand(opts: DoctorCommandOptions, out: Output): Promise<DoctorReport> {
  const gpus = opts.gpus ? parseGpuList(opts.gpus) : undefined;
  const datasets = opts.dataset.flatMap((d) => d.split(',').map((s) => s.trim())).filter(Boolean);
  let taskQueue = opts.taskQueue;
  if (opts.spec) {
    const spec = loadSpecFile(opts.spec);
    datasets.push(...spec.cells.map((c) => c.params.dataset));
    taskQueue ??= spec.spec.execution.taskQueue;
  }
  const report = await runDoctor({
    dataDir: resolveDataDir(opts.dataDir),
    backend: opts.backend as BackendName | 'auto',
    gpus,
    workers: opts.workers,
    datasets,
    datasetDir: datasetDir(opts.datasetDir),
    taskQueue: taskQueue ?? 'proxysweep',
  });
  out.result(report);
  const width = Math.max(...report.checks.map((c) => c.name.length));
  out.line(`proxysweep doctor on ${report.host}`);
  for (const c of report.checks) {
    out.line(`${LABEL[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.fix ? ` -> fix: ${c.fix}` : ''}`);
  }
  const { pass, warn, fail } = report.counts;
  out.line(`${report.checks.length} checks: ${pass} passed, ${warn} warnings, ${fail} failed`);
  if (!report.ok) {
    throw new DoctorChecksFailed(
      `${fail} of ${report.checks.length} checks failed: this node is not ready (see above)`,
    );
  }
  return report;
}

function parseGpuList(list: string): number[] {
  const parts = list.split(',').map((g) => g.trim());
  if (parts.some((g) => !/^\d+$/.test(g)))
    throw new UserError(`--gpus must list GPU indices like 0,1,2, got "${list}"`);
  return parts.map(Number);
}
