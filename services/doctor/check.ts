/** One line of `proxysweep doctor`: what was checked on this node, what was found, and how to fix it. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

export interface CheckResult {
  /** Stable id, e.g. `postgres.schema` (scripts read `--json` by it). */
  name: string;
  /** `warn`: does not apply to this node or only slows it down; `fail`: the node is not ready. */
  status: CheckStatus;
  /** What was found, one line. */
  detail: string;
  /** The command or setting that fixes it (warn and fail only). */
  fix?: string;
  /** Facts for `--json` (versions, counts). */
  data?: Record<string, unknown>;
}

export const pass = (name: string, detail: string, data?: Record<string, unknown>): CheckResult => ({
  name,
  status: 'pass',
  detail,
  data,
});

export const warn = (name: string, detail: string, fix?: string, data?: Record<string, unknown>): CheckResult => ({
  name,
  status: 'warn',
  detail,
  fix,
  data,
});

export const fail = (name: string, detail: string, fix?: string, data?: Record<string, unknown>): CheckResult => ({
  name,
  status: 'fail',
  detail,
  fix,
  data,
});

/** The first line of an error's message (messages may carry stacks or gRPC detail). */
export function firstLine(err: unknown): string {
  return ((err as Error)?.message ?? String(err)).split('\n')[0];
}
