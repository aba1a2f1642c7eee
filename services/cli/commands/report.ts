import { join } from 'node:path';
import { writeSweepReport, type SweepReport } from '../../report';
import type { Output } from '../output';
import { withSweepContext, type GlobalOptions } from './shared';

/** `sweep report <id>`: HTML report and CSVs from Postgres alone (no Temporal needed). */
export async function sweepReportCommand(
  id: string,
  opts: GlobalOptions & { out?: string },
  out: Output,
): Promise<SweepReport> {
  const dir = opts.out ?? join('reports', id);
  const r = await withSweepContext(opts, (ctx) => writeSweepReport(ctx.pool, id, dir), { needTemporal: false });
  out.result({ sweepId: id, ...r });
  out.line(`report for sweep ${id}: ${r.html}`);
  out.line(`  data: ${r.files.filter((f) => f.endsWith('.csv')).join(', ')}`);
  return r;
}
