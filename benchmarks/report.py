"""Tables, the machine description, ``RESULTS.md`` and the plot, from one run's results.

The results are plain dictionaries (also written as JSON with ``--json``), so the text
and the figure are always derived from numbers measured in the same run.
"""

from __future__ import annotations

import os
import platform
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from benchmarks.peers import MINE, PACKAGE_ROWS, ROWS_NAME

# What the single-pass kernel is built for: the package's gradient within 1.3x the time of one full read
# of X (the floor), with peak extra memory at most 10% of X's size.
TARGET_RATIO = 1.3
TARGET_MEMORY_SHARE = 0.10
# Above this 1-minute load average (on the 2-core machines this runs on) other work holds
# more than a core: the ratios are then a measure of the load, not of the contenders.
NOT_A_RESULT_LOAD = 2.5


def machine() -> dict[str, Any]:
    """What the numbers were measured on: CPU, cores, memory, software versions, load."""
    info: dict[str, Any] = {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cpus_usable": _usable_cpus(),
        "memory_gib": _memory_gib(),
        "load_average": _load(),
    }
    for module in ("numpy", "numba", "jax", "torch", "sklearn"):
        info[module] = _version(module)
    info["blas"] = _blas()
    from autograd_lr.fast import settings

    info["kernel_settings"] = settings.machine_settings().as_dict()
    return info


def load_now() -> float | None:
    """The 1-minute load average now (``uptime``'s first figure)."""
    load = _load()
    return load[0] if load else None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _memory_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _version(module: str) -> str | None:
    import importlib.metadata

    name = {"sklearn": "scikit-learn"}.get(module, module)
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def _blas() -> str:
    import numpy as np

    try:
        config = np.show_config(mode="dicts")
        blas = config["Build Dependencies"]["blas"]
        return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
    except Exception:  # the layout of show_config is not a stable API
        return "unknown"


# --- text ---------------------------------------------------------------------------------


def _itemsize(dtype: str) -> int:
    return {"float64": 8, "float32": 4}[dtype]


def _ms(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds >= 10:
        return f"{seconds:,.0f} s"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1e3:.3g} ms"


def _ratio(ratio: float | None) -> str:
    if ratio is None:
        return "—"
    return f"{ratio:,.0f}×" if ratio >= 100 else f"{ratio:.2f}×"


def _mib(nbytes: int | None, total: int) -> str:
    if nbytes is None:
        return "—"
    return f"{nbytes / 2**20:.3g} MiB ({100 * nbytes / total:.2g}%)"


def _size(nbytes: int) -> str:
    return f"{nbytes / 2**20:g} MiB" if nbytes >= 2**20 else f"{nbytes / 2**10:g} KiB"


def context_line(info: dict[str, Any] | None, load: Sequence[float | None] | None = None) -> str:
    """CPU, caches and the kernel's settings (and the load), printed under every table."""
    if not info:
        return ""
    parts = [f"CPU {info['cpu']}"]
    kp = info.get("kernel_settings")
    if kp:
        c = kp["caches"]
        parts.append(
            f"caches L1d {_size(c['l1d_bytes'])}, L2 {_size(c['l2_bytes'])}, last level "
            f"{_size(c['llc_bytes'])} for {c['llc_sharing']} CPUs, line {c['line_bytes']} B "
            f"({c['source']})"
        )
        parts.append(
            f"kernel: row segments ≤ {_size(kp['segment_bytes'])}, blocks ≤ "
            f"{_size(kp['block_bytes'])}; from {_size(kp['fused_min_bytes_examples'])} "
            f"column-major X one pass, row-major X two passes by rows, and one pass "
            f"from {_size(kp['fused_min_bytes'])}"
        )
    if load and any(x is not None for x in load):
        parts.append("load " + " → ".join("?" if x is None else f"{x:g}" for x in load))
    return "_" + "; ".join(parts) + "_\n"


