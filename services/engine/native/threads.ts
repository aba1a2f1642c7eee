import { availableParallelism } from 'node:os';

/**
 * libtensorflow's thread pools for one of `processes` worker processes sharing this machine's cores:
 * TF_NUM_INTRAOP_THREADS = cores / processes (at least 1) and TF_NUM_INTEROP_THREADS = 1 (eager ops run one
 * at a time). Without them every process sizes its pools to all cores and N processes oversubscribe the machine.
 * Variables already set in `env` win. Read by libtensorflow when the backend starts, so set them before.
 */
export function nativeThreadEnv(
  processes: number,
  cores = availableParallelism(),
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (env.TF_NUM_INTRAOP_THREADS === undefined) {
    out.TF_NUM_INTRAOP_THREADS = String(Math.max(1, Math.floor(cores / Math.max(1, processes))));
  }
  if (env.TF_NUM_INTEROP_THREADS === undefined) out.TF_NUM_INTEROP_THREADS = '1';
  return out;
}
