#!/usr/bin/env bash
# The paper sweep as a Slurm job array: one task per (seed x regime), 5 seeds x 2 regimes.
# Submit from the repository root (a checkout on a shared filesystem, jar built):
#
#   sbatch docker/cluster/slurm-sweep.sh
#   COLLAPSE_SEEDS="0 1 2" sbatch --array=0-5 docker/cluster/slurm-sweep.sh   # fewer seeds
#
# The task index -> (seed, config, run dir) mapping lives in sweep-task.sh (shared with the
# Kubernetes job). Runs go to $COLLAPSE_SWEEP_DIR (default checkpoints/paper-sweep/), one
# directory per task, so a requeued task resumes its own run.
#
# Preemption and time limits: Slurm sends USR1 to this script 120 s before the limit
# (--signal=B:USR1@120); the script passes SIGTERM on to the JVM, waits for it to exit and
# requeues the task (--requeue). Run state is written atomically, so whatever the JVM
# completed is kept, and the requeued task's `collapse run` resumes from it.
#
# GPU libraries: point the launcher at a CUDA libtorch, e.g. in the submitting shell
#   export PYTORCH_LIBRARY_PATH=/opt/libtorch/lib PYTORCH_VERSION=2.7.1 PYTORCH_FLAVOR=cu128
# or run the container: COLLAPSE_LAUNCHER="apptainer exec --nv collapse.sif /app/entrypoint.sh".
#
#SBATCH --job-name=collapse-sweep
#SBATCH --array=0-9
#SBATCH --gres=gpu:1
#SBATCH --cpus-per-task=8
#SBATCH --mem=32G
#SBATCH --time=24:00:00
#SBATCH --requeue
#SBATCH --signal=B:USR1@120
#SBATCH --open-mode=append
#SBATCH --output=slurm-%A_%a.out
set -euo pipefail

# sbatch runs a copy of this file from its spool directory: find the repository by the submit dir.
repo="${COLLAPSE_REPO:-${SLURM_SUBMIT_DIR:-$PWD}}"
export COLLAPSE_REPO="$repo"
: "${SLURM_ARRAY_TASK_ID:?not running as a Slurm array task (submit with sbatch --array)}"

requeue=0
child=""
# shellcheck disable=SC2317  # called by the trap below
on_usr1() {
  echo "slurm-sweep: USR1 (time limit near): stopping task $SLURM_ARRAY_TASK_ID to requeue it" >&2
  requeue=1
  if [ -n "$child" ]; then
    kill -TERM "$child" 2>/dev/null || true
  fi
}
trap on_usr1 USR1

# In the background so the shell can take USR1 while the JVM runs (bash defers traps while a
# foreground child runs).
"$repo/docker/cluster/sweep-task.sh" "$SLURM_ARRAY_TASK_ID" &
child=$!
status=0
# `wait` returns early when a trap fires; wait again until the child has really exited.
while :; do
  status=0
  wait "$child" || status=$?
  kill -0 "$child" 2>/dev/null || break
done

if [ "$requeue" = 1 ]; then
  echo "slurm-sweep: requeueing job $SLURM_JOB_ID (task $SLURM_ARRAY_TASK_ID, exit $status)" >&2
  scontrol requeue "$SLURM_JOB_ID"
  exit 0
fi
exit "$status"