def gradient_table(case: dict[str, Any], info: dict[str, Any] | None = None) -> str:
    """One (shape, dtype) case as a markdown table, rows in the run's order."""
    n_x, m = case["shape"]
    block = f"; kernel block B = {case['block']} examples" if case.get("block") else ""
    head = (
        f"**(n_x, m) = ({n_x:,}, {m:,}), {case['dtype']}** — X is "
        f"{case['x_bytes'] / 2**20:,.0f} MiB; floor = {_ms(case['floor_s'])} "
        f"({case['x_bytes'] / case['floor_s'] / 1e9:.1f} GB/s){block}\n\n"
    )
    warm = case.get("warm_floor_s") is not None
    if warm:
        head += (
            "| contender | median time | ÷ floor | back to back | ÷ floor, back to back "
            "| peak extra memory | agrees | note |\n|---|---:|---:|---:|---:|---:|:---:|---|\n"
        )
    else:
        head += (
            "| contender | median time | ÷ floor | peak extra memory | agrees | note |\n"
            "|---|---:|---:|---:|:---:|---|\n"
        )
    lines = []
    for row in case["rows"]:
        agrees = {True: "yes", False: "**NO**", None: ""}[row["agrees"]]
        warm_cells = (
            f"{_ms(row.get('warm_seconds'))} | {_ratio(row.get('warm_ratio'))} | " if warm else ""
        )
        lines.append(
            f"| {row['name']} | {_ms(row['seconds'])} | {_ratio(row['ratio'])} | {warm_cells}"
            f"{_mib(row['peak_bytes'], case['x_bytes'])} | {agrees} | {row['note']} |"
        )
    foot = (
        f"\n\nBack to back: X fits in the last-level cache, so each contender is also timed "
        f"called {case.get('burst', 'several')} times in a row (as in a training loop: X stays "
        f"in cache, thread pools stay awake); floor back to back = "
        f"{_ms(case['warm_floor_s'])}."
        if warm
        else ""
    )
    return head + "\n".join(lines) + foot + "\n\n" + context_line(info, case.get("load"))


def verdicts(cases: Sequence[dict[str, Any]]) -> list[str]:
    """One line per case: the package's gradient's time over the floor, against the fastest peer and
    :data:`TARGET_RATIO`, its extra memory, and what limits it where it is above that ratio."""
    out = []
    for case in cases:
        rows = {r["name"]: r for r in case["rows"]}
        mine = rows.get(MINE)
        if mine is None or mine["ratio"] is None:
            continue
        peers = [
            r
            for r in case["rows"]
            if r["name"] not in PACKAGE_ROWS and not r["floor"] and r["ratio"] is not None
        ]
        fastest_peer = min(peers, key=lambda r: r["ratio"]) if peers else None
        beats = fastest_peer is None or mine["ratio"] < fastest_peer["ratio"]
        memory_ok = mine["peak_bytes"] is not None and (
            mine["peak_bytes"] <= TARGET_MEMORY_SHARE * case["x_bytes"]
        )
        n_x, m = case["shape"]
        peer_text = (
            f"the fastest peer, {fastest_peer['name']}, {_ratio(fastest_peer['ratio'])}: "
            f"{MINE} is {_faster(beats)}"
            if fastest_peer
            else "no peer measured"
        )
        line = (
            f"({n_x:,}, {m:,}) {case['dtype']}: {MINE} takes {_ratio(mine['ratio'])} the "
            f"time of one read of X ({_within(mine['ratio'] <= TARGET_RATIO)} the "
            f"{TARGET_RATIO}× the kernel is built for); {peer_text}; peak extra memory "
            f"{_mib(mine['peak_bytes'], case['x_bytes'])}, {_within(memory_ok)} the "
            f"{TARGET_MEMORY_SHARE:.0%} of X's size it is built for"
        )
        rows_layout = rows.get(ROWS_NAME)
        if rows_layout and rows_layout["ratio"] is not None:
            beats_rows = fastest_peer is None or rows_layout["ratio"] < fastest_peer["ratio"]
            line += (
                f"; on scikit-learn's rows {_ratio(rows_layout['ratio'])}, "
                f"{_faster(beats_rows)} than the fastest peer"
            )
        if mine.get("warm_ratio") is not None:
            warm_peers = [r for r in peers if r.get("warm_ratio") is not None]
            warm_best = min(warm_peers, key=lambda r: r["warm_ratio"]) if warm_peers else None
            line += f"; back to back {_ratio(mine['warm_ratio'])}" + (
                f" against {warm_best['name']}'s {_ratio(warm_best['warm_ratio'])}, "
                f"{_faster(mine['warm_ratio'] < warm_best['warm_ratio'])}"
                if warm_best
                else ""
            )
        if mine["ratio"] > TARGET_RATIO:
            line += "; " + limit_text(case, rows)
        out.append(line)
    return out


