#!/usr/bin/env python3
"""collapse vs HF transformers on one machine: same torch threads, same device, alternating.

OPT-125m config, random init, block 64: training tokens/s (AdamW), eval tokens/s, beam-5
generation (64 prompt + 64 new tokens, min = max, repetition penalty 3.0) at several batch
sizes, then the collapse pipeline's seconds per phase on a small slice (HF has no pipeline).
Each measurement runs `--rounds` times, collapse then HF, so both see the machine's busy
moments alike; the table gives each side's range, the ratio of the medians, and for training
and eval each side's MFU: model FLOP/s (6N per trained token, 2N per evaluated one, N the
matmul parameters) over the matmul peak that torch measures on the same device in that dtype.

  python3 bench/compare.py --collapse ./collapse --device cpu --threads 2
  python3 bench/compare.py --collapse BUNDLE/collapse --device gpu --dtype bf16 --out OUT

Needs python3 with torch and transformers (5.17 measured) and a collapse launcher whose JVM
loads the same libtorch (PYTORCH_LIBRARY_PATH etc. from `collapse native build`).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

BLOCK = 64
NEW_TOKENS = 64
BEAMS = 5
PENALTY = 3.0
LR = 2e-5


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--collapse", default="./collapse", help="the collapse launcher (repository or bundle)")
    p.add_argument("--device", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--dtype", choices=["fp32", "tf32", "bf16"], default="fp32",
                   help="training precision (bf16: autocast in HF, train.mixed_precision=bf16 in collapse; tf32: float32"
                        " with TORCH_ALLOW_TF32_CUBLAS_OVERRIDE=1 on both sides, eval too; both GPU only)")
    p.add_argument("--measures", default="train,eval,generate", help="which of train, eval, generate to measure")
    p.add_argument("--threads", type=int, default=2, help="torch intra-op threads on both sides")
    p.add_argument("--train-batch", type=int, help="default: 8 on the CPU, 128 on a GPU")
    p.add_argument("--train-steps", type=int, default=3, help="timed optimizer steps (after 1 warm-up)")
    p.add_argument("--eval-seconds", type=float, default=8.0)
    p.add_argument("--gen-batches", default="1,4", help="beam-5 prompts per call, comma-separated")
    p.add_argument("--rounds", type=int, default=2, help="alternating repetitions of each measurement")
    p.add_argument("--pipeline-train-blocks", type=int, default=16,
                   help="training blocks of the pipeline slice (0: skip the pipeline)")
    p.add_argument("--pipeline-only", action="store_true", help="only the pipeline's seconds per phase")
    p.add_argument("--pipeline-corpus-batch", type=int,
                   help="the pipeline's experiment.corpus_batch (default: 32, the config's, on a GPU; 4 on a CPU)")
    p.add_argument("--hf-attention", choices=["sdpa", "eager"], default="sdpa",
                   help="HF's attention: sdpa (transformers 5's default) or eager (HF 4.35's, which collapse computes)")
    p.add_argument("--collapse-attention", choices=["eager", "sdpa"],
                   help="collapse's attention: HF 4.35's eager form or torch's SDPA (-Dcollapse.attention=sdpa;"
                        " needs the JNI that collapse native build makes); default: what COLLAPSE_JAVA_OPTS says, else eager")
    p.add_argument("--out", help="folder for the JSON lines and the table (default: print only)")
    return p.parse_args()


# ---- HF side -----------------------------------------------------------------------------

def hf_model(torch, device, attention):
    from transformers import OPTConfig, OPTForCausalLM
    torch.manual_seed(0)
    # OPTConfig's defaults are facebook/opt-125m's architecture (768 wide, 12 layers, 12 heads).
    model = OPTForCausalLM(OPTConfig(attn_implementation=attention))
    return model.to(device)


def sync(torch, device):
    if device.type == "cuda":
        torch.cuda.synchronize()  # the CPU-GPU sync: time the work, not its launch


def random_ids(torch, rows, cols, device, seed):
    g = torch.Generator().manual_seed(seed)
    return torch.randint(4, 50265, (rows, cols), generator=g).to(device)


def hf_train(torch, device, batch, steps, dtype, attention):
    model = hf_model(torch, device, attention)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=LR, weight_decay=0.0)
    rates = []
    for step in range(steps + 1):  # step 0: warm-up, not timed
        ids = random_ids(torch, batch, BLOCK, device, step)
        sync(torch, device)
        start = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=dtype == "bf16"):
            loss = model(input_ids=ids, labels=ids).loss
        loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()  # host sync, as collapse reads its loss every step
        took = time.perf_counter() - start
        if step > 0:
            rates.append(batch * BLOCK / took)
    return statistics.median(rates)


def hf_eval(torch, device, batch, seconds, attention):
    model = hf_model(torch, device, attention)
    model.eval()
    ids = random_ids(torch, batch, BLOCK, device, 1)
    with torch.no_grad():
        model(input_ids=ids, labels=ids).loss.item()  # warm-up
        n, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            model(input_ids=ids, labels=ids).loss.item()
            n += 1
        took = time.perf_counter() - start
    return n * batch * BLOCK / took


def hf_generate(torch, device, batch, attention):
    model = hf_model(torch, device, attention)
    model.eval()
    ids = random_ids(torch, batch, BLOCK, device, 7)
    mask = torch.ones_like(ids)
    kw = dict(attention_mask=mask, num_beams=BEAMS, do_sample=False, min_new_tokens=NEW_TOKENS,
              max_new_tokens=NEW_TOKENS, repetition_penalty=PENALTY, pad_token_id=1)
    with torch.no_grad():
        model.generate(ids, **kw)  # warm-up
        sync(torch, device)
        start = time.perf_counter()
        model.generate(ids, **kw)
        sync(torch, device)
    return batch * NEW_TOKENS / (time.perf_counter() - start)


def matmul_peak(torch, device, dtype):
    """FLOP/s of square matmuls in dtype, at the size collapse's benches time (8192 on a GPU, 1024 on a CPU)."""
    n = 8192 if device.type == "cuda" else 1024
    a = torch.rand(n, n, device=device).to(dtype)
    b = torch.rand(n, n, device=device).to(dtype)
    for _ in range(3):
        a @ b
    sync(torch, device)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        a @ b
        reps += 1
        sync(torch, device)
    return 2.0 * n ** 3 * reps / (time.perf_counter() - start)


