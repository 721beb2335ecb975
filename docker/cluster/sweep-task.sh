#!/usr/bin/env bash
# One task of the paper sweep: task index -> (seed, regime config) -> `collapse run`.
# Slurm (slurm-sweep.sh) and Kubernetes (k8s-job.yaml) both call this with their task index,
# so the two schedulers map indices to runs the same way. Each run gets a fixed directory
# under the sweep directory; a restarted task runs the same command on the same directory,
# and `collapse run` resumes a run directory that exists.
#
#   sweep-task.sh INDEX        (INDEX defaults to $JOB_COMPLETION_INDEX)
#
# Environment:
#   COLLAPSE_REPO       repository root (configs are relative to it); default: this script's ../..
#   COLLAPSE_LAUNCHER   the collapse command; default: $COLLAPSE_REPO/collapse
#   COLLAPSE_SWEEP_DIR  where the run directories go; default: $COLLAPSE_REPO/checkpoints/paper-sweep
#   COLLAPSE_SEEDS      seeds, space separated; default: "0 1 2 3 4"
#   COLLAPSE_CONFIGS    regime configs relative to the repo, space separated;
#                       default: the paper's no-data and 10%-data regimes
#   COLLAPSE_RUN_ARGS   extra arguments for `collapse run`, e.g. "--set train.batch_size=16"
#   COLLAPSE_DRY_RUN=1  print the command instead of running it, and write nothing
#
# Index i runs seed SEEDS[i % nseeds] on CONFIGS[i / nseeds]: with the defaults, 0-4 are the
# no-data regime with seeds 0-4 and 5-9 the 10%-data regime. Tests source this file and call
# the functions below.
set -euo pipefail

sweep_repo() {
  if [ -n "${COLLAPSE_REPO:-}" ]; then
    printf '%s\n' "$COLLAPSE_REPO"
  else
    (cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  fi
}

sweep_seeds() {
  printf '%s\n' "${COLLAPSE_SEEDS:-0 1 2 3 4}"
}

sweep_configs() {
  printf '%s\n' "${COLLAPSE_CONFIGS:-configs/paper-5ep-no-data.json configs/paper-10ep-10pct.json}"
}

# Number of tasks in the sweep: seeds x configs.
sweep_size() {
  local -a seeds configs
  read -r -a seeds <<<"$(sweep_seeds)"
  read -r -a configs <<<"$(sweep_configs)"
  echo $((${#seeds[@]} * ${#configs[@]}))
}

# Validates an index and prints it back.
sweep_index() {
  local index="$1" size
  size="$(sweep_size)"
  if ! [[ "$index" =~ ^[0-9]+$ ]] || [ "$index" -ge "$size" ]; then
    echo "sweep-task: task index '$index' is not in 0..$((size - 1)) (seeds: $(sweep_seeds); configs: $(sweep_configs))" >&2
    return 1
  fi
  echo "$((10#$index))"
}

task_seed() {
  local -a seeds
  local index
  index="$(sweep_index "$1")" || return 1
  read -r -a seeds <<<"$(sweep_seeds)"
  echo "${seeds[index % ${#seeds[@]}]}"
}

task_config() {
  local -a seeds configs
  local index
  index="$(sweep_index "$1")" || return 1
  read -r -a seeds <<<"$(sweep_seeds)"
  read -r -a configs <<<"$(sweep_configs)"
  echo "${configs[index / ${#seeds[@]}]}"
}

# Run name: the config's file name without .json, then the seed: paper-5ep-no-data-seed3.
task_name() {
  local config seed
  config="$(task_config "$1")" || return 1
  seed="$(task_seed "$1")"
  local base="${config##*/}"
  echo "${base%.json}-seed$seed"
}

sweep_dir() {
  printf '%s\n' "${COLLAPSE_SWEEP_DIR:-$(sweep_repo)/checkpoints/paper-sweep}"
}

task_run_dir() {
  local name
  name="$(task_name "$1")" || return 1
  echo "$(sweep_dir)/$name"
}

# The sweep's index for reports (run-directory contract: sweep.json lists the runs).
# Every task writes the same content; temp file + rename keeps a concurrent reader safe.
write_sweep_json() {
  local dir size i tmp sep=""
  dir="$(sweep_dir)"
  size="$(sweep_size)"
  mkdir -p -- "$dir"
  tmp="$(mktemp -p "$dir" .sweep.json.XXXXXX)"
  {
    printf '{"runs": ['
    for ((i = 0; i < size; i++)); do
      printf '%s"%s"' "$sep" "$(task_name "$i")"
      sep=", "
    done
    printf ']}\n'
  } >"$tmp"
  mv -f -- "$tmp" "$dir/sweep.json"
}

# The command for one task, one argument per line.
task_command() {
  local index="$1" repo config seed run_dir
  local -a launcher extra
  sweep_index "$index" >/dev/null || return 1
  repo="$(sweep_repo)"
  config="$(task_config "$index")"
  seed="$(task_seed "$index")"
  run_dir="$(task_run_dir "$index")"
  read -r -a launcher <<<"${COLLAPSE_LAUNCHER:-$repo/collapse}"
  read -r -a extra <<<"${COLLAPSE_RUN_ARGS:-}"
  case "$config" in
    /*) ;;
    *) config="$repo/$config" ;;
  esac
  printf '%s\n' "${launcher[@]}" run "$config" --seed "$seed" --run-dir "$run_dir" ${extra[@]+"${extra[@]}"}
}

main() {
  local index="${1:-${JOB_COMPLETION_INDEX:-}}"
  local -a cmd
  if [ -z "$index" ]; then
    echo "usage: sweep-task.sh INDEX (or set JOB_COMPLETION_INDEX)" >&2
    return 2
  fi
  mapfile -t cmd < <(task_command "$index")
  [ "${#cmd[@]}" -gt 0 ] || return 1
  echo "sweep-task: task $index -> seed $(task_seed "$index"), $(task_config "$index"), run dir $(task_run_dir "$index")" >&2
  if [ "${COLLAPSE_DRY_RUN:-0}" = 1 ]; then
    printf '%q' "${cmd[0]}"
    printf ' %q' "${cmd[@]:1}"
    echo
    return 0
  fi
  write_sweep_json
  # exec: the scheduler's signals reach the JVM itself.
  exec "${cmd[@]}"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  main "$@"
fi