def _faster(faster: bool) -> str:
    return "faster" if faster else "slower"


def _within(within: bool) -> str:
    return "within" if within else "above"


def limit_text(case: dict[str, Any], rows: dict[str, dict[str, Any]]) -> str:
    """What keeps the package's gradient above :data:`TARGET_RATIO`, in figures from the same run."""
    if case.get("two_pass"):
        mine, one_thread = rows[MINE], rows.get("kernel, 1 thread")
        figures = f"{MINE} {_ratio(mine['ratio'])}" + (
            f", the kernel on one thread {_ratio(one_thread['ratio'])}"
            if one_thread and one_thread["ratio"]
            else ""
        )
        if mine.get("warm_ratio"):
            figures += f"; back to back, X in cache, {_ratio(mine['warm_ratio'])}"
        return (
            f"what limits it: X ({case['x_bytes'] / 2**20:,.0f} MiB) fits in the last-level cache and is "
            f"stored row by row, so no block of examples is both long enough to stream and "
            f"small enough to stay in L2: the gradient reads X twice, once for z and once for dw, "
            f"and two reads at the floor's pace would be 2.00× ({figures})"
        )
    one_read = rows.get("floor: X.sum()")  # numpy sums on one thread
    one_thread = rows.get("kernel, 1 thread")
    floor_gbs = case["x_bytes"] / case["floor_s"] / 1e9
    if one_read and one_thread and one_read["seconds"] and one_thread["seconds"]:
        single = one_thread["seconds"] / one_read["seconds"]
        read_gbs = case["x_bytes"] / one_read["seconds"] / 1e9
        text = (
            f"what limits it: on one thread the kernel takes {_ms(one_thread['seconds'])}, "
            f"{single:.2f}× one thread's read of X ({_ms(one_read['seconds'])}, "
            f"{read_gbs:.1f} GB/s), while the floor reads X at {floor_gbs:.1f} GB/s"
        )
        if single <= TARGET_RATIO:
            return text + (
                ": one core keeps up with its own read; the gap is in sharing the memory "
                "bandwidth between threads"
            )
        arithmetic = case.get("arithmetic_ns")
        if not arithmetic:
            return text + ": the kernel's arithmetic per entry, not memory, sets the pace of a core"
        entries = case["x_bytes"] / _itemsize(case["dtype"])
        read_ns = one_read["seconds"] / entries * 1e9
        thread_ns = one_thread["seconds"] / entries * 1e9
        text += (
            f"; per entry of X, one core needs {read_ns:.3f} ns to read it from memory, the "
            f"kernel's arithmetic alone (X in cache) {arithmetic:.3f} ns, and the kernel on "
            f"one thread {thread_ns:.3f} ns"
        )
        if arithmetic >= read_ns:
            return text + ": the arithmetic per entry, not memory, sets the pace of a core"
        return text + (
            f", close to the sum of the two ({read_ns + arithmetic:.3f} ns): a core does not "
            f"overlap its arithmetic with its waits for memory, and the second thread hides "
            f"only part of them"
            if thread_ns >= 0.8 * (read_ns + arithmetic)
            else ": a core overlaps its arithmetic with its waits for memory only in part"
        )
    vec = rows.get("gradients_vectorized")
    vec_text = f" (the formula alone {_ratio(vec['ratio'])})" if vec and vec["ratio"] else ""
    return (
        f"what limits it: X fits in one L2 cache, so the objective takes the formula, which reads X "
        f"twice{vec_text}, after its finiteness screen (one more read)"
    )