def hf_measure(kind, a):
    """One HF measurement in this process (the parent re-runs itself, so each is a fresh process)."""
    import torch
    torch.set_num_threads(a.threads)
    device = torch.device("cuda" if a.device == "gpu" else "cpu")
    if kind.startswith("peak:"):
        return matmul_peak(torch, device, torch.bfloat16 if kind == "peak:bf16" else torch.float32)
    if kind == "train":
        return hf_train(torch, device, a.train_batch, a.train_steps, a.dtype, a.hf_attention)
    if kind == "eval":
        return hf_eval(torch, device, a.train_batch, a.eval_seconds, a.hf_attention)
    return hf_generate(torch, device, int(kind.split(":")[1]), a.hf_attention)


# ---- collapse side -----------------------------------------------------------------------

class ChildFailed(RuntimeError):
    """A collapse or HF child process that failed, or ran otherwise than asked: the message says how."""


def child_env(a):
    """Both sides' environment: the thread count, and libtorch's TF32 switch for --dtype tf32 (read by both)."""
    env = dict(os.environ, OMP_NUM_THREADS=str(a.threads))
    if a.dtype == "tf32":
        env["TORCH_ALLOW_TF32_CUBLAS_OVERRIDE"] = "1"
    return env


def collapse_env(a):
    env = child_env(a)
    opts = env.get("COLLAPSE_JAVA_OPTS", "-Xmx8g")
    env["COLLAPSE_JAVA_OPTS"] = f"{opts} -Dai.djl.pytorch.num_threads={a.threads} -Dai.djl.pytorch.num_interop_threads=1"
    if a.collapse_attention:  # appended: the last -D of a name wins over one in the user's COLLAPSE_JAVA_OPTS
        env["COLLAPSE_JAVA_OPTS"] += f" -Dcollapse.attention={a.collapse_attention}"
    return env


