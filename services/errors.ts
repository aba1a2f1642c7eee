/**
 * The one error hierarchy of proxysweep. The CLI entry is the only place that turns these into exit codes:
 * a {@link UserError} is something the user can fix (bad spec, missing file, unknown id) and exits 2 with
 * one line naming the problem and the fix (a spec with several mistakes: one line per problem); anything else is
 * a bug and exits 1.
 */
export class ProxysweepError extends Error {
  readonly exitCode: number = 1;
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A problem the user can fix. `message` is one line: what is wrong and how to fix it. Exit code 2. */
export class UserError extends ProxysweepError {
  override readonly exitCode: number = 2;
}

/**
 * A sweep spec (or engine option) failed validation; `path` names the (first) offending field. A spec with
 * several mistakes gets one SpecError whose message lists every problem, one line each, and `problems` holds
 * them one by one.
 */
export class SpecError extends UserError {
  readonly problems: { path: string; message: string }[];
  constructor(
    message: string,
    readonly path: string = '',
    problems?: { path: string; message: string }[],
  ) {
    super(message);
    this.problems = problems ?? [{ path, message }];
  }
}

/** A dataset's files are missing or corrupt; the message names the directory and the fetch command. */
export class DatasetError extends UserError {}

/** An id (sweep, cell) that does not exist. */
export class NotFoundError extends UserError {}

/** A required external service (Postgres, Temporal, Grafana) could not be reached or refused us. */
export class ServiceError extends UserError {}

/** Raised by code that was told to stop (AbortSignal); not a failure. */
export class CancelledError extends ProxysweepError {
  constructor(message = 'cancelled') {
    super(message);
  }
}

/**
 * A write from a training attempt the server has given up on (its heartbeats stopped reaching Temporal, so a
 * newer attempt took over) was refused. Not a failure of the cell: the attempt stops, its work is dropped.
 */
export class AttemptSupersededError extends ProxysweepError {}

/** True for errors a user caused and can fix: they are not worth retrying. */
export function isUserError(err: unknown): err is UserError {
  return err instanceof UserError;
}
