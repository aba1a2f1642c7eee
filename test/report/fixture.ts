import type { AmResultRow, CellRow, EpochMetricRow, SweepRow } from '../../services/db';
import { amImagePng } from '../../services/cells/am-image';
import { imageKey, type ReportData } from '../../services/report/data';
import { selectAmCells } from '../../services/report/am-selection';
import { meanStd } from '../../services/report/format';
import { groupBy } from '../../services/report/groups';
import type { SweepResults } from '../../services/sweeps/results';

export const XSS = '<script>alert(1)</script>';
export const XSS_ATTR = '"><img src=x onerror=alert(2)>';

const T0 = new Date('2025-03-01T10:00:00Z');

export const FIXTURE_PROTOCOL = 'ascent lr=0.1 steps=5 init=zeros norm=none jitter=0 blur=off';

/**
 * Report data built in memory (no database): two datasets × two arch/activation configs × two training slopes ×
 * two seeds, two AM slopes × three classes on 6×6 gray images, hostile text in every free-text field.
 */
export function fixtureData(opts: { maxAmCells?: number } = {}): ReportData {
  const sweep: SweepRow = {
    id: 'fixture-0123abcd',
    name: `fixture ${XSS}`,
    spec: {
      description: `A description with ${XSS} & "quotes"`,
      base: { epochs: 2, batchSize: 64 },
      grid: { dataset: ['alpha', 'beta'], arch: ['small-cnn', 'vgg'], backwardSlope: [0, 0.5], seed: [0, 1] },
      am: { backwardSlopes: [0, 1], steps: 5, units: 'all' },
      execution: { maxParallel: 2, taskQueue: 'tq' },
    },
    spec_hash: 'f'.repeat(64),
    status: 'failed',
    max_parallel: 2,
    task_queue: 'tq',
    total_cells: 16,
    workflow_id: 'sweep-fixture',
    error: `one cell failed: ${XSS}`,
    created_at: T0,
    updated_at: T0,
    started_at: T0,
    finished_at: new Date(T0.getTime() + 60_000),
  };
  const cells: CellRow[] = [];
  const epochs: (EpochMetricRow & { cell_key: string })[] = [];
  const am: (AmResultRow & { cell_key: string })[] = [];
  const images = new Map<string, Buffer>();
  let idx = 0;
  for (const dataset of ['alpha', 'beta'])
    for (const arch of ['small-cnn', 'vgg'])
      for (const backward_slope of [0, 0.5])
        for (const seed of [0, 1]) {
          const id = 100 + idx;
          const failed = idx === 3;
          const acc = 0.5 + 0.1 * backward_slope + 0.02 * seed + (dataset === 'beta' ? 0.2 : 0);
          const cell: CellRow = {
            id,
            sweep_id: sweep.id,
            cell_key: `key${String(idx).padStart(13, '0')}`,
            idx,
            params: { dataset, arch, backwardSlope: backward_slope, seed, note: 'a,"b"\nc' },
            dataset,
            arch,
            activation: 'proxy',
            forward_slope: 0,
            backward_slope,
            seed,
            status: failed ? 'failed' : 'succeeded',
            phase: null,
            attempts: failed ? 3 : 1,
            worker: idx === 1 ? XSS_ATTR : 'host-1',
            backend: 'wasm',
            epochs_total: 2,
            epochs_done: failed ? 1 : 2,
            test_accuracy: failed ? null : acc,
            test_loss: failed ? null : 1 - acc,
            error: failed ? `boom, "quoted"\nsecond line ${XSS}` : null,
            created_at: T0,
            updated_at: T0,
            started_at: T0,
            finished_at: T0,
          };
          cells.push(cell);
          for (let epoch = 1; epoch <= cell.epochs_done; epoch++) {
            epochs.push({
              cell_id: id,
              cell_key: cell.cell_key,
              epoch,
              train_loss: 1.5 / epoch,
              train_accuracy: acc - 0.1 / epoch,
              test_loss: 1.4 / epoch,
              test_accuracy: acc - 0.1 / epoch,
              images_per_sec: 1000,
              learning_rate: 0.01,
              worker: cell.worker,
              backend: 'wasm',
              recorded_at: T0,
            });
          }
          if (failed) {
            idx++;
            continue;
          }
          for (const amSlope of [0, 1])
            for (let unit = 0; unit < 3; unit++) {
              const input = Float32Array.from({ length: 36 }, (_, p) => Math.sin(p + unit + amSlope + idx));
              const png = amImagePng(input, [6, 6, 1]);
              am.push({
                cell_id: id,
                cell_key: cell.cell_key,
                protocol: FIXTURE_PROTOCOL,
                protocol_params: { optimizer: 'ascent', learningRate: 0.1, steps: 5 },
                am_backward_slope: amSlope,
                unit,
                value: 2 + amSlope + unit * 0.25 + seed * 0.1,
                initial_value: 0.1,
                steps: 5,
                trace: [0.1, 0.5, 1.25],
                input_shape: [6, 6, 1],
                image_png: Buffer.alloc(0),
                start_grad_zero_fraction: amSlope === 0 ? 0.75 : 0,
                start_grad_l2: 0.5 + amSlope,
              });
              images.set(imageKey(id, FIXTURE_PROTOCOL, amSlope, unit), png);
            }
          idx++;
        }
  const results = summarize(cells, am);
  const withAm = cells.filter((c) => am.some((a) => a.cell_id === c.id));
  const amSelection = selectAmCells(withAm, withAm.length, opts.maxAmCells);
  for (const key of [...images.keys()])
    if (!amSelection.cellIds.includes(Number(key.split('|')[0]))) images.delete(key);
  const counts = { pending: 0, running: 0, succeeded: 15, failed: 1, cancelled: 0 };
  return {
    sweep,
    counts,
    totals: { cells: cells.length, epochMetrics: epochs.length, amResults: am.length },
    configs: [
      ...new Map(cells.map((c) => [`${c.dataset}|${c.arch}|${c.activation}|${c.backward_slope}`, c])).values(),
    ].map((c) => ({ dataset: c.dataset, arch: c.arch, activation: c.activation, backward_slope: c.backward_slope })),
    cells,
    cellById: new Map(cells.map((c) => [c.id, c])),
    curves: { mode: 'cells', cells: cells.filter((c) => epochs.some((m) => m.cell_id === c.id)), epochs },
    am,
    results,
    amSelection,
    images,
  };
}

