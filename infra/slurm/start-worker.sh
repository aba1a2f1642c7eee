#!/bin/bash
# Starts `proxysweep worker --gpus <this node's GPUs>` on one node of a Slurm job (run by srun from
# proxysweep-worker.sbatch). The GPU list is the CUDA_VISIBLE_DEVICES Slurm gives the step (indices); where a
# site hands out UUIDs instead, the step's GPU count numbers them 0..n-1.
# PROXYSWEEP says how to run proxysweep: by default the checkout the job was submitted from
# (`node $SLURM_SUBMIT_DIR/bin/proxysweep.js`, after `npm ci` there), or e.g. the GPU image:
# PROXYSWEEP='apptainer exec --nv proxysweep-worker-gpu.sif proxysweep'.
set -euo pipefail

gpu_list() {
  local visible="${CUDA_VISIBLE_DEVICES:-}"
  if [[ "${visible}" =~ ^[0-9]+(,[0-9]+)*$ ]]; then
    echo "${visible}"
    return
  fi
  local count="${SLURM_GPUS_ON_NODE:-0}"
  if [[ "${count}" =~ ^[0-9]+$ && "${count}" -gt 0 ]]; then
    seq -s, 0 $((count - 1))
    return
  fi
  echo "start-worker: no GPUs in this job step (CUDA_VISIBLE_DEVICES='${visible}', SLURM_GPUS_ON_NODE='${SLURM_GPUS_ON_NODE:-}'); submit with --gres=gpu:N" >&2
  return 1
}

gpus="$(gpu_list)"
read -r -a proxysweep <<<"${PROXYSWEEP:-node ${SLURM_SUBMIT_DIR:-.}/bin/proxysweep.js}"
echo "start-worker: $(hostname) GPUs ${gpus}, task queue ${PROXYSWEEP_TASK_QUEUE:-proxysweep}"
# exec: srun's SIGTERM reaches the worker supervisor, which passes it to one worker process per GPU.
exec "${proxysweep[@]}" worker --gpus "${gpus}" --task-queue "${PROXYSWEEP_TASK_QUEUE:-proxysweep}" \
  --dataset-dir "${PROXYSWEEP_DATASET_DIR:-${SLURM_SUBMIT_DIR:-.}/.data}"
