"""Timing of the design's inference call for `kcost measure`, and the machine's peaks for
`kcost hardware`. Records numbers only; the C++ side writes the CSV and fits.

`measure_load` builds one model (random weights, nothing downloaded) from its config on a device
in a dtype, after refusing it when its parameters (counted on the meta device, nothing
allocated) exceed a memory budget; `measure_point` then prefills a DynamicCache with cache_len
tokens (not timed) and times
    model(input_ids, attention_mask=ones(b, c + s), cache=cache, use_cache=True)
`warmup + repeats` times, the device synchronised before and after each call; between calls the
cache is cropped back to cache_len tokens (not timed). `measure_release` frees the model.
"""

import gc
import json
import os
import platform
import time

from .configs import _config_class_of
from .locate import _import_object, _qualname
from .model_run import build_model, cache_keyword, inference_call, new_cache, prefill

_DTYPES = {"float32": "float32", "bfloat16": "bfloat16", "float16": "float16"}
_loaded = {}


def _torch_dtype(name):
    import torch

    if name not in _DTYPES:
        raise LookupError(f"unknown dtype '{name}' (float32, bfloat16, float16)")
    return getattr(torch, _DTYPES[name])


def _synchronize(device):
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()
    elif device.startswith("mps"):
        torch.mps.synchronize()


def _check_device(device):
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise LookupError("device 'cuda' is not available to this torch")
    if device.startswith("mps") and not (hasattr(torch.backends, "mps") and torch.backends.mps.is_available()):
        raise LookupError("device 'mps' is not available to this torch")
    if not any(device.startswith(d) for d in ("cpu", "cuda", "mps")):
        raise LookupError(f"unknown device '{device}' (cpu, cuda, mps)")


def device_name(device):
    import torch

    if device.startswith("cuda"):
        return torch.cuda.get_device_name(torch.device(device))
    if device.startswith("mps"):
        return "Apple " + (platform.processor() or "GPU") + " (mps)"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine() or "cpu"


def _free_memory(device):
    """Bytes the device can still give: free device memory, or the host's available memory."""
    import torch

    if device.startswith("cuda"):
        return torch.cuda.mem_get_info(torch.device(device))[0]
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_AVPHYS_PAGES")


def _is_out_of_memory(error):
    import torch

    if isinstance(error, (MemoryError, torch.OutOfMemoryError)):
        return True
    text = str(error).lower()
    return isinstance(error, RuntimeError) and ("out of memory" in text or "can't allocate" in text)


def _config(model_class, config_json):
    config_class = _config_class_of(model_class)
    if config_class is None:
        raise LookupError(f"cannot tell which config class '{_qualname(model_class)}' takes")
    data = json.loads(config_json) if config_json else {}
    return config_class(**{k: v for k, v in data.items() if k != "model_type"})


def measure_load(model_class_name, config_json, attn_implementation, device, dtype, threads, budget_bytes):
    """JSON {"status": "ok", "parameters", "parameter_bytes", "device_name", "threads"} or
    {"status": "refused", "reason"} when the parameters exceed `budget_bytes` (0: 90% of the
    device's free memory). `config_json` is the config's content ("" for the class defaults)."""
    import torch

    _check_device(device)
    measure_release()
    if int(threads) > 0:
        torch.set_num_threads(int(threads))
    model_class = _import_object(model_class_name)
    torch_dtype = _torch_dtype(dtype)
    config = _config(model_class, config_json)
    with torch.device("meta"):
        meta = model_class(config)
    numel = sum(p.numel() for p in meta.parameters()) + sum(b.numel() for b in meta.buffers())
    item = torch.empty((), dtype=torch_dtype).element_size()
    parameter_bytes = numel * item
    del meta
    budget = int(budget_bytes) or int(0.9 * _free_memory(device))
    info = {"parameters": numel, "parameter_bytes": parameter_bytes, "device_name": device_name(device),
            "threads": torch.get_num_threads()}
    if parameter_bytes > budget:
        return json.dumps(dict(info, status="refused", reason=f"its parameters take {parameter_bytes / 1e9:.3g} GB "
                               f"in {dtype}, over the memory budget of {budget / 1e9:.3g} GB"))
    config = _config(model_class, config_json)
    with torch.no_grad():
        model = build_model(model_class, config, attn_implementation, torch_dtype, device)
    _loaded.update(model=model, config=config, device=device, keyword=cache_keyword(model),
                   vocab=int(getattr(config, "vocab_size", 0) or 2))
    return json.dumps(dict(info, status="ok"))


