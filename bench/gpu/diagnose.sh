#!/usr/bin/env bash
# Where collapse's time goes against HF on a GPU, after the check (check.sh) has measured the gap;
# from the offline bundle, like the check:
#
#   DIR/bench/gpu/diagnose.sh OUT_DIR
#
# Each measure is bench/compare.py, one round, TF32 (the switch that makes float32's matmuls fast
# and so leaves the rest of a step in view), its table in OUT_DIR/<measure>/ and its output in
# OUT_DIR/<measure>.log; a failing or timed-out one does not stop the others:
#   eval_sdpa    eval with collapse's attention through SDPA (-Dcollapse.attention=sdpa), as HF's
#   train_sdpa   training likewise
#   util         nvidia-smi's busy share every 100 ms while collapse evaluates (GPU only)
#   eval_big     eval at 4× the batch: a per-step cost of the host would shrink 4×, GPU work would not
#   train_big    training at 4× the batch
#   pipeline     one pipeline generation, float32, on a larger slice at a larger corpus batch
# An H200 took 250 s for the form before (eager measures where the SDPA ones are), an H100 more than
# 280, the JNI's build included (2026-11-26/27); the H100 answered the eager measures: collapse's eval
# was 1.18× HF's with both eager. The whole stays under DIAG_BUDGET_S (default 250 s): a measure gets
# what is left, so the last ones are the first cut. DIAG_JNI_FROM=CHECK_OUT reuses the JNI that
# check.sh built into CHECK_OUT on this machine (about 30 s saved), where it is still there. A slim
# bundle needs CHECK_CHECKOUT, as check.sh does. Rehearsal on a CPU (float32, small sizes):
#   DIAG_DEVICE=cpu DIAG_PYTHON=VENV/bin/python3 DIAG_SMALL=2 DIAG_BIG=2 DIAG_BLOCKS=4 DIAG_CORPUS_BATCH=2 DIAG_LIMIT_SCALE=4 diagnose.sh OUT
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source-path=SCRIPTDIR source=common.sh
source "$here/common.sh"  # sets bundle and collapse
device="${DIAG_DEVICE:-gpu}"
python="${DIAG_PYTHON:-python3}"
small="${DIAG_SMALL:-128}"  # the check's batch
big="${DIAG_BIG:-512}"
blocks="${DIAG_BLOCKS:-2048}"
corpus_batch="${DIAG_CORPUS_BATCH:-256}"
scale="${DIAG_LIMIT_SCALE:-1}"
budget="${DIAG_BUDGET_S:-250}"
jni_from="${DIAG_JNI_FROM:-}"
if [ $# -ne 1 ]; then
  echo "usage: $0 OUT_DIR" >&2
  exit 2
fi
if [ ! -x "$collapse" ]; then
  echo "error: $bundle is not a collapse bundle (no collapse launcher); build one with ./collapse bundle --out DIR" >&2
  exit 2
fi
out="$1"
start_all=$SECONDS
restore_slim
mkdir -p "$out"
out="$(cd "$out" && pwd)"
built=""
if [ -n "$jni_from" ]; then
  built="$(grep -o '^built in .*: .*libdjl_torch.so$' "$jni_from/native_build.log" 2> /dev/null | sed 's/^built in [^:]*: //')"
  [ -f "$built" ] || echo "== DIAG_JNI_FROM=$jni_from: no built library named in its native_build.log; building one"
fi
if [ -f "$built" ]; then
  echo "== native_build: reusing $built"
  load_exports "$jni_from/native_build.log"
else
  export -f native_build
  export collapse python out
  timeout --kill-after=10 "$(within_budget "$budget")" bash -c native_build > "$out/native_build.log" 2>&1
  echo "== native_build rc $?"
  load_exports "$out/native_build.log"
fi

# measure NAME LIMIT_S COMPARE_ARGS...: one compare.py run under LIMIT_S × DIAG_LIMIT_SCALE, or what is
# left of the budget (15 s kept for the clean-up), skipped under 5 s.
measure() {
  local name="$1" limit t0=$SECONDS rc=0
  limit=$(within_budget $(($2 * scale)))
  shift 2
  if [ "$limit" -lt 5 ]; then
    echo "== $name: skipped (budget spent)"
    return
  fi
  timeout --kill-after=5 "$limit" "$python" "$bundle/bench/compare.py" --collapse "$collapse" --device "$device" \
    --threads "$(nproc)" --rounds 1 --train-steps 5 --eval-seconds 5 --pipeline-train-blocks 0 --out "$out/$name" "$@" \
    > "$out/$name.log" 2>&1 || rc=$?
  echo "== $name rc $rc in $((SECONDS - t0)) s"
  cat "$out/$name"/*.md 2> /dev/null
}

tf32=(--dtype tf32)
if [ "$device" = cpu ]; then
  tf32=(--dtype fp32)  # a CPU has no TF32
fi
measure eval_sdpa 60 "${tf32[@]}" --measures eval --train-batch "$small" --collapse-attention sdpa
measure train_sdpa 60 "${tf32[@]}" --measures train --train-batch "$small" --collapse-attention sdpa
util_limit=$(within_budget 60)
if [ "$device" = gpu ] && [ "$util_limit" -ge 30 ]; then
  nvidia-smi --query-gpu=timestamp,utilization.gpu --format=csv,noheader -lms 100 > "$out/util.csv" &
  smi=$!
  TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 timeout "$util_limit" "$collapse" bench eval --preset opt-125m --device gpu \
    --batch-size "$small" --seconds 10 --matmul-size 256 > "$out/util.log" 2>&1
  kill "$smi"
  echo "== util: samples per busy share (count, %), collapse bench eval TF32 batch $small:"
  awk -F', ' '{print $2}' "$out/util.csv" | sort | uniq -c | sort -k2 -n | tr '\n' ' '
  echo
fi
measure eval_big 60 "${tf32[@]}" --measures eval --train-batch "$big"
measure train_big 90 "${tf32[@]}" --measures train --train-batch "$big"
measure pipeline 120 --pipeline-only --pipeline-train-blocks "$blocks" --pipeline-corpus-batch "$corpus_batch"
# The pipeline's models and corpora are not wanted back (a 500 MB model a checkpoint).
rm -rf "$out/engine-cache" "$out"/pipeline/pipeline-run/{base,gen-*/model,gen-*/train,gen-*/corpus*}
echo "== done ($out)"
