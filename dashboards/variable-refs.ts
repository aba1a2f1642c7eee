/**
 * How panel SQL refers to the template variables. `:sqlstring` quotes and escapes every value (one or many)
 * itself, while the default format leaves single values unquoted (escaping differs by Grafana version). So
 * queries write `= ${SWEEP}` and `IN (${DATASETS})` and never quote by hand. CELLS (multi) and CELL (single) read
 * the same variable; two names keep each query's intent visible.
 */
export const SWEEP = '${sweep:sqlstring}';
export const DATASETS = '${dataset:sqlstring}';
export const CELLS = '${cell:sqlstring}';
export const CELL = '${cell:sqlstring}';
/** The chosen AM arms, by their full protocol keys. */
export const PROTOCOLS = '${protocol:sqlstring}';