def _quartiles(times):
    ordered = sorted(times)
    n = len(ordered)

    def at(q):  # linear interpolation between order statistics
        x = q * (n - 1)
        i = int(x)
        return ordered[i] if i + 1 >= n else ordered[i] + (x - i) * (ordered[i + 1] - ordered[i])

    return {"median": at(0.5), "q1": at(0.25), "q3": at(0.75), "min": ordered[0], "max": ordered[-1]}


def measure_point(batch_size, seq_len, cache_len, repeats, warmup):
    """JSON {"status": "ok", "median", "q1", "q3", "min", "max", "samples"} (seconds per call) or
    {"status": "oom", "reason"} when the device ran out of memory at this point."""
    import torch

    b, s, c, repeats, warmup = int(batch_size), int(seq_len), int(cache_len), int(repeats), int(warmup)
    model, config, device, keyword = _loaded["model"], _loaded["config"], _loaded["device"], _loaded["keyword"]
    generator = torch.Generator().manual_seed(1000 * b + 100 * s + c)
    vocab = _loaded["vocab"]
    prefix = torch.randint(0, vocab, (b, c), generator=generator).to(device)
    ids = torch.randint(0, vocab, (b, s), generator=generator).to(device)
    times = []
    cache = None
    try:
        with torch.no_grad():
            cache = prefill(model, config, prefix, keyword)
            for i in range(warmup + repeats):
                if c == 0:
                    cache = new_cache(config)
                elif cache.get_seq_length() != c:
                    cache.crop(c - cache.get_seq_length())
                    if cache.get_seq_length() != c:  # a cache that cannot be cropped is filled again
                        cache = prefill(model, config, prefix, keyword)
                _synchronize(device)
                start = time.perf_counter()
                inference_call(model, ids, cache, c, keyword)
                _synchronize(device)
                elapsed = time.perf_counter() - start
                if i >= warmup:
                    times.append(elapsed)
    except Exception as e:  # noqa: BLE001 - only running out of memory is a result; the rest is raised
        if not _is_out_of_memory(e):
            raise
        cache = None
        gc.collect()
        if device.startswith("cuda"):
            torch.cuda.empty_cache()
        return json.dumps({"status": "oom", "reason": str(e).splitlines()[0][:200]})
    return json.dumps(dict(_quartiles(times), status="ok", samples=len(times)))


def measure_release():
    """Frees the loaded model."""
    import torch

    device = _loaded.get("device", "")
    _loaded.clear()
    gc.collect()
    if device.startswith("cuda"):
        torch.cuda.empty_cache()
    return json.dumps(True)


def machine_peaks(device, dtype, threads):
    """JSON {"device_name", "cores", "threads", "peak_flops", "bandwidth"}: the best of a few
    square matmuls (2 n^3 FLOPs each) and of a few copies of a large tensor (read + write), so a
    few seconds at most. Achieved figures of this torch build, not datasheet peaks."""
    import torch

    _check_device(device)
    if int(threads) > 0:
        torch.set_num_threads(int(threads))
    torch_dtype = _torch_dtype(dtype)
    n = 2048 if device.startswith("cuda") else 1024
    a = torch.randn(n, n, device=device).to(torch_dtype)
    bm = torch.randn(n, n, device=device).to(torch_dtype)

    def best(fn, tries, budget_seconds=2.0):
        fn()
        _synchronize(device)
        out, spent = float("inf"), 0.0
        for _ in range(tries):
            start = time.perf_counter()
            fn()
            _synchronize(device)
            t = time.perf_counter() - start
            out, spent = min(out, t), spent + t
            if spent > budget_seconds:
                break
        return out

    matmul = best(lambda: torch.mm(a, bm), 10)
    elements = (256 if device.startswith("cuda") else 32) * 1024 * 1024
    src = torch.ones(elements, device=device, dtype=torch_dtype)
    dst = torch.empty_like(src)
    copy = best(lambda: dst.copy_(src), 10)
    moved = 2 * src.numel() * src.element_size()
    del a, bm, src, dst
    return json.dumps({"device_name": device_name(device), "cores": os.cpu_count() or 1,
                       "threads": torch.get_num_threads(), "dtype": dtype,
                       "peak_flops": 2.0 * n ** 3 / matmul, "bandwidth": moved / copy})
