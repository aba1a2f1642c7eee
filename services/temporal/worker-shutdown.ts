/**
 * How long a stopping worker may take. On SIGTERM it stops polling and cancels running training, which saves a
 * step-exact checkpoint; the SDK force-stops whatever is still running after this many seconds. Whatever stops
 * workers (Kubernetes' terminationGracePeriodSeconds, compose's stop_grace_period, the lead time of Slurm's
 * --signal) must allow longer, or SIGKILL lands before the checkpoint: test/deploy checks each of them.
 */
export const WORKER_SHUTDOWN_FORCE_SECONDS = 60;
