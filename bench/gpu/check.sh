#!/usr/bin/env bash
# The GPU check: everything a short, offline GPU machine can tell us, in one command, from the
# offline bundle (`collapse bundle --out DIR`; no Maven, no Java, no internet needed there):
#
#   DIR/bench/gpu/check.sh OUT_DIR
#
# Steps, in this order, each with its own time limit; a failing step is recorded and the rest still run:
#   probe         nvidia-smi, python3's torch/transformers, java, a HuggingFace cache with opt-125m
#   native_build  collapse native build --torch <python3's torch> (installed under OUT_DIR)
#   info          collapse info through that JNI
#   tests         the model/train/eval/generate tests on the device (JUnit console launcher)
#   adamw         collapse's training with the fused AdamW against the per-tensor form, alternating
#   attention     collapse's eval and training with attention eager against SDPA, alternating (TF32)
#   compare_fp32  bench/compare.py: collapse vs HF transformers, fp32 training, eval, beam-5 generation
#   pipeline      one generation, OPT-125m preset, a slice of wikitext-2, seconds per phase
#   compare_bf16  training with bf16 mixed precision
#   compare_tf32  training and eval with TF32 float32 matmuls on both sides
# OUT_DIR/summary.tsv has each step's rc and seconds (rc 124: its time limit), OUT_DIR/<step>.log
# its output, and OUT_DIR/check-logs.tgz all of it but the JNI, models and corpora (~1 MiB, for a
# machine that returns few files). The whole, from the script's start, stays under CHECK_BUDGET_S
# (default 560 s): a step gets what is left, so the last ones are the first cut. Limits: what an
# H200 took on 2026-11-26, with room (README, "The GPU check"); an H100 took 414 s on 2026-11-27,
# before the attention step (about 75 s more by the adamw step's rate).
#
# A slim bundle (bench/gpu/slim-bundle.sh: without the test fixtures and datasets, for a machine
# that takes few bytes) gets them back from CHECK_CHECKOUT, a checkout of the same commit.
#
# Rehearsal on a CPU (slower: scale the limits and the budget):
#   CHECK_DEVICE=cpu CHECK_PYTHON=/path/to/venv/bin/python3 CHECK_LIMIT_SCALE=4 CHECK_BUDGET_S=2400 check.sh OUT_DIR
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"  # sets bundle and collapse
device="${CHECK_DEVICE:-gpu}"
python="${CHECK_PYTHON:-python3}"
budget="${CHECK_BUDGET_S:-560}"
threads="${CHECK_THREADS:-$(nproc)}"
scale="${CHECK_LIMIT_SCALE:-1}"  # multiplies every step's limit: a rehearsal on 2 slow cores needs more
gen_batches=1,32,256  # beam-5 prompts per call (compare_fp32); a CPU rehearsal stops at 4
if [ "$device" = cpu ]; then
  gen_batches=1,4
fi

if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
if [ ! -x "$collapse" ] || [ ! -x "$bundle/run-tests" ]; then
  echo "error: $bundle is not a collapse bundle (no collapse/run-tests launchers); build one with" \
    "./collapse bundle --out DIR and run DIR/bench/gpu/check.sh" >&2
  exit 2
fi
out="$1"
start_all=$SECONDS  # the budget counts the slim restore too, and keeps 15 s for the archive
restore_slim
mkdir -p "$out"
out="$(cd "$out" && pwd)"
printf 'step\trc\tseconds\tlimit_s\n' > "$out/summary.tsv"

# skipped NAME LIMIT_S: the summary's row for a step that did not run.
skipped() {
  printf '%s\t%s\t%s\t%s\n' "$1" "skipped" 0 "$2" >> "$out/summary.tsv"
}

# step NAME LIMIT_S COMMAND...: runs COMMAND with its output in OUT/NAME.log, under the smaller of
# LIMIT_S and what is left of the budget, and records rc and seconds in the summary.
step() {
  local name="$1" limit
  limit=$(within_budget $(($2 * scale)))
  shift 2
  if [ "$limit" -lt 5 ]; then
    skipped "$name" "$limit"
    echo "== $name: skipped (budget spent)"
    return
  fi
  echo "== $name (limit ${limit} s)"
  local t0=$SECONDS rc=0
  # A child bash, so that `timeout` can run this script's functions (exported below) too.
  timeout --kill-after=10 "$limit" bash -c '"$@"' "$name" "$@" > "$out/$name.log" 2>&1 || rc=$?
  printf '%s\t%s\t%s\t%s\n' "$name" "$rc" $((SECONDS - t0)) "$limit" >> "$out/summary.tsv"
  echo "   rc $rc in $((SECONDS - t0)) s"
}