def collapse_json(a, args):
    out = subprocess.run([a.collapse, *args], env=collapse_env(a), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ChildFailed(f"error: {a.collapse} {' '.join(args)} exited {out.returncode}: {out.stderr.strip()[-500:]}")
    return [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]


def collapse_measure(kind, a):
    common = ["--preset", "opt-125m", "--matmul-size", "256", "--matmul-seconds", "0.2"]
    if kind == "train":
        r = collapse_json(a, ["bench", "train", *common, "--device", a.device, "--batch-size", str(a.train_batch),
                              "--block-size", str(BLOCK), "--steps", str(a.train_steps), "--warmup", "1",
                              "--mixed-precision", "bf16" if a.dtype == "bf16" else "off"])
        a.matmul_params = r[-1]["matmul_params"]
        return as_run(a, r[-1])["tokens_per_s"]
    if kind == "eval":
        r = collapse_json(a, ["bench", "eval", *common[:2], "--device", a.device, "--batch-size", str(a.train_batch),
                              "--block-size", str(BLOCK), "--seconds", str(a.eval_seconds), "--matmul-size", "256"])
        a.matmul_params = r[-1]["matmul_params"]
        return as_run(a, r[-1])["tokens_per_s"]
    batch = kind.split(":")[1]
    r = collapse_json(a, ["bench", "generate", "--preset", "opt-125m", "--device", a.device, "--batch-sizes", batch, "--prompt-tokens",
                          str(BLOCK), "--new-tokens", str(NEW_TOKENS), "--strategies", "beam",
                          "--no-cache-max-batch", "0", "--repeats", "1"])
    return as_run(a, r[-1])["new_tokens_per_s"]


def as_run(a, line):
    """A collapse bench line: its threads checked on a CPU, its attention kept for the table's labels
    (what collapse ran, whichever way it was asked)."""
    if a.device == "cpu" and line.get("torch_threads") != a.threads:
        raise ChildFailed(f"error: collapse ran with torch_threads {line.get('torch_threads')}, expected {a.threads}")
    a.attention_seen = line.get("attention", "eager")
    return line


def pipeline_phases(a, workdir):
    """One generation of the pipeline, OPT-125m preset (random init), on a slice; seconds per phase."""
    run_dir = os.path.join(workdir, "pipeline-run")
    sets = {"model.base": "preset:opt-125m", "data.block_size": BLOCK, "data.train_blocks": a.pipeline_train_blocks,
            "data.valid_blocks": 8, "data.test_blocks": 8, "train.epochs": 1, "train.batch_size": a.train_batch,
            "train.micro_batch": min(a.train_batch, 32), "train.learning_rate": LR, "generation.num_beams": BEAMS,
            "generation.min_new_tokens": NEW_TOKENS, "generation.max_new_tokens": NEW_TOKENS,
            "experiment.generations": 1, "experiment.corpus_batch": a.pipeline_corpus_batch, "device.device": a.device}
    args = ["run", "smoke", "--run-dir", run_dir, "--no-progress", "--no-report"]
    for k, v in sets.items():
        args += ["--set", f"{k}={v}"]
    start = time.perf_counter()
    out = subprocess.run([a.collapse, *args], env=collapse_env(a), capture_output=True, text=True, check=False)
    total = time.perf_counter() - start
    if out.returncode != 0:
        raise ChildFailed(f"error: collapse run exited {out.returncode}: {out.stderr.strip()[-500:]}")
    phases = []
    with open(os.path.join(run_dir, "events.jsonl"), encoding="utf-8") as f:
        for line in f:
            e = json.loads(line)
            if e.get("event") == "phase_done":
                phases.append((f"gen {e.get('generation')} {e.get('phase')}", e.get("seconds")))
    return phases, total


# ---- driver ------------------------------------------------------------------------------

def hf_in_child(kind, a):
    """Each HF measurement in its own python process, as each collapse one is its own JVM."""
    args = [sys.executable, os.path.abspath(__file__), "--hf-child", kind, "--device", a.device, "--dtype", a.dtype,
            "--threads", str(a.threads), "--train-batch", str(a.train_batch), "--train-steps", str(a.train_steps),
            "--eval-seconds", str(a.eval_seconds), "--hf-attention", a.hf_attention]
    out = subprocess.run(args, env=child_env(a), capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise ChildFailed(f"error: HF {kind} exited {out.returncode}: {out.stderr.strip()[-500:]}")
    return float(out.stdout.strip().splitlines()[-1])


def kinds_asked(a):
    asked = a.measures.split(",")
    unknown = [m for m in asked if m not in ("train", "eval", "generate")]
    if unknown:
        sys.exit(f"error: --measures: expected train, eval or generate, got {', '.join(map(repr, unknown))}")
    kinds = [k for k in ("train", "eval") if k in asked]
    return kinds + ([f"generate:{b}" for b in a.gen_batches.split(",")] if "generate" in asked else [])


def measure_all(a, kinds, log, write):
    """Each kind's rounds, collapse then HF; the table is written after every row, so a run cut off
    by a time limit leaves the rows it finished."""
    peak = peaks(kinds, a, log)
    rows, lines = [], table([], a, peak)
    for kind in kinds:
        ours, theirs = [], []
        for r in range(a.rounds):
            ours.append(collapse_measure(kind, a))
            theirs.append(hf_in_child(kind, a))
            log({"measure": kind, "round": r, "collapse": ours[-1], "hf": theirs[-1], "hf_attention": a.hf_attention,
                 "collapse_attention": a.attention_seen})
        rows.append((kind, ours, theirs))
        lines = table(rows, a, peak)
        write(lines)
    return lines


def label(kind, a):
    fp32 = "tf32" if a.dtype == "tf32" else "fp32"
    attention = (", HF eager attention" if a.hf_attention == "eager" else "") + (
        ", collapse SDPA" if getattr(a, "attention_seen", None) == "sdpa" else "")
    if kind == "train":
        return f"training tokens/s (AdamW, batch {a.train_batch}, {a.dtype}{attention})"
    if kind == "eval":
        return f"eval tokens/s (batch {a.train_batch}, {fp32}{attention})"
    return f"beam-5 new tokens/s, {kind.split(':')[1]} prompts ({fp32}{attention})"


def peaks(kinds, a, log):
    """The matmul peak each row's MFU divides by, measured first, once per dtype: bf16 for bf16 training, else float32."""
    wanted = {kind: "bf16" if kind == "train" and a.dtype == "bf16" else "fp32"
              for kind in kinds if kind in ("train", "eval")}
    measured = {}
    for dtype in sorted(set(wanted.values())):
        measured[dtype] = hf_in_child(f"peak:{dtype}", a)
        log({"measure": f"matmul peak {dtype}" + (" (TF32)" if a.dtype == "tf32" else ""),
             "tflops": measured[dtype] / 1e12})
    return {kind: measured[dtype] for kind, dtype in wanted.items()}


def table(rows, a, peak):
    lines = ["| measure | collapse | HF transformers | collapse / HF (medians) | MFU collapse / HF |",
             "| --- | --- | --- | --- | --- |"]
    for kind, ours, theirs in rows:
        ratio = statistics.median(ours) / statistics.median(theirs)
        mfu = "–"
        if kind in peak:
            # collapse's own count of the model's matmul parameters (its bench line), for both sides.
            flops = (6 if kind == "train" else 2) * a.matmul_params / peak[kind]
            mfu = f"{statistics.median(ours) * flops:.2f} / {statistics.median(theirs) * flops:.2f}"
        lines.append(f"| {label(kind, a)} | {span(ours)} | {span(theirs)} | {ratio:.2f} | {mfu} |")
    return lines


def span(xs):
    lo, hi = min(xs), max(xs)
    return f"{lo:,.1f}" if lo == hi else f"{lo:,.1f}–{hi:,.1f}"


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--hf-child":
        kind = sys.argv[2]
        sys.argv[1:3] = []
        a = parse_args()
        print(hf_measure(kind, a))
        return 0
    a = parse_args()
    # On a GPU the paper regime's batches (128 in micro-batches of 32, corpus batch 32, the config
    # default); on a CPU small ones, so that a slice finishes.
    a.train_batch = a.train_batch or (8 if a.device == "cpu" else 128)
    if a.pipeline_corpus_batch is None:
        a.pipeline_corpus_batch = 4 if a.device == "cpu" else 32
    elif a.pipeline_corpus_batch < 1:
        sys.exit(f"error: --pipeline-corpus-batch: expected at least 1, got {a.pipeline_corpus_batch}")
    if a.dtype != "fp32" and a.device == "cpu":
        sys.exit(f"error: --dtype {a.dtype} is for --device gpu (collapse refuses mixed precision on the CPU; a CPU has"
                 " no TF32)")
    out_dir = a.out or tempfile.mkdtemp(prefix="collapse-compare-")
    os.makedirs(out_dir, exist_ok=True)
    jsonl = open(os.path.join(out_dir, f"compare-{a.device}-{a.dtype}.jsonl"), "a", encoding="utf-8")

    def log(obj):
        jsonl.write(json.dumps(obj) + "\n")
        jsonl.flush()
        print(json.dumps(obj), flush=True)

    md = os.path.join(out_dir, f"compare-{a.device}-{a.dtype}.md")

    def write(lines):
        with open(md, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")

    lines = [] if a.pipeline_only else measure_all(a, kinds_asked(a), log, write)
    if a.pipeline_train_blocks > 0:
        phases, total = pipeline_phases(a, out_dir)
        log({"measure": "pipeline", "train_blocks": a.pipeline_train_blocks, "corpus_batch": a.pipeline_corpus_batch,
             "phases": phases, "wall_seconds": total})
        lines += ["", f"pipeline, one generation, OPT-125m preset, {a.pipeline_train_blocks} training blocks of 64,"
                  f" train batch {a.train_batch}, corpus batch {a.pipeline_corpus_batch}"
                  f" ({total:.0f} s wall including JVM start):", ""]
        lines += ["| phase | seconds |", "| --- | --- |"] + [f"| {p} | {s:.1f} |" for p, s in phases]
    print("\n".join(lines))
    write(lines)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ChildFailed as e:  # the child's own error at its end says what; a traceback here would not
        sys.exit(str(e))