// What sweepResults computes in SQL, for data that never went through Postgres.
export function summarize(cells: CellRow[], am: AmResultRow[]): SweepResults {
  const cellOf = (id: number) => cells.find((c) => c.id === id)!;
  const accuracy: SweepResults['accuracy'] = [];
  for (const [, group] of groupBy(cells, (c) => JSON.stringify([c.dataset, c.arch, c.activation, c.backward_slope]))) {
    const c = group[0];
    const { mean, std, n } = meanStd(group.filter((o) => o.status === 'succeeded').map((o) => o.test_accuracy!));
    accuracy.push({
      dataset: c.dataset,
      arch: c.arch,
      activation: c.activation,
      forwardSlope: c.forward_slope,
      backwardSlope: c.backward_slope,
      n,
      mean,
      std,
    });
  }
  const amOut: SweepResults['am'] = [];
  const refSlope = (protocol: string) =>
    Math.min(...am.filter((a) => a.protocol === protocol).map((a) => a.am_backward_slope));
  const groups = groupBy(am, (a) => {
    const c = cellOf(a.cell_id);
    return JSON.stringify([c.dataset, c.arch, c.activation, c.backward_slope, a.protocol, a.am_backward_slope]);
  });
  for (const [, rows] of groups) {
    const c = cellOf(rows[0].cell_id);
    const ref = refSlope(rows[0].protocol);
    const refValue = (a: AmResultRow) =>
      am.find(
        (r) => r.cell_id === a.cell_id && r.protocol === a.protocol && r.unit === a.unit && r.am_backward_slope === ref,
      )?.value;
    const gains = [...groupBy(rows, (a) => String(a.cell_id)).values()].map(
      (list) => meanStd(list.map((a) => a.value)).mean / meanStd(list.map((a) => refValue(a)!)).mean,
    );
    const { mean, std, n } = meanStd(rows.map((a) => a.value));
    const g = meanStd(gains);
    amOut.push({
      dataset: c.dataset,
      arch: c.arch,
      activation: c.activation,
      forwardSlope: c.forward_slope,
      backwardSlope: c.backward_slope,
      protocol: rows[0].protocol,
      amBackwardSlope: rows[0].am_backward_slope,
      mean,
      std,
      max: Math.max(...rows.map((a) => a.value)),
      n,
      referenceSlope: ref,
      gainMean: g.mean,
      gainStd: g.n > 1 ? g.std : null,
      gainCells: g.n,
      wins: rows.filter((a) => a.value > refValue(a)!).length,
      pairs: rows.length,
      startZeroFraction: meanStd(rows.map((a) => a.start_grad_zero_fraction!)).mean,
      startGradL2: meanStd(rows.map((a) => a.start_grad_l2!)).mean,
    });
  }
  return { accuracy, am: amOut };
}
