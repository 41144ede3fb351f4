"""Where the logistic-regression grid search's time went: BLAS threads per worker.

Snakemake exports OPENBLAS_NUM_THREADS=<the job's threads> to a job; joblib's worker processes
inherit it, so GridSearchCV(n_jobs=2) in a 2-thread job runs 2 workers x 2 BLAS threads on 2
cores. L-BFGS on 7 classes x 6374 weights makes many small BLAS calls, and oversubscribed BLAS
threads spend their time waiting for each other. This script runs the same LR grid search on a
finished benchmark's ComParE features four ways, each in a fresh process:

* ``gridsearchcv_2x2``: GridSearchCV(n_jobs=2) with OPENBLAS_NUM_THREADS=2 exported (serflow
  before the fix, as Snakemake ran it);
* ``gridsearchcv_2x1``: the same with OPENBLAS_NUM_THREADS=1 (one BLAS thread per worker);
* ``notebook``: GridSearchCV without n_jobs and no thread setting (the notebook: one process,
  OpenBLAS's default of one thread per core);
* ``serflow``: serflow's tune() with n_jobs=2 and OPENBLAS_NUM_THREADS=2 exported (now);

and prints the wall time of each and the largest difference of their CV scores from the
notebook's.

usage: python bench/lr_blas_threads.py WORKDIR/serflow [--feature-set compare] [--dataset bench]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

MODES = {
    "gridsearchcv_2x2": {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"},
    "gridsearchcv_2x1": {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"},
    "notebook": {},
    "serflow": {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"},
}


def search(mode: str, workdir: Path, dataset: str, feature_set: str) -> dict:
    """Run one way of the search in this process; its seconds and mean CV scores."""
    import yaml
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from serflow.classifiers import make_estimator, tune
    from serflow.experiment import labelled_rows
    from serflow.grids import as_param_grid, expand_grid
    from serflow.tables import read_parquet

    warnings.simplefilter("ignore", category=ConvergenceWarning)
    root = workdir / "results" / dataset
    (fold,) = json.loads((root / "split.json").read_text())["folds"]
    features = read_parquet(root / "features" / f"{feature_set}.normalised.parquet")
    x, y, _ = labelled_rows(
        features, read_parquet(root / "metadata.parquet"), fold["train_speakers"]
    )
    grid = yaml.safe_load((workdir / "full.yaml").read_text())["grids"]["lr"]
    points, _ = expand_grid("lr", grid, n_classes=len(np.unique(y)))
    start = time.perf_counter()
    if mode == "serflow":
        scores = tune("lr", points, x, y, n_jobs=2).search.cv_results_["mean_test_score"]
    else:
        search = GridSearchCV(
            make_estimator("lr", 0),
            as_param_grid(points),
            cv=StratifiedKFold(5),
            scoring="recall_macro",
            n_jobs=None if mode == "notebook" else 2,
        ).fit(x, y)
        scores = search.cv_results_["mean_test_score"]
    return {"seconds": time.perf_counter() - start, "scores": [float(s) for s in scores]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", help="the serflow folder of a run_benchmark.py run")
    parser.add_argument("--feature-set", default="compare")
    parser.add_argument("--dataset", default="bench")
    parser.add_argument("--modes", default=",".join(MODES))
    parser.add_argument("--mode", help=argparse.SUPPRESS)  # internal: run one mode here
    args = parser.parse_args()
    workdir = Path(args.workdir).resolve()
    if args.mode:
        print(json.dumps(search(args.mode, workdir, args.dataset, args.feature_set)))
        return

    results = {}
    for mode in args.modes.split(","):
        env = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
        env.update(MODES[mode])
        command = [sys.executable, __file__, str(workdir), "--mode", mode]
        command += ["--feature-set", args.feature_set, "--dataset", args.dataset]
        out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
        results[mode] = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{mode}: {results[mode]['seconds']:.1f} s", flush=True)
    reference = np.array(results.get("notebook", next(iter(results.values())))["scores"])
    print(f"\n| LR grid search on {args.feature_set} | wall s | max |CV score - notebook's| |")
    print("|---|---:|---:|")
    for mode, result in results.items():
        difference = np.abs(np.array(result["scores"]) - reference).max()
        print(f"| {mode} | {result['seconds']:.1f} | {difference:.2g} |")


if __name__ == "__main__":
    main()
