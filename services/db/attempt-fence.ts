/**
 * Fencing for training writes. Every training attempt of a cell takes a number (`cells.attempts`, raised by
 * `markCellStarted`); a write carrying an older number comes from an attempt the server has given up on (a
 * partitioned or frozen worker whose heartbeats stopped) and is refused, however late it arrives.
 *
 * `currentAttemptSql('$1', '$9')` is a condition on the cell id and attempt parameters: true when the
 * attempt is the cell's latest, or when no attempt is given (writers outside a training attempt).
 */
export function currentAttemptSql(cellIdParam: string, attemptParam: string): string {
  return `(${attemptParam}::int IS NULL OR EXISTS (SELECT 1 FROM cells WHERE id = ${cellIdParam} AND attempts = ${attemptParam}::int))`;
}
