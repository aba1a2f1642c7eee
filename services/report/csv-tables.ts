/**
 * The report's CSV files, defined once as the SQL that produces them: PostgreSQL formats every row (COPY … CSV),
 * so a sweep with millions of rows is written in seconds with bounded memory. Every file repeats the cell's
 * parameters on each row, so each can be analysed alone. Times are ISO 8601 UTC, arrays JSON, shapes `HxWxC`.
 */

/** One CSV file: its name and the query whose columns, in order and by name, are the file's. */
export interface CsvTable {
  file: string;
  /** `sweepId` is inlined as a literal (COPY takes no parameters), already escaped. */
  sql(sweepLiteral: string): string;
}

const iso = (column: string, as: string) =>
  `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${as}`;

// The parameters every row repeats.
const CELL_PARAMS = `c.id AS cell_id, c.cell_key, c.dataset, c.arch, c.activation, c.forward_slope, c.backward_slope, c.seed`;

/** cells.csv: one row per cell, in grid order. */
export const CELLS_CSV: CsvTable = {
  file: 'cells.csv',
  sql: (sweep) => `
    SELECT c.sweep_id, c.idx, ${CELL_PARAMS}, c.status, c.phase, c.attempts, c.worker, c.backend, c.epochs_total,
           c.epochs_done, c.test_accuracy, c.test_loss, c.error, ${iso('c.created_at', 'created_at')},
           ${iso('c.started_at', 'started_at')}, ${iso('c.finished_at', 'finished_at')}, c.params::text AS params
    FROM cells c WHERE c.sweep_id = ${sweep} ORDER BY c.idx`,
};

/** epochs.csv: one row per epoch_metrics row (cell, epoch), in grid then epoch order. */
export const EPOCHS_CSV: CsvTable = {
  file: 'epochs.csv',
  sql: (sweep) => `
    SELECT ${CELL_PARAMS}, m.epoch, m.train_loss, m.train_accuracy, m.test_loss, m.test_accuracy, m.images_per_sec,
           m.learning_rate, m.worker, m.backend, ${iso('m.recorded_at', 'recorded_at')}
    FROM epoch_metrics m JOIN cells c ON c.id = m.cell_id WHERE c.sweep_id = ${sweep} ORDER BY c.idx, m.epoch`,
};

/**
 * am.csv: one row per am_results row (cell, AM protocol, AM slope, unit); the trace is a JSON array, images stay in
 * the HTML.
 */
export const AM_CSV: CsvTable = {
  file: 'am.csv',
  sql: (sweep) => `
    SELECT ${CELL_PARAMS}, a.protocol AS am_protocol, a.protocol_params::text AS am_protocol_params, a.am_backward_slope,
           a.unit, a.value, a.initial_value, a.steps, a.start_grad_zero_fraction, a.start_grad_l2,
           array_to_string(a.input_shape, 'x') AS input_shape, to_json(a.trace)::text AS trace
    FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = ${sweep}
    ORDER BY c.idx, a.protocol, a.am_backward_slope, a.unit`,
};

export const CSV_TABLES = [CELLS_CSV, EPOCHS_CSV, AM_CSV] as const;
