import { dedent } from './pg-query';
import { DATASETS, PROTOCOLS, SWEEP } from './variable-refs';

/**
 * SQL fragments several panels share, so a label or a rule reads the same on every panel (and the same as the
 * CLI's results table and the HTML report, which compute them in TypeScript).
 */

/**
 * The training arm of a cell as `trainingArmLabel` writes it: `relu`, `leaky 0.1` (one slope, both passes),
 * `proxy 0→0.3` (forward→backward). PostgreSQL prints float8 in shortest form, as JavaScript does. `c` is any
 * relation with the cells' activation, forward_slope and backward_slope columns.
 */
export const trainingArm = (c = 'c') =>
  `CASE ${c}.activation WHEN 'relu' THEN 'relu' WHEN 'leaky' THEN 'leaky ' || ${c}.backward_slope ` +
  `ELSE ${c}.activation || ' ' || ${c}.forward_slope || '→' || ${c}.backward_slope END`;

/** A trained-net family, seeds pooled: `dataset · arch · training arm`. */
export const trainedNet = (c = 'c') => `${c}.dataset || ' · ' || ${c}.arch || ' · ' || ${trainingArm(c)}`;

/** A training arm without its backward slope, for lines drawn against that slope: `relu`, `leaky`, `proxy 0→b`. */
export const trainingArmFamily = (c = 'c') =>
  `CASE ${c}.activation WHEN 'relu' THEN 'relu' WHEN 'leaky' THEN 'leaky' ` +
  `ELSE ${c}.activation || ' ' || ${c}.forward_slope || '→b' END`;

/** How rows of training arms are ordered everywhere (as the CLI's results table orders them). */
export const TRAINING_ARM_ORDER = (c = 'c') => `${c}.activation, ${c}.backward_slope, ${c}.forward_slope`;

/**
 * The chosen protocols as a text array. `= ANY (ARRAY[…])` rather than `IN (…)`: a sweep without AM results has
 * no protocol to choose, and `ARRAY[]::text[]` is valid SQL (no rows) where `IN ()` is a syntax error.
 */
export const CHOSEN_PROTOCOLS = `ARRAY[${PROTOCOLS}]::text[]`;

/** AM rows `a` of the chosen sweep, datasets and AM arms, joined with their cell `c`. */
export const CHOSEN_AM_ROWS = `c.sweep_id = ${SWEEP} AND c.dataset IN (${DATASETS}) AND a.protocol = ANY (${CHOSEN_PROTOCOLS})`;

/**
 * CTE `am_arms(protocol, arm)`: each AM protocol of the sweep with the short label `shortArmLabels` gives it,
 * i.e. only the words of the key (`ascent lr=0.1 steps=200 …`) that differ between the sweep's protocols, or
 * the first two (`ascent lr=0.1`) when there is one. Labels depend on the whole sweep, never on what a
 * variable selects, so a line keeps its name when the selection changes.
 */
export const AM_ARMS_CTE = `
  am_protocols AS (
    SELECT DISTINCT a.protocol FROM am_results a JOIN cells c ON c.id = a.cell_id WHERE c.sweep_id = ${SWEEP}
  ), am_protocol_words AS (
    SELECT p.protocol, w.word, w.i
    FROM am_protocols p, unnest(string_to_array(p.protocol, ' ')) WITH ORDINALITY AS w(word, i)
  ), am_varying_words AS (
    -- A position varies when the protocols disagree there or one of them is shorter.
    SELECT i FROM am_protocol_words GROUP BY i
    HAVING count(DISTINCT word) > 1 OR count(*) < (SELECT count(*) FROM am_protocols)
  ), am_arms AS (
    SELECT protocol, string_agg(word, ' ' ORDER BY i) AS arm
    FROM am_protocol_words
    WHERE word <> ''
      AND (i IN (SELECT i FROM am_varying_words) OR (NOT EXISTS (SELECT 1 FROM am_varying_words) AND i <= 2))
    GROUP BY protocol
  )`;

/** `WITH <ctes> <query>`, each part written indented in its own template literal and laid out flush. */
export const withCtes = (ctes: string[], query: string) => `WITH ${ctes.map(dedent).join(',\n')}\n${dedent(query)}`;
