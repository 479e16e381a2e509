"""kcost's benchmarks: medians of several runs, ratios measured in the same run.

  cold `kcost analyze llama`  vs  the bare `import transformers.models.llama.modeling_llama`
  warm `kcost eval llama --batch-size 1 --seq-len 1 --cache-len 4096` (whole process), also
                                   with --python-env /nonexistent (no interpreter at all)
  warm `kcost sweep` of 1,000,000 points (whole process) and its rows per second
  `kcost analyze --all --jobs N`  vs  importing every causal-LM modeling module (one process),
                                   and the peak memory of the analysis (largest process, and
                                   the whole process tree's proportional set size)
  per point: kcost's evaluation  vs  torch.utils.flop_counter.FlopCounterMode of one forward
                                   call on the meta device, same Llama-3-8B-shaped config

Run from anywhere after the README's set-up (bash cmake/setup.sh): bench/run [--runs N]
[--jobs N] [--skip-all]. Uses a fresh cost cache of its own (a temporary directory).
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
KCOST = os.path.join(ROOT, "build", "kcost")
PYTHON = os.path.join(ROOT, ".venv", "bin", "python")

LLAMA3_8B = {
    "model_type": "llama", "architectures": ["LlamaForCausalLM"], "hidden_size": 4096,
    "intermediate_size": 14336, "num_hidden_layers": 32, "num_attention_heads": 32,
    "num_key_value_heads": 8, "vocab_size": 128256, "max_position_embeddings": 8192,
    "rms_norm_eps": 1e-05, "rope_theta": 500000.0, "hidden_act": "silu", "tie_word_embeddings": False,
    "attention_bias": False, "mlp_bias": False, "bos_token_id": 128000, "eos_token_id": 128001,
}


def run(cmd, env=None, check=True):
    """Runs cmd; returns (wall seconds, stdout, stderr, peak RSS of the largest process in KiB)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    out, err = p.communicate()
    wall = time.perf_counter() - start
    if check and p.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed ({p.returncode}):\n{err[-2000:]}")
    return wall, out, err, p.returncode


def median_wall(cmd, runs, env=None):
    walls = [run(cmd, env)[0] for _ in range(runs)]
    return statistics.median(walls), walls


def tree_memory_kib(pid):
    """(proportional set size of pid and its descendants: shared pages counted once; the largest
    peak RSS (VmHWM) among them), KiB."""
    children = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    total, hwm, stack = 0, 0, [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        hwm = max(hwm, int(line.split()[1]))
        except OSError:
            pass
    return total, hwm


def run_with_memory(cmd, env=None):
    """Runs cmd sampling its process tree's PSS; returns (wall, out, err, code, peak PSS KiB,
    peak RSS of its largest process KiB)."""
    start = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True)
    peak = [0, 0]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            pss, hwm = tree_memory_kib(p.pid)
            peak[0], peak[1] = max(peak[0], pss), max(peak[1], hwm)
            stop.wait(0.5)

    t = threading.Thread(target=sample)
    t.start()
    out, err = p.communicate()
    wall = time.perf_counter() - start
    stop.set()
    t.join()
    return wall, out, err, p.returncode, peak[0], peak[1]


def ms(s):
    return f"{s * 1000:.1f} ms"


