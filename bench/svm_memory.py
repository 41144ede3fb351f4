"""The SVM search's kernel memory: serflow's estimate against the measured peak RSS.

For each training-set size, generates eGeMAPS-shaped rows (88 float32 features, 7 classes),
estimates what ``PrecomputedSVMSearch`` holds at once (``serflow.kernel_memory``) for a 5-fold
search with the given kernel, runs the search and the prediction of n / 3 test rows in a fresh
process, and reports that process's growth of its maximum resident set.

usage:
  python bench/svm_memory.py --sizes 2000,4000 --threads 2 --kernel rbf
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time

import numpy as np
from sklearn.model_selection import StratifiedKFold

from serflow.kernel_memory import fold_sizes, search_memory
from serflow.svm_search import PrecomputedSVMSearch


def measure(n_rows: int, threads: int, kernel: str) -> dict:
    """Estimate, then fit and predict, in this process: the estimate and the peak RSS growth."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 7, n_rows)
    rows = (rng.normal(size=(n_rows, 88)) + 0.8 * np.eye(88)[labels]).astype(np.float32)
    test_rows = rng.normal(size=(n_rows // 3, 88)).astype(np.float32)
    points = [{"C": 1.0, "gamma": "scale", "kernel": kernel}]
    folds = fold_sizes(StratifiedKFold(5).split(rows, labels))
    memory = search_memory(points, n_rows, folds, n_jobs=threads, n_predict=len(test_rows))
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    start = time.perf_counter()
    PrecomputedSVMSearch(points, n_jobs=threads).fit(rows, labels).predict(test_rows)
    seconds = time.perf_counter() - start
    growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - before
    return {
        "n": n_rows,
        "threads": threads,
        "kernel": kernel,
        "estimate_mb": round(memory.peak_mb),
        "peak_rss_growth_mb": round(growth / 1e6),
        "seconds": round(seconds, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,4000")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--kernel", default="rbf")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the measuring child
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.threads, args.kernel)))
        return
    print("| n | threads | kernel | estimate MB | peak RSS growth MB | s |")
    print("|---:|---:|---|---:|---:|---:|")
    for size in args.sizes.split(","):
        command = [sys.executable, __file__, "--one", size, "--threads", str(args.threads)]
        output = subprocess.run(
            [*command, "--kernel", args.kernel], capture_output=True, text=True, check=True
        )
        row = json.loads(output.stdout)
        print(
            f"| {row['n']} | {row['threads']} | {row['kernel']} | {row['estimate_mb']} | "
            f"{row['peak_rss_growth_mb']} | {row['seconds']} |"
        )


if __name__ == "__main__":
    main()
