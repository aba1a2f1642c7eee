import { insertCells, insertSweep, upsertAmResult, type Queryable } from '../../services/db';
import { amImagePng } from '../../services/cells/am-image';

/**
 * A sweep written straight into PostgreSQL with AM values chosen by hand, for checking the paired-gain
 * numbers against values worked out on paper. Two AM protocols with different reference slopes (ascent: 0,
 * adam: 0.1) that share the slope 0.5 on the same cells and classes; a ReLU cell whose reference mean is negative;
 * a cell missing one class at the reference slope; a dataset (beta) where the adam arm lacks its reference slope.
 */
export const KNOWN_SWEEP = 'dash-known-0000';
export const ASCENT = 'ascent lr=0.1 steps=5 init=zeros norm=none jitter=0 blur=off';
export const ADAM = 'adam lr=0.05 steps=5 init=zeros norm=none jitter=0 blur=off';

interface KnownCell {
  key: string;
  dataset: string;
  activation: 'relu' | 'proxy';
  seed: number;
  /** protocol → AM slope → value per class (null: no row for that class). */
  am: Record<string, Record<number, (number | null)[]>>;
}

const CELLS: KnownCell[] = [
  {
    key: 'known-a0',
    dataset: 'alpha',
    activation: 'proxy',
    seed: 0,
    am: { [ASCENT]: { 0: [2, 4], 0.1: [2.5, 4], 0.5: [3, 3] }, [ADAM]: { 0.1: [10, 10], 0.5: [5, 25] } },
  },
  {
    key: 'known-a1',
    dataset: 'alpha',
    activation: 'proxy',
    seed: 1,
    am: { [ASCENT]: { 0: [1, 1], 0.5: [2, 1.5] }, [ADAM]: { 0.1: [4, null], 0.5: [6, 100] } },
  },
  { key: 'known-r0', dataset: 'alpha', activation: 'relu', seed: 0, am: { [ASCENT]: { 0: [-1, 0.5], 0.5: [0, 1] } } },
  {
    key: 'known-b0',
    dataset: 'beta',
    activation: 'proxy',
    seed: 0,
    am: { [ASCENT]: { 0: [2, 2], 0.5: [4, 1] }, [ADAM]: { 0.5: [1, 1], 1: [2, 2] } },
  },
];

/** Inserts the sweep (created long ago, so dashboards still open on the newest real sweep). */
export async function insertKnownAmSweep(q: Queryable): Promise<void> {
  await insertSweep(q, {
    id: KNOWN_SWEEP,
    name: 'dash-known',
    spec: {},
    spec_hash: '0'.repeat(64),
    max_parallel: 1,
    task_queue: 'tq-known',
    total_cells: CELLS.length,
    workflow_id: `sweep-${KNOWN_SWEEP}`,
  });
  await q.query(`UPDATE sweeps SET created_at = '2020-01-01T00:00:00Z', status = 'succeeded' WHERE id = $1`, [
    KNOWN_SWEEP,
  ]);
  await insertCells(
    q,
    KNOWN_SWEEP,
    CELLS.map((c, idx) => ({
      cell_key: c.key,
      idx,
      params: {},
      dataset: c.dataset,
      arch: 'small-cnn',
      activation: c.activation,
      forward_slope: 0,
      backward_slope: c.activation === 'relu' ? 0 : 0.5,
      seed: c.seed,
      epochs_total: 1,
    })),
  );
  const ids = await q.query<{ id: string; cell_key: string }>('SELECT id, cell_key FROM cells WHERE sweep_id = $1', [
    KNOWN_SWEEP,
  ]);
  const idOf = new Map(ids.rows.map((r) => [r.cell_key, Number(r.id)]));
  const image = amImagePng(new Float32Array(4), [2, 2, 1]);
  for (const c of CELLS) {
    for (const [protocol, bySlope] of Object.entries(c.am)) {
      for (const [slope, values] of Object.entries(bySlope)) {
        for (const [unit, value] of values.entries()) {
          if (value === null) continue;
          await upsertAmResult(q, {
            cell_id: idOf.get(c.key)!,
            protocol,
            protocol_params: { optimizer: protocol.split(' ')[0] },
            am_backward_slope: Number(slope),
            unit,
            value,
            initial_value: 0,
            steps: 5,
            trace: [0, value],
            input_shape: [2, 2, 1],
            image_png: image,
            start_grad_zero_fraction: Number(slope) === 0 ? 0.5 : 0,
            start_grad_l2: 1,
          });
        }
      }
    }
  }
}
