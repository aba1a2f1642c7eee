import type { CellRow } from '../db';
import { toCsv, type CsvValue } from './csv';
import type { ReportData } from './data';

/** The parameters every CSV row repeats, so each file can be analysed alone. */
const PARAM_HEADER = [
  'cell_id',
  'cell_key',
  'dataset',
  'arch',
  'activation',
  'forward_slope',
  'backward_slope',
  'seed',
];

function paramValues(c: CellRow): CsvValue[] {
  return [c.id, c.cell_key, c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, c.seed];
}

/** JSON with sorted keys, so the params column is byte-identical for identical params. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    const keys = Object.keys(v).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/** cells.csv: one row per cell, in grid order. */
export function cellsCsv(d: ReportData): string {
  return toCsv(
    [
      'sweep_id',
      'idx',
      ...PARAM_HEADER,
      'status',
      'phase',
      'attempts',
      'worker',
      'backend',
      'epochs_total',
      'epochs_done',
      'test_accuracy',
      'test_loss',
      'error',
      'created_at',
      'started_at',
      'finished_at',
      'params',
    ],
    d.cells.map((c) => [
      c.sweep_id,
      c.idx,
      ...paramValues(c),
      c.status,
      c.phase,
      c.attempts,
      c.worker,
      c.backend,
      c.epochs_total,
      c.epochs_done,
      c.test_accuracy,
      c.test_loss,
      c.error,
      c.created_at,
      c.started_at,
      c.finished_at,
      stableJson(c.params),
    ]),
  );
}

/** epochs.csv: one row per epoch_metrics row (cell, epoch), in grid then epoch order. */
export function epochsCsv(d: ReportData): string {
  return toCsv(
    [
      ...PARAM_HEADER,
      'epoch',
      'train_loss',
      'train_accuracy',
      'test_loss',
      'test_accuracy',
      'images_per_sec',
      'learning_rate',
      'worker',
      'backend',
      'recorded_at',
    ],
    d.epochs.map((m) => [
      ...paramValues(d.cellById.get(m.cell_id)!),
      m.epoch,
      m.train_loss,
      m.train_accuracy,
      m.test_loss,
      m.test_accuracy,
      m.images_per_sec,
      m.learning_rate,
      m.worker,
      m.backend,
      m.recorded_at,
    ]),
  );
}

/**
 * am.csv: one row per am_results row (cell, AM protocol, AM slope, unit); the trace is a JSON array, images stay in
 * the HTML.
 */
export function amCsv(d: ReportData): string {
  return toCsv(
    [
      ...PARAM_HEADER,
      'am_protocol',
      'am_protocol_params',
      'am_backward_slope',
      'unit',
      'value',
      'initial_value',
      'steps',
      'start_grad_zero_fraction',
      'start_grad_l2',
      'input_shape',
      'trace',
    ],
    d.am.map((a) => [
      ...paramValues(d.cellById.get(a.cell_id)!),
      a.protocol,
      stableJson(a.protocol_params),
      a.am_backward_slope,
      a.unit,
      a.value,
      a.initial_value,
      a.steps,
      a.start_grad_zero_fraction,
      a.start_grad_l2,
      a.input_shape.join('x'),
      JSON.stringify(a.trace),
    ]),
  );
}