probe() {
  echo "date: $(date -u +%FT%TZ)  host: $(hostname)  cores: $(nproc)  device asked: $device"
  echo "--- nvidia-smi"
  nvidia-smi || echo "(no nvidia-smi)"
  echo "--- $python"
  "$python" -c 'import torch, os; print("torch", torch.__version__, "cuda", torch.version.cuda,
"cuda_available", torch.cuda.is_available(), "dir", os.path.dirname(torch.__file__))' || echo "(no torch)"
  "$python" -c 'import transformers; print("transformers", transformers.__version__)' || echo "(no transformers)"
  echo "--- java on PATH"
  if command -v java > /dev/null; then java -version 2>&1; else echo "(no java on PATH; the bundle's runtime is used)"; fi
  "$collapse" --version && "$bundle/runtime/bin/java" -version 2>&1
  echo "--- compilers"
  command -v g++ nvcc || true
  echo "--- HuggingFace cache"
  local hub="${HF_HUB_CACHE:-${HF_HOME:-$HOME/.cache/huggingface}/hub}"
  ls -d "$hub"/models--facebook--opt-125m 2> /dev/null && find "$hub/models--facebook--opt-125m" -maxdepth 3 | head -20 \
    || echo "(no facebook/opt-125m under $hub)"
}

tests() {
  COLLAPSE_TEST_DEVICE="$device" "$bundle/run-tests" --reports-dir "$out/tests" --details=tree \
    --select-package io.collapse.model --select-package io.collapse.train \
    --select-package io.collapse.eval --select-package io.collapse.generate
}

# compare DTYPE MEASURES: beam-5 at 1 prompt, at the pipeline's corpus batch (32), and at 256.
compare() {
  "$python" "$bundle/bench/compare.py" --collapse "$collapse" --device "$device" --dtype "$1" --measures "$2" \
    --threads "$threads" --rounds 1 --train-steps 5 --eval-seconds 5 --gen-batches "${CHECK_GEN_BATCHES:-$gen_batches}" \
    --pipeline-train-blocks 0 --out "$out/compare"
}

# alternate PROPERTY ROUNDS "FORM…" COMMAND…: COMMAND with -DPROPERTY=FORM for each form in turn, ROUNDS
# times; fails where any run failed, not only the last.
alternate() {
  local property="$1" rounds="$2" forms="$3" round form rc=0
  shift 3
  for ((round = 1; round <= rounds; round++)); do
    for form in $forms; do
      echo "round $round, $2 $3, -D$property=$form"
      COLLAPSE_JAVA_OPTS="${COLLAPSE_JAVA_OPTS:--Xmx8g} -D$property=$form" "$@" || rc=$?
    done
  done
  return "$rc"
}

# The preset and batch of the alternating steps: OPT-125m at the paper's batch, tiny ones on a CPU.
bench_size() {
  if [ "$device" = cpu ]; then echo "tiny 8"; else echo "opt-125m 128"; fi
}

# The fused AdamW (in the self-built JNI) against the per-tensor form, two alternating rounds each.
adamw() {
  local preset batch
  read -r preset batch <<< "$(bench_size)"
  alternate collapse.adamw 2 "auto per-tensor" \
    "$collapse" bench train --preset "$preset" --device "$device" --batch-size "$batch" --block-size 64 --steps 10 --warmup 2 --matmul-seconds 0.5
}

# Attention eager (HF 4.35's, the default) against SDPA (-Dcollapse.attention=sdpa), alternating: eval
# in two rounds, training in one, with TF32 where the GPU has it (where SDPA's share is the largest).
attention() {
  local preset batch rc=0
  read -r preset batch <<< "$(bench_size)"
  export TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1  # this step's own shell only
  alternate collapse.attention 2 "eager sdpa" \
    "$collapse" bench eval --preset "$preset" --device "$device" --batch-size "$batch" --block-size 64 --seconds 3 || rc=$?
  alternate collapse.attention 1 "eager sdpa" \
    "$collapse" bench train --preset "$preset" --device "$device" --batch-size "$batch" --block-size 64 --steps 5 --warmup 2 --matmul-seconds 0.5 \
    || rc=$?
  return "$rc"
}

pipeline() {
  "$python" "$bundle/bench/compare.py" --collapse "$collapse" --device "$device" --threads "$threads" \
    --pipeline-only --pipeline-train-blocks "${CHECK_PIPELINE_BLOCKS:-512}" --out "$out/pipeline"
}

export bundle collapse device python threads out gen_batches
export -f probe native_build tests compare alternate bench_size adamw attention pipeline
step probe 30 probe
step native_build "${CHECK_BUILD_LIMIT_S:-200}" native_build
load_exports "$out/native_build.log"
step info 60 "$collapse" info
step tests 150 tests
step adamw 120 adamw
step attention 120 attention
step compare_fp32 200 compare fp32 train,eval,generate
step pipeline 120 pipeline
if [ "$device" = gpu ]; then
  step compare_bf16 60 compare bf16 train
  step compare_tf32 90 compare tf32 train,eval
else
  skipped compare_bf16 0  # a CPU's bfloat16 matmuls are beside the point,
  skipped compare_tf32 0  # and it has no TF32
fi

echo "== summary ($((SECONDS - start_all)) s; $out)"
column -t -s $'\t' "$out/summary.tsv" 2> /dev/null || cat "$out/summary.tsv"
# Written beside, then moved in: tar reading the folder it writes into reports it changed.
logs="$(mktemp)"
if tar -czf "$logs" -C "$out" --exclude=engine-cache --exclude=check-logs.tgz --exclude='*.safetensors' --exclude='*.bin' \
  --exclude='*.f32' --exclude=corpus --exclude=vocab.json --exclude=merges.txt .; then
  chmod 644 "$logs" && mv "$logs" "$out/check-logs.tgz" && echo "logs: $out/check-logs.tgz"
else
  rm -f "$logs"
fi
