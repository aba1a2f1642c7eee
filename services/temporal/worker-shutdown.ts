/**
 * How long a stopping worker may take, at the most. On SIGTERM it stops polling and cancels running training,
 * which saves a step-exact checkpoint; the SDK force-stops whatever is still running after this many seconds
 * (the `worker` command itself exits sooner, 15 s after the signal). Whatever stops workers (Kubernetes'
 * terminationGracePeriodSeconds, compose's stop_grace_period, the lead time of Slurm's --signal) must allow
 * longer, or SIGKILL lands before the checkpoint: test/deploy checks each of them against this bound.
 */
export const WORKER_SHUTDOWN_FORCE_SECONDS = 60;