def vectorization_table(rows: Sequence[dict[str, Any]]) -> str:
    lines = [
        "| (n_x, m) | lecture's loop | gradients_vectorized | propagate | loop ÷ vectorized |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        n_x, m = r["shape"]
        loop = _ms(r["loop_s"]) + ("" if r["loop_exact"] else " (scaled)")
        lines.append(
            f"| ({n_x:,}, {m:,}) | {loop} | {_ms(r['vectorized_s'])} | {_ms(r['propagate_s'])} "
            f"| {r['loop_s'] / r['vectorized_s']:,.0f}× |"
        )
    return "\n".join(lines) + "\n"


def training_table(training: dict[str, Any], info: dict[str, Any] | None = None) -> str:
    n_x, m = training["shape"]
    lines = [
        f"(n_x, m) = ({n_x:,}, {m:,}), {training['iterations']} iterations, "
        f"α = {training['alpha']}, float64\n",
        "| way | time | iterations / s | final w vs the course's own code |",
        "|---|---:|---:|---:|",
    ]
    for r in training["rows"]:
        if r.get("seconds") is None:
            lines.append(f"| {r['name']} | — | — | — |")
            continue
        error = "—" if r["w_error"] is None else f"{r['w_error']:.1e}"
        lines.append(
            f"| {r['name']} | {_ms(r['seconds'])} | {r['iterations_per_s']:,.0f} | {error} |"
        )
    if training.get("compile_s") is not None:
        lines.append(f"\njax compile + first run: {_ms(training['compile_s'])}.")
    return "\n".join(lines) + "\n\n" + context_line(info, training.get("load"))


def checker_table(checker: dict[str, Any]) -> str:
    if checker.get("missing"):
        return f"{checker['missing']}\n"
    n_x, m = checker["shape"]
    lines = [
        f"check_gradients(propagate) on one problem (n_x, m) = ({n_x:,}, {m:,})\n",
        "| mode | time | passed |",
        "|---|---:|:---:|",
    ]
    for r in checker["rows"]:
        lines.append(f"| {r['name']} | {_ms(r['seconds'])} | {'yes' if r['passed'] else 'NO'} |")
    return "\n".join(lines) + "\n"


def machine_text(info: dict[str, Any]) -> str:
    versions = ", ".join(
        f"{k} {info[k]}" for k in ("numpy", "numba", "jax", "torch", "sklearn") if info.get(k)
    )
    missing = [k for k in ("numba", "jax", "torch", "sklearn") if not info.get(k)]
    return (
        f"- CPU: {info['cpu']}, {info['cpus_usable']} usable cores; "
        f"memory {info['memory_gib']} GiB\n"
        f"- {info['platform']}, Python {info['python']}, BLAS {info['blas']}\n"
        f"- {versions}" + (f"; not installed: {', '.join(missing)}" if missing else "") + "\n"
        f"- load average (1, 5, 15 min) at start: {info['load_average']}\n"
        + (f"- {context_line(info).strip().strip('_')}\n" if info.get("kernel_settings") else "")
    )


def full_text(results: dict[str, Any]) -> str:
    """Everything the run measured, as markdown (printed, and the body of RESULTS.md)."""
    parts = ["## Machine\n", machine_text(results["machine"])]
    if results.get("load_after") is not None:
        parts.append(f"- load average at the end: {results['load_after']}\n")
    info = results["machine"]
    parts.append("\n## Gradient and cost, against the floor\n")
    for case in results["gradients"]:
        parts.append("\n" + gradient_table(case, info))
    if results["gradients"]:
        parts.append(f"\n### {MINE} against one read of X\n\n")
        parts.append(VERDICTS_INTRO)
        parts.extend(f"- {line}\n" for line in verdicts(results["gradients"]))
    if results.get("vectorization"):
        parts.append("\n## The lecture's loop against the vectorized formula\n\n")
        parts.append(vectorization_table(results["vectorization"]))
    if results.get("training"):
        parts.append("\n## Training loop (the course's model)\n\n")
        parts.append(training_table(results["training"], info))
    if results.get("checker"):
        parts.append("\n## Verification cost\n\n")
        parts.append(checker_table(results["checker"]))
    return "".join(parts)


# --- files -------------------------------------------------------------------------------------


_READABLE = 0o644  # results are shared files, like the rest of the checkout


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically (:func:`autograd_lr.files.atomic_write_text`)."""
    from autograd_lr.files import atomic_write_text

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


# RESULTS.md may end with sections written by other benchmarks (the grader's, the
# checker's): everything from this line on is kept when the file is written again.
OTHERS_MARKER = "<!-- sections below are written by other benchmarks; --render keeps them -->"


def others_sections(path: Path) -> str:
    """The part of an existing RESULTS.md from :data:`OTHERS_MARKER` on ('' if none)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return ""
    at = text.find(OTHERS_MARKER)
    return text[at + len(OTHERS_MARKER) :].lstrip("\n") if at >= 0 else ""


def plot(cases: Sequence[dict[str, Any]], path: Path) -> None:
    """Ratio to the floor of every contender, one panel per dtype, log scale."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    dtypes = sorted({c["dtype"] for c in cases}, reverse=True)  # float64 first
    fig, axes = plt.subplots(1, len(dtypes), figsize=(6.5 * len(dtypes), 4.8), squeeze=False)
    for ax, dtype in zip(axes[0], dtypes, strict=True):
        mine = [c for c in cases if c["dtype"] == dtype]
        names = [
            r["name"]
            for r in mine[0]["rows"]
            if not r["floor"] and any(rr["ratio"] is not None for c in mine for rr in c["rows"])
        ]
        width = 0.8 / max(1, len(mine))
        for k, case in enumerate(mine):
            ratios = {r["name"]: r["ratio"] for r in case["rows"]}
            ys = [i + (k - (len(mine) - 1) / 2) * width for i in range(len(names))]
            xs = [ratios.get(n) or 0.0 for n in names]
            n_x, m = case["shape"]
            ax.barh(ys, xs, height=width, label=f"({n_x:,}, {m:,})")
        ax.axvline(1.0, color="black", linewidth=1)
        ax.axvline(
            TARGET_RATIO,
            color="tab:red",
            linestyle="--",
            linewidth=1,
            label=f"{TARGET_RATIO}×, what the kernel is built for",
        )
        ax.set_xscale("log")
        ax.set_yticks(range(len(names)), names)
        ax.invert_yaxis()
        ax.set_xlabel("time ÷ floor (one full read of X); lower is better")
        ax.set_title(f"gradient + cost, {dtype}")
        ax.legend(title="(n_x, m)", fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".png")
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110)
        os.chmod(tmp, _READABLE)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    finally:
        plt.close(fig)


INTRO = """\
# Benchmarks: the gradient against its peers and the memory floor

Produced by `make bench` (`python -m benchmarks.run`); every number below comes from
that one run. One gradient (and cost) of logistic regression must read all of
`X (n_x, m)`, so each time is divided by the **floor**: the faster of `X.sum()` and
one `wᵀX`, measured in the same run, interleaved with the contenders (one call of each
per round, median over rounds). Each contender computes the gradient **and** the cost,
and is checked against `gradients_vectorized` before it is timed ("agrees"). Peak extra
memory is what numpy allocates during one call (tracemalloc); jax and torch allocate
through their own allocators, which tracemalloc does not see ("—").
"""


def load_note(results: dict[str, Any]) -> str:
    """Say plainly whether other work shared the machine during the run."""
    info = results["machine"]
    loads = [x for x in (info.get("load_average"), results.get("load_after")) if x]
    if not loads:
        return ""
    busiest = max(load[0] for load in loads)
    for part in [*results.get("gradients", []), results.get("training") or {}]:
        busiest = max([busiest, *(x for x in part.get("load") or [] if x is not None)])
    if busiest > NOT_A_RESULT_LOAD:
        return (
            f"\n**NOT A RESULT: the machine was busy** (1-minute load average up to {busiest} "
            f"on {info['cpus_usable']} cores, above {NOT_A_RESULT_LOAD}): other work took "
            f"the cores the contenders needed; run again when `uptime` shows less.\n"
        )
    if busiest >= 0.5 * info["cpus_usable"]:
        return (
            f"\n**Measured while other work was running** (1-minute load average up to "
            f"{busiest} on {info['cpus_usable']} cores): absolute times are noisy; the "
            f"ratios, measured side by side in the same rounds, are what to read.\n"
        )
    return f"\nThe machine was quiet (1-minute load average ≤ {busiest}).\n"


def results_markdown(results: dict[str, Any], plot_name: str, others: str = "") -> str:
    """The whole RESULTS.md: introduction, machine, tables, plot, notes, then ``others``
    (the sections other benchmarks wrote below :data:`OTHERS_MARKER`, kept as they are)."""
    parts = [INTRO, load_note(results), "\n", full_text(results)]
    if results["gradients"]:
        parts.append(f"\n![time ÷ floor for every contender]({plot_name})\n")
    parts.append("\n" + NOTES + "\n" + OTHERS_MARKER + "\n")
    if others:
        parts.append("\n" + others)
    return "".join(parts)


VERDICTS_INTRO = """\
A ratio is a time divided by the floor, the time it takes to read X once: 1.00× would be
a gradient that costs nothing beyond reading its data, which every gradient must. The
single-pass kernel is built to stay within 1.3× of it with at most 10% of X's size in
extra memory; the peers are the other libraries timed on the same problem.

"""

NOTES = """\
## Notes

- **How the package reads X once.** On large X the training objective (`LogisticLoss`,
  `src/autograd_lr/training/objective.py`) calls `gradients_fused`
  (`src/autograd_lr/fast/kernel.py`). X stored row by row (C order) is cut into blocks
  of B examples; for each block the kernel computes z, then dz and the loss of every
  example, then adds X_block dZ into dw while the block is still in cache; the dw sweep
  of block k and the z sweep of block k + 1 share one loop over rows, eight rows at a
  time (`fast/loops.py`). X stored example by example (F order) takes groups of examples
  that fit in L2, each example contiguous. The losses of a block are computed in SIMD
  loops (`fast/losses.py`), not one libm `exp` and `log1p` per example. Threads take
  chunks of examples whose partial sums are added in chunk order: the same result bit
  for bit for any thread count. X is never copied or cast; float32 X is summed in
  float32 only where the sums are short (z, one block's part of dw) and in float64 over
  all m examples (dw, db, J).
- **Parameters from the machine.** B, the largest block and the switch-over sizes are
  derived from the caches the machine reports (`fast/settings.py`; its docstring gives
  each rule and the fallback), and printed under every table: a page per row, two
  blocks per thread within its share of the last-level cache, the single pass for
  row-major X from the size of the last-level cache and for column-major X from one L2.
- **scikit-learn's rows.** The row "autograd-lr, scikit-learn's rows" is the same
  problem with X stored as scikit-learn stores it: `rows (m, n_x)` C-contiguous and
  `X = rows.T`, an F-ordered view, which is what `LogisticRegressionGD` hands the
  solvers. It takes the examples kernel, without copying X; scikit-learn's
  `loss_gradient` gets those rows too, its own layout.
- **It validates X in the same pass.** An up-front `np.isfinite(X)` scan would be a
  second full read of X; on X that takes the kernel, the objective lets the kernel find a
  NaN or inf (it makes that example's z, hence J, non-finite, whatever w is) and only
  then runs the full check, which names it. Row-major X that fits in the last-level
  cache (the course's (12288, 209)) takes the vectorized formula: a training loop reads
  the same X at every iteration, so it stays in that cache, where BLAS is fastest
  (`training/objective.py` gives the measurement). Below one L2, the objective also
  takes the formula; the solvers check X's values once before they start.
- **Threads.** The kernels' threads are started for each call (`fast/threads.py`; its
  docstring says why threads kept alive between calls were tried and dropped).
- **What keeps autograd-lr above 1.3×.** Every line above 1.3× says it with figures
  from the same run: the kernel on one thread against one thread's read of X
  (`X.sum()`, which numpy runs on one thread). Where one thread of the kernel is close to
  one thread's read, the core keeps up with memory and what remains is how two threads
  share the memory bandwidth; where it is well above, the arithmetic per entry of X (two
  multiply-adds, one for z and one for dw, plus each example's loss) sets the pace of a
  core. On a machine whose cores out-run their memory bandwidth, the same kernel is
  closer to the floor.
- **Peers.** jax and torch differentiate the same `forward.cost` (torch through the
  array API); scikit-learn's `loss_gradient` is its own fused loss-and-gradient. `make
  bench` installs torch's CPU build when it is missing; the quick run (`--quick`, the
  test suite) does not need torch.
- **Load.** The machine these ran on is shared. The 1-minute load average is recorded
  at the start and end of the run and of every table; a run whose load went above 2.5
  is marked NOT A RESULT. Contenders are interleaved (one call each per round, median
  over rounds), so a burst of load hits all of them alike.
"""
