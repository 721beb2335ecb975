#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Checks for docker/ that need no Docker engine and no GPU: lints the Dockerfile and the shell
# scripts, runs the entrypoint and the sweep scripts against fake java / launcher / scontrol
# programs and asserts what they were given, and checks the compose and Kubernetes files.
#
#   bash docker/test/run-tests.sh
#
# Installs nothing. Needs: bash, shellcheck (Debian: shellcheck), dockerfile-utils (npm:
# dockerfile-utils) and python3 with PyYAML (Debian: python3-yaml). Exits 2 naming the missing
# tool, 1 if a check fails, 0 if all pass.
set -uo pipefail

docker_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
repo="$(cd "$docker_dir/.." && pwd)"
entrypoint="$docker_dir/entrypoint.sh"
sweep_task="$docker_dir/cluster/sweep-task.sh"
slurm="$docker_dir/cluster/slurm-sweep.sh"
shell_scripts=("$entrypoint" "$sweep_task" "$slurm" "$docker_dir/test/run-tests.sh")

# ---- tools -------------------------------------------------------------------------------------
missing=()
command -v shellcheck >/dev/null || missing+=("shellcheck (apt-get install shellcheck)")
command -v dockerfile-utils >/dev/null || missing+=("dockerfile-utils (npm install -g dockerfile-utils)")
python=""
for candidate in python3 /usr/bin/python3; do
  if command -v "$candidate" >/dev/null && "$candidate" -c 'import yaml' 2>/dev/null; then
    python="$candidate"
    break
  fi
done
[ -n "$python" ] || missing+=("python3 with PyYAML (apt-get install python3-yaml)")
if [ "${#missing[@]}" -gt 0 ]; then
  printf 'docker tests: missing tool: %s\n' "${missing[@]}" >&2
  exit 2
fi

# ---- harness -----------------------------------------------------------------------------------
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

pass() {
  passed=$((passed + 1))
  echo "ok   $1"
}

fail() {
  failed=$((failed + 1))
  echo "FAIL $1"
  shift
  [ "$#" -eq 0 ] || printf '     %s\n' "$@"
}

# expect_eq NAME EXPECTED ACTUAL
expect_eq() {
  if [ "$2" = "$3" ]; then
    pass "$1"
  else
    fail "$1" "expected: $(printf '%q' "$2")" "actual:   $(printf '%q' "$3")"
  fi
}

# expect_contains NAME HAYSTACK NEEDLE
expect_contains() {
  case "$2" in
    *"$3"*) pass "$1" ;;
    *) fail "$1" "expected to contain: $3" "actual: $2" ;;
  esac
}

