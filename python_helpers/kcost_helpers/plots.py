"""Draws plots from numbers kcost computed in C++ (no computation of costs here).

render_plot(spec_json) takes a JSON spec:
- {"kind": "roofline", "output", "title", "hardware": {"name", "peak_flops", "bandwidth"},
   "model": {"name", "flops", "bytes", "seconds"},
   "kernels": [{"name", "flops", "bytes", "seconds", "bound"}]}
- {"kind": "sweep", "output", "title", "series": [{"label", "cache_len": [...], "seconds": [...]}]}
- {"kind": "calibration", "output", "title",
   "runs": [{"model", "phase", "set", "measured_seconds", "predicted_seconds"}]}
and writes the picture to "output" (format by extension). Returns {"output": path}.
"""

import json
import math
import textwrap


def _pyplot():
    try:
        import matplotlib
    except ImportError as e:
        raise LookupError(f"plots need matplotlib in the Python environment: {e}") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _roofline(plt, spec):
    hw = spec["hardware"]
    peak, bandwidth = hw["peak_flops"], hw["bandwidth"]
    shown = [k for k in spec["kernels"] if k["flops"] > 0 and k["bytes"] > 0]
    hidden = [k["name"] for k in spec["kernels"] if not (k["flops"] > 0 and k["bytes"] > 0)]
    model = spec["model"]
    points = [k["flops"] / k["bytes"] for k in shown]
    if model["flops"] > 0 and model["bytes"] > 0:
        points.append(model["flops"] / model["bytes"])
    ridge = peak / bandwidth
    lo = min(points + [ridge]) / 10
    hi = max(points + [ridge]) * 10
    fig, ax = plt.subplots(figsize=(9, 6))
    xs = [lo * (hi / lo) ** (i / 200) for i in range(201)]
    ax.plot(xs, [min(peak, x * bandwidth) for x in xs], color="black", linewidth=1.5,
            label=f"{hw['name']} roofline")
    total_time = sum(k["seconds"] for k in shown) or 1.0
    labels = {}  # kernels at the same spot share one label
    for k in shown:
        x = k["flops"] / k["bytes"]
        y = k["flops"] / k["seconds"] if k["seconds"] > 0 else min(peak, x * bandwidth)
        size = 30 + 600 * k["seconds"] / total_time
        color = "tab:red" if k["bound"] == "memory" else "tab:blue"
        ax.scatter([x], [y], s=size, color=color, alpha=0.6, edgecolors="black", linewidths=0.5)
        spot = (round(math.log10(x), 2), round(math.log10(y), 2))
        labels.setdefault(spot, (x, y, []))[2].append(k["name"])
    for x, y, names in labels.values():
        ax.annotate(", ".join(names), (x, y), textcoords="offset points", xytext=(6, 4), fontsize=8)
    if model["flops"] > 0 and model["bytes"] > 0 and model["seconds"] > 0:
        x = model["flops"] / model["bytes"]
        ax.scatter([x], [model["flops"] / model["seconds"]], marker="*", s=250, color="gold",
                   edgecolors="black", zorder=5, label=f"{model['name']} (whole step)")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("arithmetic intensity (FLOP / byte moved)")
    ax.set_ylabel("attainable FLOP/s")
    ax.set_title("\n".join(textwrap.wrap(spec.get("title", ""), 95)), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    note = "red: memory-bound, blue: compute-bound; size: share of the kernels' roofline time"
    if hidden:
        note += "\nnot shown (no FLOPs or no bytes): " + ", ".join(hidden)
    ax.text(0.01, 0.01, note, transform=ax.transAxes, fontsize=7, va="bottom")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def _sweep(plt, spec):
    fig, ax = plt.subplots(figsize=(9, 6))
    all_x = []
    for s in spec["series"]:
        pairs = sorted(zip(s["cache_len"], s["seconds"]))
        xs = [p[0] for p in pairs]
        ys = [p[1] * 1e3 for p in pairs]
        all_x += xs
        ax.plot(xs, ys, marker="o", markersize=3, label=s["label"])
    positive = [x for x in all_x if x > 0]
    if positive and len(positive) == len(all_x) and max(positive) / min(positive) > 100:
        ax.set_xscale("log")
    ax.set_xlabel("cache_len (tokens already in the KV cache)")
    ax.set_ylabel("roofline time per forward call (ms)")
    ax.set_title("\n".join(textwrap.wrap(spec.get("title", ""), 95)), fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def _calibration(plt, spec):
    """Measured against predicted seconds, log-log, one colour per phase and one marker per set
    (cross-validation: runs the fit did not see; held-out model: a model it never saw); the
    diagonal is a perfect prediction, the band +-25%."""
    fig, ax = plt.subplots(figsize=(7, 6.5))
    runs = [r for r in spec["runs"] if r["measured_seconds"] > 0 and r["predicted_seconds"] > 0]
    colours = {"prefill": "tab:blue", "decode": "tab:orange"}
    markers = {"cross_validation": "o", "held_out_model": "^"}
    for phase in sorted({r["phase"] for r in runs}):
        for kind in sorted({r["set"] for r in runs}):
            pts = [r for r in runs if r["phase"] == phase and r["set"] == kind]
            if not pts:
                continue
            ax.scatter([r["measured_seconds"] * 1e3 for r in pts], [r["predicted_seconds"] * 1e3 for r in pts],
                       c=colours.get(phase, "tab:gray"), marker=markers.get(kind, "s"), s=28, alpha=0.8,
                       label=f"{phase}, {kind.replace('_', ' ')}")
    if runs:
        values = [r["measured_seconds"] * 1e3 for r in runs] + [r["predicted_seconds"] * 1e3 for r in runs]
        lo, hi = min(values) / 1.5, max(values) * 1.5
        ax.plot([lo, hi], [lo, hi], color="black", linewidth=1, label="predicted = measured")
        ax.fill_between([lo, hi], [lo * 0.75, hi * 0.75], [lo * 1.25, hi * 1.25], color="gray", alpha=0.12,
                        label="within 25%")
        ax.set_xlim(lo, hi)
        ax.set_ylim(lo, hi)
        ax.set_xscale("log")
        ax.set_yscale("log")
    ax.set_xlabel("measured (ms, median of repeats)")
    ax.set_ylabel("predicted by the calibrated model (ms)")
    ax.set_title("\n".join(textwrap.wrap(spec.get("title", ""), 80)), fontsize=10)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def render_plot(spec_json):
    spec = json.loads(spec_json)
    plt = _pyplot()
    kinds = {"roofline": _roofline, "sweep": _sweep, "calibration": _calibration}
    if spec.get("kind") not in kinds:
        raise LookupError(f"no plot kind '{spec.get('kind')}'")
    fig = kinds[spec["kind"]](plt, spec)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fig.tight_layout()
    # Written to a temporary file beside the output and renamed over it: never half-written.
    import os

    output = spec["output"]
    temp = os.path.join(os.path.dirname(output), f".{os.path.basename(output)}.tmp-{os.getpid()}")
    try:
        fig.savefig(temp, dpi=120, format=os.path.splitext(output)[1][1:].lower() or None)
        os.replace(temp, output)
    except (OSError, ValueError) as e:
        if os.path.exists(temp):
            os.unlink(temp)
        raise LookupError(f"cannot write plot {output}: {e}") from None
    finally:
        plt.close(fig)
    return json.dumps({"output": spec["output"]})