def machine():
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            mem = f"{int(f.readline().split()[1]) / 1024 / 1024:.1f} GiB RAM"
    except OSError:
        pass
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return f"{cpu}, {os.cpu_count()} cores, {mem}; load average {load}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5, help="runs per timed command (median reported)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="kcost analyze --all --jobs")
    ap.add_argument("--skip-all", action="store_true", help="skip analyze --all (minutes)")
    args = ap.parse_args()
    if not os.access(KCOST, os.X_OK):
        sys.exit(f"bench: no {KCOST}; run bash cmake/setup.sh first")
    work = tempfile.mkdtemp(prefix="kcost-bench-")
    env = dict(os.environ, KCOST_CACHE_DIR=os.path.join(work, "cache"))
    versions = run([KCOST, "--version"], env)[1].strip().replace("\n", "; ")
    print(f"machine: {machine()}")
    print(f"kcost:   {versions}")
    print(f"runs:    median of {args.runs} unless said\n")

    # 1. Cold analyze against the bare import of the modeling module.
    imp, _ = median_wall([PYTHON, "-c", "import transformers.models.llama.modeling_llama"], args.runs, env)
    costs = os.path.join(work, "costs-llama")
    analyze, _ = median_wall([KCOST, "analyze", "llama", "--costs-dir", costs, "--force"], args.runs, env)
    line = run([KCOST, "analyze", "llama", "--costs-dir", costs, "--force"], env)[1].strip()
    split = re.search(r"\((\d+) ms analysis after (\d+) ms", line)
    print("cold analyze llama (whole process)          ", ms(analyze))
    print("bare import of modeling_llama (python -c)   ", ms(imp))
    print(f"  ratio {analyze / imp:.2f}x, {ms(analyze - imp)} beyond the import"
          + (f"; kcost's own split: {split.group(1)} ms analysis after {split.group(2)} ms starting" if split else ""))

    # 2. Warm eval.
    eval_cmd = [KCOST, "eval", "llama", "--batch-size", "1", "--seq-len", "1", "--cache-len", "4096"]
    cold_eval = run(eval_cmd, env)[0]
    warm, walls = median_wall(eval_cmd, max(args.runs, 11), env)
    nopy, _ = median_wall(eval_cmd + ["--python-env", "/nonexistent"], max(args.runs, 11), env)
    print(f"\neval llama b=1 s=1 c=4096, cold (fresh cache) {ms(cold_eval)}")
    print(f"eval llama, warm (median of {len(walls)})            {ms(warm)}   target < 50 ms; "
          f"ratio cold/warm {cold_eval / warm:.0f}x")
    print(f"eval llama, warm, --python-env /nonexistent  {ms(nopy)}")

    # 3. Warm sweep of a million points.
    sweep_cmd = [KCOST, "sweep", "llama", "--batch-size", "1:100", "--seq-len", "1:10", "--cache-len",
                 "0:999000:1000", "-o", os.path.join(work, "sweep.csv")]
    run(sweep_cmd, env)  # compiles the totals once and caches them
    sweep, _ = median_wall(sweep_cmd, args.runs, env)
    err = run(sweep_cmd, env)[2]
    rate = re.search(r"\(([0-9.e+]+) points/s", err)
    print(f"\nsweep llama, 1,000,000 points, warm (whole process) {ms(sweep)}   target < 1 s")
    print(f"  {1e6 / sweep:.3g} rows/s whole process; evaluation alone {rate.group(1) if rate else '?'} points/s")

    # 4. Per point against FlopCounterMode on the meta device, Llama-3-8B shapes.
    config = os.path.join(work, "llama3-8b.json")
    with open(config, "w") as f:
        json.dump(LLAMA3_8B, f)
    flop_script = f"""
import inspect, json, statistics, time, warnings, torch
from torch.utils.flop_counter import FlopCounterMode
from transformers import DynamicCache, LlamaConfig, LlamaForCausalLM
warnings.simplefilter("ignore")
config = LlamaConfig(**json.load(open({config!r})))
with torch.device("meta"):
    model = LlamaForCausalLM(config).eval()
ids = torch.zeros((1, 1), dtype=torch.long, device="meta")
# The design's call (a cache, use_cache=True): without a cache the mask code calls .item(),
# which the meta device cannot answer.
cache_arg = "cache" if "cache" in inspect.signature(model.forward).parameters else "past_key_values"
times = []
with torch.no_grad():
    for _ in range({max(args.runs, 5)}):
        start = time.perf_counter()
        with FlopCounterMode(display=False) as counter:
            model(ids, use_cache=True, **{{cache_arg: DynamicCache(config=config)}})
        times.append(time.perf_counter() - start)
print(json.dumps({{"seconds": statistics.median(times), "flops": counter.get_total_flops()}}))
"""
    fc = json.loads(run([PYTHON, "-c", flop_script], env)[1].strip().splitlines()[-1])
    point_sweep = [KCOST, "sweep", "llama", "--config", config, "--batch-size", "1:100", "--seq-len", "1:10",
                   "--cache-len", "0:999000:1000", "-o", os.path.join(work, "sweep8b.csv")]
    run(point_sweep, env)
    rates = []
    for _ in range(args.runs):
        m = re.search(r"\(([0-9.e+]+) points/s", run(point_sweep, env)[2])
        rates.append(float(m.group(1)))
    per_point = 1 / statistics.median(rates)
    print(f"\nper point, Llama-3-8B shapes (FlopCounterMode: batch 1, 1 new token, empty cache):")
    print(f"  FlopCounterMode on meta, one forward   {fc['seconds'] * 1e3:.1f} ms ({fc['flops']:,} FLOPs counted)")
    print(f"  kcost, one point of a sweep           {per_point * 1e9:.0f} ns")
    print(f"  ratio {fc['seconds'] / per_point:.3g}x   target >= 1e6")

    if not args.skip_all:
        # 5. Every causal LM in one process against importing every modeling module.
        import_all = """
import time, importlib, transformers
from transformers.models.auto import modeling_auto
failed = 0
for name in modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES.values():
    try:
        getattr(transformers, name)
    except Exception:
        failed += 1
print(len(modeling_auto.MODEL_FOR_CAUSAL_LM_MAPPING_NAMES), failed)
"""
        imp_all, out, _, _ = run([PYTHON, "-c", import_all], env)
        types, failed = out.split()
        wall, out, err, code, pss, largest = run_with_memory(
            [KCOST, "analyze", "--all", "--jobs", str(args.jobs), "--costs-dir", os.path.join(work, "zoo"),
             "--allow-unknown"], env)
        summary = out.strip().splitlines()[-1] if out.strip() else err.strip()[-500:]
        print(f"\nimport every causal-LM modeling module ({types} types, {failed} not importable), one process "
              f"{wall_s(imp_all)}")
        print(f"kcost analyze --all --jobs {args.jobs} (whole process, exit {code})       {wall_s(wall)}")
        print(f"  {wall_s(wall - imp_all)} beyond the imports (target < 60 s); ratio {wall / imp_all:.2f}x")
        print(f"  peak memory: {pss / 1024:.0f} MiB proportional set size of the process tree, "
              f"{largest / 1024:.0f} MiB RSS of its largest process (target < 1.5 GB)")
        print(f"  {summary}")
    shutil.rmtree(work, ignore_errors=True)


def wall_s(s):
    return f"{s:.1f} s"


if __name__ == "__main__":
    main()