# Waits (bounded) for a file another process writes.
wait_for_file() {
  local i
  for ((i = 0; i < 200; i++)); do
    [ -e "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# ---- 1. lint -----------------------------------------------------------------------------------
for script in "${shell_scripts[@]}"; do
  name="${script#"$repo"/}"
  if out="$(bash -n "$script" 2>&1)"; then pass "bash -n $name"; else fail "bash -n $name" "$out"; fi
  if out="$(shellcheck -x "$script" 2>&1)"; then pass "shellcheck $name"; else fail "shellcheck $name" "$out"; fi
done
if out="$(dockerfile-utils lint "$docker_dir/Dockerfile" 2>&1)"; then
  pass "dockerfile-utils lint docker/Dockerfile"
else
  fail "dockerfile-utils lint docker/Dockerfile" "$out"
fi

# ---- 2. Dockerfile facts the scripts rely on -----------------------------------------------------
dockerfile="$(cat "$docker_dir/Dockerfile")"
# Every COPY from the build context names a path that exists in the repository.
while read -r src; do
  if [ -e "$repo/$src" ]; then pass "Dockerfile COPY source exists: $src"; else fail "Dockerfile COPY source exists: $src"; fi
done < <(grep -E '^COPY ' "$docker_dir/Dockerfile" | grep -v -- '--from=' | awk '{print $2}')
expect_contains "Dockerfile drops the CPU native jar" "$dockerfile" "rm pipeline/target/lib/pytorch-native-cpu-*.jar"
expect_contains "Dockerfile ships libtorch where PYTORCH_LIBRARY_PATH points" "$dockerfile" "COPY --from=libtorch /opt/libtorch /opt/libtorch"
expect_contains "Dockerfile sets PYTORCH_LIBRARY_PATH" "$dockerfile" "PYTORCH_LIBRARY_PATH=/opt/libtorch/lib"
expect_contains "Dockerfile copies the entrypoint it names" "$dockerfile" "COPY docker/entrypoint.sh /app/docker/entrypoint.sh"
expect_contains "Dockerfile entrypoint" "$dockerfile" 'ENTRYPOINT ["/app/docker/entrypoint.sh"]'
expect_contains "Dockerfile copies the sweep task the Kubernetes job runs" "$dockerfile" "COPY docker/cluster/sweep-task.sh /app/docker/cluster/sweep-task.sh"
expect_contains "Dockerfile volumes" "$dockerfile" 'VOLUME ["/runs", "/cache"]'
expect_eq "Dockerfile runs as the non-root user" "USER collapse" "$(grep -E '^USER ' "$docker_dir/Dockerfile" | tail -n 1)"

# ---- 3. entrypoint -----------------------------------------------------------------------------
fake_java="$work/fake-java"
cat >"$fake_java" <<'EOF'
#!/usr/bin/env bash
# Prints how it was called: its pid, each argument, the cache environment.
echo "pid:$$"
for a in "$@"; do echo "arg:$a"; done
echo "env:HF_HOME=$HF_HOME"
echo "env:DJL_CACHE_DIR=$DJL_CACHE_DIR"
echo "env:ENGINE_CACHE_DIR=$ENGINE_CACHE_DIR"
EOF
chmod +x "$fake_java"
app="$work/app"
mkdir -p "$app"
touch "$app/collapse.jar"

# entrypoint_cmd RUN_ROOT CACHE [ARGS...]: sets cmd to the entrypoint with the fake java in a
# clean environment plus EXTRA_ENV. A command array, not a function, so `"${cmd[@]}" &` gives the
# pid of the process itself.
entrypoint_cmd() {
  local run_root="$1" cache="$2"
  shift 2
  cmd=(env -i PATH="$PATH" HOME="$work/home"
    COLLAPSE_JAVA="$fake_java" COLLAPSE_REPO="$app" COLLAPSE_RUN_ROOT="$run_root" COLLAPSE_CACHE="$cache"
    ${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"} bash "$entrypoint" "$@")
}

run_entrypoint() {
  entrypoint_cmd "$@"
  "${cmd[@]}"
}
mkdir -p "$work/home"

EXTRA_ENV=()
out="$(run_entrypoint "$work/runs" "$work/cache" 2>&1)"
expect_eq "entrypoint: no arguments runs info with the default JVM flags" \
  "arg:-XX:MaxRAMPercentage=75.0
arg:-Dcollapse.repo=$app
arg:-Dcollapse.run.root=$work/runs
arg:-Dcollapse.cache=$work/cache
arg:-jar
arg:$app/collapse.jar
arg:info" "$(grep '^arg:' <<<"$out")"
expect_eq "entrypoint: caches under COLLAPSE_CACHE" \
  "env:HF_HOME=$work/cache/huggingface
env:DJL_CACHE_DIR=$work/cache/djl
env:ENGINE_CACHE_DIR=$work/cache/djl" "$(grep '^env:' <<<"$out")"
if [ -d "$work/runs" ] && [ -d "$work/cache" ]; then pass "entrypoint: creates missing run root and cache"; else fail "entrypoint: creates missing run root and cache"; fi

EXTRA_ENV=(JAVA_OPTS="-Xmx2g -Dai.djl.offline=false" HF_HOME="$work/hf")
out="$(run_entrypoint "$work/runs" "$work/cache" run configs/paper-5ep-no-data.json --set "data.note=a b" 2>&1)"
expect_eq "entrypoint: JAVA_OPTS split into flags, arguments passed unchanged" \
  "arg:-Xmx2g
arg:-Dai.djl.offline=false
arg:-Dcollapse.repo=$app
arg:-Dcollapse.run.root=$work/runs
arg:-Dcollapse.cache=$work/cache
arg:-jar
arg:$app/collapse.jar
arg:run
arg:configs/paper-5ep-no-data.json
arg:--set
arg:data.note=a b" "$(grep '^arg:' <<<"$out")"
expect_eq "entrypoint: keeps a user's HF_HOME" "env:HF_HOME=$work/hf" "$(grep '^env:HF_HOME' <<<"$out")"

EXTRA_ENV=()
entrypoint_cmd "$work/runs" "$work/cache" info
"${cmd[@]}" >"$work/exec.out" 2>&1 &
launched=$!
wait "$launched"
expect_eq "entrypoint: execs java (same pid, so signals reach the JVM)" "pid:$launched" "$(grep '^pid:' "$work/exec.out")"

touch "$work/not-a-dir"
out="$(run_entrypoint "$work/not-a-dir/runs" "$work/cache" info 2>&1)"
rc=$?
expect_eq "entrypoint: unusable run root exits 1" "1" "$rc"
expect_contains "entrypoint: unusable run root is named" "$out" "run root (COLLAPSE_RUN_ROOT) $work/not-a-dir/runs cannot be created"
expect_eq "entrypoint: unusable run root does not start java" "" "$(grep '^arg:' <<<"$out")"

if [ "$(id -u)" != 0 ]; then
  # Root writes through permission bits, so this case only exists for other users.
  mkdir -p "$work/readonly"
  chmod 555 "$work/readonly"
  out="$(run_entrypoint "$work/readonly" "$work/cache" info 2>&1)"
  rc=$?
  expect_eq "entrypoint: read-only run root exits 1" "1" "$rc"
  expect_contains "entrypoint: read-only run root is named" "$out" "run root (COLLAPSE_RUN_ROOT) $work/readonly is not writable"
fi

out="$(run_entrypoint "$work/runs" "$work/not-a-dir/cache" info 2>&1)"
rc=$?
expect_eq "entrypoint: unusable cache exits 1" "1" "$rc"
expect_contains "entrypoint: unusable cache is named" "$out" "cache (COLLAPSE_CACHE) $work/not-a-dir/cache cannot be created"

EXTRA_ENV=(COLLAPSE_JAR="$work/missing.jar")
out="$(run_entrypoint "$work/runs" "$work/cache" info 2>&1)"
rc=$?
expect_eq "entrypoint: missing jar exits 1" "1" "$rc"
expect_contains "entrypoint: missing jar is named" "$out" "jar $work/missing.jar not found"

EXTRA_ENV=(PYTORCH_LIBRARY_PATH="$work/no-libtorch")
out="$(run_entrypoint "$work/runs" "$work/cache" info 2>&1)"
rc=$?
expect_eq "entrypoint: missing libtorch dir exits 1" "1" "$rc"
expect_contains "entrypoint: missing libtorch dir is named" "$out" "PYTORCH_LIBRARY_PATH=$work/no-libtorch is not a directory"
EXTRA_ENV=()

# ---- 4. sweep task: index -> (seed, config, run dir) -------------------------------------------------
# sweep_query VAR=VALUE... -- SCRIPT: runs SCRIPT in bash with sweep-task.sh sourced, in a clean
# environment holding only the given variables.
sweep_query() {
  local -a vars=()
  while [ "$1" != "--" ]; do
    vars+=("$1")
    shift
  done
  env -i PATH="$PATH" ${vars[@]+"${vars[@]}"} bash -c "source \"\$1\"; $2" _ "$sweep_task"
}

# shellcheck disable=SC2016  # the quoted script expands in the shell that sourced sweep-task.sh
mapping="$(sweep_query COLLAPSE_REPO=/r -- '
  echo "size $(sweep_size)"
  for i in 0 1 2 3 4 5 6 7 8 9; do
    echo "$i $(task_seed "$i") $(task_config "$i") $(task_run_dir "$i")"
  done' 2>&1)"
expect_eq "sweep-task: 10 tasks = 5 seeds x 2 regimes, seed-major within a regime" \
  "size 10
0 0 configs/paper-5ep-no-data.json /r/checkpoints/paper-sweep/paper-5ep-no-data-seed0
1 1 configs/paper-5ep-no-data.json /r/checkpoints/paper-sweep/paper-5ep-no-data-seed1
2 2 configs/paper-5ep-no-data.json /r/checkpoints/paper-sweep/paper-5ep-no-data-seed2
3 3 configs/paper-5ep-no-data.json /r/checkpoints/paper-sweep/paper-5ep-no-data-seed3
4 4 configs/paper-5ep-no-data.json /r/checkpoints/paper-sweep/paper-5ep-no-data-seed4
5 0 configs/paper-10ep-10pct.json /r/checkpoints/paper-sweep/paper-10ep-10pct-seed0
6 1 configs/paper-10ep-10pct.json /r/checkpoints/paper-sweep/paper-10ep-10pct-seed1
7 2 configs/paper-10ep-10pct.json /r/checkpoints/paper-sweep/paper-10ep-10pct-seed2
8 3 configs/paper-10ep-10pct.json /r/checkpoints/paper-sweep/paper-10ep-10pct-seed3
9 4 configs/paper-10ep-10pct.json /r/checkpoints/paper-sweep/paper-10ep-10pct-seed4" "$mapping"

# shellcheck disable=SC2016
mapping="$(sweep_query COLLAPSE_REPO=/r COLLAPSE_SEEDS="7 8" COLLAPSE_CONFIGS="a.json b/c.json /abs/d.json" \
  COLLAPSE_SWEEP_DIR=/s -- '
  echo "size $(sweep_size)"
  for i in 0 3 5; do echo "$i $(task_seed "$i") $(task_config "$i") $(task_run_dir "$i")"; done' 2>&1)"
expect_eq "sweep-task: seeds, configs and sweep dir from the environment" \
  "size 6
0 7 a.json /s/a-seed7
3 8 b/c.json /s/c-seed8
5 8 /abs/d.json /s/d-seed8" "$mapping"

for bad in 10 -1 x ""; do
  out="$(env -i PATH="$PATH" COLLAPSE_REPO=/r COLLAPSE_DRY_RUN=1 bash "$sweep_task" "$bad" 2>&1)"
  rc=$?
  if [ "$rc" -ne 0 ]; then pass "sweep-task: index '$bad' rejected"; else fail "sweep-task: index '$bad' rejected" "$out"; fi
done
expect_contains "sweep-task: out-of-range index message" \
  "$(env -i PATH="$PATH" COLLAPSE_REPO=/r COLLAPSE_DRY_RUN=1 bash "$sweep_task" 10 2>&1)" "task index '10' is not in 0..9"

out="$(env -i PATH="$PATH" COLLAPSE_REPO=/r COLLAPSE_DRY_RUN=1 COLLAPSE_RUN_ARGS="--set train.batch_size=16" \
  bash "$sweep_task" 7 2>/dev/null)"
expect_eq "sweep-task: dry run prints the command" \
  "/r/collapse run /r/configs/paper-10ep-10pct.json --seed 2 --run-dir /r/checkpoints/paper-sweep/paper-10ep-10pct-seed2 --set train.batch_size=16" "$out"
out="$(env -i PATH="$PATH" COLLAPSE_REPO=/r COLLAPSE_DRY_RUN=1 JOB_COMPLETION_INDEX=3 bash "$sweep_task" 2>/dev/null)"
expect_eq "sweep-task: index from JOB_COMPLETION_INDEX" \
  "/r/collapse run /r/configs/paper-5ep-no-data.json --seed 3 --run-dir /r/checkpoints/paper-sweep/paper-5ep-no-data-seed3" "$out"
out="$(env -i PATH="$PATH" COLLAPSE_DRY_RUN=1 bash "$sweep_task" 0 2>/dev/null)"
expect_eq "sweep-task: repository defaults to the script's ../.." \
  "$repo/collapse run $repo/configs/paper-5ep-no-data.json --seed 0 --run-dir $repo/checkpoints/paper-sweep/paper-5ep-no-data-seed0" "$out"

# A real (non-dry) task with a fake launcher: writes sweep.json, execs the launcher.
fake_launcher="$work/fake-launcher"
cat >"$fake_launcher" <<'EOF'
#!/usr/bin/env bash
# Records its pid and arguments; FAKE_EXIT sets its exit status; FAKE_WAIT=1 makes it run until
# SIGTERM, as the JVM would.
out="${FAKE_OUT:?}"
# The trap comes before the file the test waits for, or a signal sent at once would find none.
[ "${FAKE_WAIT:-0}" = 1 ] && trap 'echo TERM >"$out.term"; exit 143' TERM
{ echo "pid:$$"; for a in "$@"; do echo "arg:$a"; done; } >"$out.tmp"
mv "$out.tmp" "$out"
if [ "${FAKE_WAIT:-0}" = 1 ]; then
  # Bounded, so a broken test cannot leave it running.
  for ((i = 0; i < 400; i++)); do sleep 0.05; done
  exit 99
fi
exit "${FAKE_EXIT:-0}"
EOF
chmod +x "$fake_launcher"

sweep="$work/sweep"
env -i PATH="$PATH" COLLAPSE_REPO=/r COLLAPSE_LAUNCHER="$fake_launcher --flag" COLLAPSE_SWEEP_DIR="$sweep" \
  FAKE_OUT="$work/task.out" bash "$sweep_task" 9 2>/dev/null &
launched=$!
wait "$launched"
rc=$?
expect_eq "sweep-task: launcher exit status" "0" "$rc"
expect_eq "sweep-task: runs the launcher with the task's arguments" \
  "pid:$launched
arg:--flag
arg:run
arg:/r/configs/paper-10ep-10pct.json
arg:--seed
arg:4
arg:--run-dir
arg:$sweep/paper-10ep-10pct-seed4" "$(cat "$work/task.out" 2>&1)"
expect_eq "sweep-task: sweep.json lists every run" \
  '["paper-5ep-no-data-seed0", "paper-5ep-no-data-seed1", "paper-5ep-no-data-seed2", "paper-5ep-no-data-seed3", "paper-5ep-no-data-seed4", "paper-10ep-10pct-seed0", "paper-10ep-10pct-seed1", "paper-10ep-10pct-seed2", "paper-10ep-10pct-seed3", "paper-10ep-10pct-seed4"]' \
  "$("$python" -c 'import json,sys; print(json.dumps(json.load(open(sys.argv[1]))["runs"]))' "$sweep/sweep.json" 2>&1)"

# The regimes the sweep and the compose example name are in the repository.
for config in $(sweep_query -- sweep_configs); do
  if [ -f "$repo/$config" ]; then pass "sweep config exists: $config"; else fail "sweep config exists: $config"; fi
done

# ---- 5. Slurm array script ---------------------------------------------------------------------------
header="$(grep '^#SBATCH' "$slurm")"
expect_contains "slurm: one array task per sweep task" "$header" "#SBATCH --array=0-$(($(sweep_query -- sweep_size) - 1))"
expect_contains "slurm: requeueable" "$header" "#SBATCH --requeue"
expect_contains "slurm: USR1 to the batch shell before the limit" "$header" "#SBATCH --signal=B:USR1@120"

fake_bin="$work/bin"
mkdir -p "$fake_bin"
cat >"$fake_bin/scontrol" <<'EOF'
#!/usr/bin/env bash
echo "$*" >>"${FAKE_SCONTROL_LOG:?}"
EOF
chmod +x "$fake_bin/scontrol"

# slurm_cmd TASK_ID OUT [VAR=VALUE...]: sets cmd to the array script as Slurm would start it.
slurm_cmd() {
  local task="$1" out="$2"
  shift 2
  cmd=(env -i PATH="$fake_bin:$PATH" SLURM_ARRAY_TASK_ID="$task" SLURM_JOB_ID=4242 SLURM_SUBMIT_DIR="$repo"
    COLLAPSE_LAUNCHER="$fake_launcher" COLLAPSE_SWEEP_DIR="$sweep" FAKE_OUT="$out"
    FAKE_SCONTROL_LOG="$work/scontrol.log" "$@" bash "$slurm")
}

run_slurm() {
  slurm_cmd "$@"
  "${cmd[@]}"
}

run_slurm 6 "$work/slurm.out" 2>/dev/null
rc=$?
expect_eq "slurm: task exit status" "0" "$rc"
expect_eq "slurm: task 6 runs seed 1 of the 10% regime in its run dir" \
  "arg:run
arg:$repo/configs/paper-10ep-10pct.json
arg:--seed
arg:1
arg:--run-dir
arg:$sweep/paper-10ep-10pct-seed1" "$(grep '^arg:' "$work/slurm.out")"

run_slurm 2 "$work/slurm-fail.out" FAKE_EXIT=3 2>/dev/null
rc=$?
expect_eq "slurm: a failing run fails the task" "3" "$rc"
if [ -e "$work/scontrol.log" ]; then fail "slurm: no requeue without USR1" "$(cat "$work/scontrol.log")"; else pass "slurm: no requeue without USR1"; fi

slurm_cmd 4 "$work/slurm-usr1.out" FAKE_WAIT=1
"${cmd[@]}" 2>"$work/slurm-usr1.err" &
launched=$!
if wait_for_file "$work/slurm-usr1.out"; then
  kill -USR1 "$launched"
  wait "$launched"
  rc=$?
  expect_eq "slurm: USR1 ends the task cleanly" "0" "$rc"
  expect_eq "slurm: USR1 sends SIGTERM to the run" "TERM" "$(cat "$work/slurm-usr1.out.term" 2>&1)"
  expect_eq "slurm: USR1 requeues the job" "requeue 4242" "$(cat "$work/scontrol.log" 2>&1)"
  expect_contains "slurm: USR1 is logged" "$(cat "$work/slurm-usr1.err")" "requeueing job 4242 (task 4, exit 143)"
else
  kill "$launched" 2>/dev/null
  fail "slurm: USR1 handling" "the fake run never started: $(cat "$work/slurm-usr1.err")"
fi

out="$(env -i PATH="$PATH" SLURM_SUBMIT_DIR="$repo" bash "$slurm" 2>&1)"
rc=$?
if [ "$rc" -ne 0 ]; then pass "slurm: refuses to run outside an array task"; else fail "slurm: refuses to run outside an array task" "$out"; fi
expect_contains "slurm: says why outside an array task" "$out" "SLURM_ARRAY_TASK_ID"

# ---- 6. compose and Kubernetes files -----------------------------------------------------------------
yaml_checks="$(
  "$python" - "$docker_dir/compose.yaml" "$docker_dir/cluster/k8s-job.yaml" 2>&1 <<'EOF'
import sys
import yaml

def check(name, ok):
    print(("ok   " if ok else "FAIL ") + name)

with open(sys.argv[1]) as f:
    compose = yaml.safe_load(f)
svc = compose["services"]["collapse"]
devices = svc["deploy"]["resources"]["reservations"]["devices"]
check("compose: reserves all NVIDIA GPUs",
      any(d.get("driver") == "nvidia" and d.get("count") == "all" and "gpu" in d.get("capabilities", [])
          for d in devices))
check("compose: builds docker/Dockerfile from the repository root",
      svc["build"] == {"context": "..", "dockerfile": "docker/Dockerfile"})
targets = [v.split(":")[1] for v in svc["volumes"]]
check("compose: mounts /runs and /cache", sorted(targets) == ["/cache", "/runs"])
check("compose: example runs the no-data paper regime",
      svc["command"][:2] == ["run", "configs/paper-5ep-no-data.json"])

with open(sys.argv[2]) as f:
    docs = list(yaml.safe_load_all(f))
jobs = [d for d in docs if d["kind"] == "Job"]
claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
check("k8s: one Job", len(jobs) == 1)
job = jobs[0]["spec"]
pod = job["template"]["spec"]
container = pod["containers"][0]
check("k8s: Indexed with 10 completions", job["completionMode"] == "Indexed" and job["completions"] == 10)
check("k8s: parallelism is a positive number", isinstance(job["parallelism"], int) and job["parallelism"] > 0)
check("k8s: failed pods are retried", job["backoffLimit"] > 0 and pod["restartPolicy"] in ("OnFailure", "Never"))
check("k8s: one GPU per pod", container["resources"]["limits"]["nvidia.com/gpu"] == 1)
check("k8s: runs the sweep task", container["command"] == ["/app/docker/cluster/sweep-task.sh"])
volumes = {v["name"]: v for v in pod["volumes"]}
mounts = {m["mountPath"]: m["name"] for m in container["volumeMounts"]}
check("k8s: /runs is a PersistentVolumeClaim defined here",
      volumes[mounts["/runs"]]["persistentVolumeClaim"]["claimName"] in claims)
env = {e["name"]: e.get("value") for e in container.get("env", [])}
check("k8s: run dirs on the /runs volume", env.get("COLLAPSE_SWEEP_DIR", "").startswith("/runs/"))
EOF
)"
echo "$yaml_checks"
passed=$((passed + $(grep -c '^ok ' <<<"$yaml_checks")))
# A Python error (a key missing) prints no "ok"/"FAIL" line: count it as a failure too.
yaml_failed="$(grep -vc '^ok ' <<<"$yaml_checks")"
failed=$((failed + yaml_failed))

echo
echo "docker tests: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
