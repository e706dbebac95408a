r"""``make bench``: the gradient of logistic regression against its peers and the memory floor.

Four measurements, one run:

1. **Gradient and cost** at (n_x, m) = (100, 10⁶), (1000, 2·10⁵) and the course's
   (12288, 209), float64 and float32: the floor (the faster of ``X.sum()`` and one
   ``wᵀX``), the lecture's loop, ``propagate``, ``gradients_vectorized``,
   ``jax.jit(value_and_grad)``, torch autograd and scikit-learn's ``loss_gradient``;
   median of interleaved repeats, ratio to the floor, peak extra memory, and a check
   that every contender computed the same numbers.
2. **The lecture's loop against the vectorized formula** at m = 10⁵.
3. **The training loop**: the course's 2000 iterations at (12288, 209), in numpy and as
   one compiled jax call.
4. **Verification cost**: ``check_gradients`` in fast and full mode on a 12288-feature
   problem.

``python -m benchmarks.run`` runs everything and writes ``benchmarks/RESULTS.md``,
``benchmarks/results.png`` and the raw numbers ``benchmarks/results.json``; ``--quick``
runs the same machinery at a tiny size (CI); ``--render results.json`` rewrites
RESULTS.md and the plot from a run's numbers without measuring.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from autograd_lr import course, gradients
from autograd_lr.fast import kernel
from autograd_lr.problems import make_problem
from autograd_lr.tolerances import gradient_scale, relative_error
from benchmarks import peers, report, training
from benchmarks.timing import back_to_back, interleaved, median
from tools.memory import peak_extra_bytes

HERE = Path(__file__).resolve().parent
SHAPES = [(100, 1_000_000), (1000, 200_000), (12288, 209)]
QUICK_SHAPES = [(40, 3000), (2048, 4096), (1200, 9)]  # the middle one takes the fused path
DTYPES = ["float64", "float32"]
REPEATS = 9
QUICK_REPEATS = 2
# Pause before each timed call, longer than OpenBLAS's spin-wait (2^28 cycles, about
# 0.1 s), so that no library's idle-spinning threads are still on a core (timing.py).
SETTLE_S = 0.15
# Calls per contender and round in the back-to-back (warm) measurement: enough for a
# median that ignores the first calls' warm-up, few enough to keep the run short.
BURST = 20
# The lecture's loop is timed on at most this many inner steps (n_x · m_loop): about a
# second of pure Python; its time is exactly proportional to m beyond that.
LOOP_BUDGET = 200_000
QUICK_LOOP_BUDGET = 2_000
# Loop against vectorized at m = 10⁵ (the lecture quotes about 300x for its dot product).
VECTORIZATION_SHAPES = [(2, 100_000), (100, 100_000)]
QUICK_VECTORIZATION_SHAPES = [(2, 500)]
# The course's model: 2000 iterations, α = 0.005, on 209 images of 64x64x3.
TRAINING_SHAPE = (12288, 209)
TRAINING_ITERATIONS = 2000
QUICK_TRAINING_SHAPE = (300, 20)
QUICK_TRAINING_ITERATIONS = 20
ALPHA = 0.005
CHECKER_SHAPE = (12288, 209)
QUICK_CHECKER_SHAPE = (600, 9)
# All contenders must agree with gradients_vectorized: in float64 to rounding of sums in
# another order (1e-15 observed; 1e-9 is far above that and far below any real mistake);
# in float32 to float32 rounding of sums over m terms (6e-8 · √m ≲ 1e-4 at m = 10⁶).
AGREE_RTOL = {"float64": 1e-9, "float32": 1e-4}
# Trained weights agree with course.optimize after 2000 float64 steps: the rounding of
# each step (1e-16) grows at most linearly with the steps; 1e-9 is far from any real bug.
TRAINING_RTOL = 1e-9


def gradient_case(
    n_x: int, m: int, dtype: str, repeats: int, loop_budget: int, settle: float, seed: int = 0
) -> dict[str, Any]:
    """Every contender on one (shape, dtype): times, ratios to the floor, memory, agreement."""
    p = make_problem(n_x, m, seed, z_max=5.0, dtype=np.dtype(dtype).type)
    w, b, X, Y = p
    XF = np.asfortranarray(X)  # the same values as scikit-learn's rows give: XF.T is (m, n_x)
    contenders = peers.all_contenders(w, b, X, Y, XF, loop_budget)
    load = report.load_now()
    reference = _flat(gradients.gradients_vectorized(w, b, X, Y))
    scale = gradient_scale(X)
    agrees: dict[str, bool | None] = {}
    peak: dict[str, int | None] = {}
    for c in contenders:
        agrees[c.name] = None
        peak[c.name] = None
        if c.fn is None:
            continue
        values = c.fn()  # the first call also compiles (jax, numba) or loads caches
        if c.checked and values is not None:
            dw, db, J = values
            error = max(
                relative_error(np.append(dw, db), reference[:-1], scale=scale),
                abs(J - reference[-1]) / max(1.0, abs(reference[-1])),
            )
            agrees[c.name] = error <= AGREE_RTOL[dtype]
        if c.numpy_memory:
            peak[c.name] = peak_extra_bytes(c.fn)
    available = {c.name: c.fn for c in contenders if c.fn is not None}
    times = interleaved(available, repeats, warmup=0, settle=settle)
    medians = {c.name: median(times[c.name]) * c.scale for c in contenders if c.name in times}
    floor = min(medians[c.name] for c in contenders if c.floor)
    # X that fits in the last-level cache is what a training loop calls again and again:
    # measure it warm too (back to back), beside the cold single calls.
    warm: dict[str, float] = {}
    if kernel.fits_in_last_level_cache(X):
        fast = {c.name: c.fn for c in contenders if c.fn is not None and c.back_to_back}
        warm_times = back_to_back(fast, repeats, burst=BURST, settle=settle)
        warm = {name: median(t) for name, t in warm_times.items()}
    warm_floor = min((warm[c.name] for c in contenders if c.floor and c.name in warm), default=None)
    rows = [
        {
            "name": c.name,
            "seconds": medians.get(c.name),
            "ratio": medians[c.name] / floor if c.name in medians else None,
            "peak_bytes": peak[c.name],
            "agrees": agrees[c.name],
            "note": c.note,
            "floor": c.floor,
            "times": times.get(c.name, []),
            "warm_seconds": warm.get(c.name),
            "warm_ratio": warm[c.name] / warm_floor if c.name in warm and warm_floor else None,
        }
        for c in contenders
    ]
    return {
        "shape": [n_x, m],
        "dtype": dtype,
        "x_bytes": int(X.nbytes),
        "floor_s": floor,
        "warm_floor_s": warm_floor,
        "arithmetic_ns": peers.kernel_arithmetic_ns(w, b, X, Y),
        "two_pass": kernel.fused_applies(X) and kernel.takes_two_passes(X),
        "burst": BURST,
        "repeats": repeats,
        "rows": rows,
        "load": [load, report.load_now()],
        "block": kernel.fused_block(n_x, X.itemsize) if kernel.fused_applies(X) else None,
    }


def _flat(result: tuple[dict[str, Any], Any]) -> np.ndarray:
    grads, J = result
    return np.append(np.asarray(grads["dw"], dtype=np.float64).reshape(-1), [grads["db"], J])


def vectorization_case(
    n_x: int, m: int, loop_budget: int, repeats: int, settle: float
) -> dict[str, Any]:
    """The lecture's loop, the formula and propagate on one problem (loop scaled if large)."""
    w, b, X, Y = make_problem(n_x, m, seed=1)
    loop = peers.loop_contender(w, b, X, Y, loop_budget)
    assert loop.fn is not None
    times = interleaved(
        {
            "loop": loop.fn,
            "vectorized": lambda: gradients.gradients_vectorized(w, b, X, Y),
            "propagate": lambda: course.propagate(w, b, X, Y),
        },
        repeats,
        settle=settle,
    )
    return {
        "shape": [n_x, m],
        "loop_s": median(times["loop"]) * loop.scale,
        "loop_exact": loop.scale == 1.0,
        "vectorized_s": median(times["vectorized"]),
        "propagate_s": median(times["propagate"]),
    }


def training_case(shape: tuple[int, int], iterations: int) -> dict[str, Any]:
    """The course's training run four ways: times, iterations per second, agreement.

    ``model`` on ``shape`` training examples (and a quarter as many test examples): the
    course's own numpy code first, then :func:`autograd_lr.model`, a Python loop over
    ``propagate`` and one compiled jax call; each final ``w`` is compared with the
    course's own.
    """
    n_x, m = shape
    _, _, X, Y = make_problem(n_x, m, seed=2)
    _, _, X_test, Y_test = make_problem(n_x, max(1, m // 4), seed=4)
    load = report.load_now()
    start = time.perf_counter()
    course_own = training.notebook_model(X, Y, X_test, Y_test, iterations, ALPHA)
    notebook_s = time.perf_counter() - start
    w_ref = course_own["w"]
    rows = [_training_row(NOTEBOOK_ROW, notebook_s, iterations, None)]

    start = time.perf_counter()
    mine = course.model(X, Y, X_test, Y_test, iterations, ALPHA)
    rows.append(
        _training_row(
            "autograd_lr.model",
            time.perf_counter() - start,
            iterations,
            relative_error(mine["w"], w_ref),
        )
    )
    start = time.perf_counter()
    w, _, _ = training.optimize_propagate(X, Y, iterations, ALPHA)
    rows.append(
        _training_row(
            "Python loop over propagate (numpy)",
            time.perf_counter() - start,
            iterations,
            relative_error(w, w_ref),
        )
    )
    compile_s = None
    try:
        run = training.jax_training(X, Y, iterations, ALPHA)
    except ImportError:
        rows.append({"name": "jax lax.fori_loop: jax not installed", "seconds": None})
    else:
        start = time.perf_counter()
        run()
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        w, _, _ = run()
        rows.append(
            _training_row(
                "jax lax.fori_loop (one compiled call)",
                time.perf_counter() - start,
                iterations,
                relative_error(w, w_ref),
            )
        )
    return {
        "shape": [n_x, m],
        "iterations": iterations,
        "alpha": ALPHA,
        "rows": rows,
        "compile_s": compile_s,
        "load": [load, report.load_now()],
    }


NOTEBOOK_ROW = "the course's own numpy code (model)"


def _training_row(name: str, seconds: float, iterations: int, error: float | None) -> dict:
    return {
        "name": name,
        "seconds": seconds,
        "iterations_per_s": iterations / seconds,
        "w_error": error,
        "agrees": error is None or error <= TRAINING_RTOL,
    }


def checker_case(shape: tuple[int, int], repeats: int, settle: float) -> dict[str, Any]:
    """``check_gradients(propagate)`` in fast mode (after warm-up) and in full mode."""
    try:
        from autograd_lr.checking.check import check_gradients
    except ImportError:
        return {
            "missing": "autograd_lr.checking.check is not available: verification cost not measured"
        }
    n_x, m = shape
    problem = make_problem(n_x, m, seed=3, name=f"benchmark ({n_x}, {m})")

    def fast() -> Any:
        return check_gradients(course.propagate, problems=[problem], fast=True)

    def full() -> Any:
        return check_gradients(course.propagate, problems=[problem], fast=False)

    times = interleaved({"fast": fast}, repeats, warmup=1, settle=settle)
    start = time.perf_counter()
    full_report = full()
    full_s = time.perf_counter() - start
    return {
        "shape": [n_x, m],
        "rows": [
            {
                "name": "fast (directional)",
                "seconds": median(times["fast"]),
                "passed": fast().passed,
            },
            {
                "name": "full (jax.grad + finite differences)",
                "seconds": full_s,
                "passed": full_report.passed,
            },
        ],
    }


def parse_shapes(text: str) -> list[tuple[int, int]]:
    """``"100x1000000,12288x209"`` -> ``[(100, 1000000), (12288, 209)]``."""
    shapes = []
    for item in text.split(","):
        try:
            n_x, m = (int(float(v)) for v in item.lower().split("x"))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"shape {item!r} must look like N_XxM, e.g. 100x1000000"
            ) from None
        if n_x < 1 or m < 1:
            raise argparse.ArgumentTypeError(f"shape {item!r}: n_x and m must be >= 1")
        shapes.append((n_x, m))
    return shapes


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes: the CI smoke run")
    parser.add_argument(
        "--shapes", type=parse_shapes, help="gradient shapes, e.g. 100x1e6,12288x209"
    )
    parser.add_argument("--dtypes", default=",".join(DTYPES), help="float64,float32 (default both)")
    parser.add_argument("--repeats", type=int, help=f"interleaved rounds (default {REPEATS})")
    parser.add_argument(
        "--sections",
        default="gradients,vectorization,training,checker",
        help="which measurements to run (comma-separated)",
    )
    parser.add_argument(
        "--results", type=Path, help="write RESULTS.md here (and the plot beside it)"
    )
    parser.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    parser.add_argument("--json", type=Path, help="also write the raw numbers as JSON")
    parser.add_argument(
        "--render",
        type=Path,
        metavar="JSON",
        help="measure nothing: rewrite RESULTS.md and the plot from a run's JSON",
    )
    args = parser.parse_args(argv)
    for dtype in args.dtypes.split(","):
        if dtype not in DTYPES:
            parser.error(f"--dtypes: {dtype!r} is not one of {', '.join(DTYPES)}")
    unknown = set(args.sections.split(",")) - {"gradients", "vectorization", "training", "checker"}
    if unknown:
        parser.error(f"--sections: unknown {', '.join(sorted(unknown))}")
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be >= 1")
    return args


def write_results(results: dict[str, Any], destination: Path) -> Path | None:
    """RESULTS.md at ``destination`` and, if there are gradient cases, results.png beside it."""
    plot_path = destination.with_name("results.png")
    if results["gradients"]:
        report.plot(results["gradients"], plot_path)
    others = report.others_sections(destination)
    report.write_atomic(destination, report.results_markdown(results, plot_path.name, others))
    return plot_path if results["gradients"] else None


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    args = parse_args(argv)
    if args.render is not None:
        measured: dict[str, Any] = json.loads(args.render.read_text())
        target = args.results or HERE / "RESULTS.md"
        write_results(measured, target)
        print(f"wrote {target} from {args.render}")
        return measured
    quick = args.quick
    shapes = args.shapes or (QUICK_SHAPES if quick else SHAPES)
    repeats = args.repeats or (QUICK_REPEATS if quick else REPEATS)
    loop_budget = QUICK_LOOP_BUDGET if quick else LOOP_BUDGET
    settle = 0.0 if quick else SETTLE_S
    sections = set(args.sections.split(","))
    results: dict[str, Any] = {"machine": report.machine(), "quick": quick, "gradients": []}

    def say(text: str) -> None:
        print(text, flush=True)

    if not quick and "gradients" in sections and results["machine"]["torch"] is None:
        print(
            f"the full benchmark compares with torch, which is not installed: "
            f"{peers.TORCH_INSTALL} (`make bench` does this), or --quick",
            file=sys.stderr,
        )
        raise SystemExit(2)
    say(report.machine_text(results["machine"]))
    if "gradients" in sections:
        for n_x, m in shapes:
            for dtype in args.dtypes.split(","):
                case = gradient_case(n_x, m, dtype, repeats, loop_budget, settle)
                results["gradients"].append(case)
                say(report.gradient_table(case, results["machine"]))
        for line in report.verdicts(results["gradients"]):
            say(f"- {line}")
    if "vectorization" in sections:
        shapes_v = QUICK_VECTORIZATION_SHAPES if quick else VECTORIZATION_SHAPES
        results["vectorization"] = [
            vectorization_case(n_x, m, loop_budget, 1 if quick else 3, settle)
            for n_x, m in shapes_v
        ]
        say("\n" + report.vectorization_table(results["vectorization"]))
    if "training" in sections:
        results["training"] = training_case(
            QUICK_TRAINING_SHAPE if quick else TRAINING_SHAPE,
            QUICK_TRAINING_ITERATIONS if quick else TRAINING_ITERATIONS,
        )
        say(report.training_table(results["training"], results["machine"]))
    if "checker" in sections:
        results["checker"] = checker_case(
            QUICK_CHECKER_SHAPE if quick else CHECKER_SHAPE, QUICK_REPEATS if quick else 7, settle
        )
        say(report.checker_table(results["checker"]))
    results["load_after"] = report.machine()["load_average"]

    destination, raw = args.results, args.json
    if destination is None and not quick and not args.no_results and args.shapes is None:
        destination = HERE / "RESULTS.md"  # the full default run: make bench
        raw = raw or HERE / "results.json"
    if raw is not None:
        report.write_atomic(raw, json.dumps(results, indent=1, default=_json_default))
    if destination is not None and not args.no_results:
        plot_path = write_results(results, destination)
        say(f"wrote {destination}" + (f" and {plot_path}" if plot_path else ""))
    return results


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


if __name__ == "__main__":
    main(sys.argv[1:])
