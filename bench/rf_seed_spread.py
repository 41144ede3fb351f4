"""How much the random forest's test UAR moves with its seed, on a finished benchmark run.

The notebook's RandomForestClassifier has no random_state, so its UAR differs from serflow's
(seed 0) by the forest's randomness alone. This script reruns serflow's RF grid search with
other seeds on the same normalised features and split, and prints the test UAR range per
feature set, to show how large that randomness is.

usage: python bench/rf_seed_spread.py WORKDIR/serflow [--seeds 10] [--dataset bench]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import yaml

from serflow.classifiers import tune
from serflow.experiment import labelled_rows
from serflow.grids import expand_grid
from serflow.metrics import uar
from serflow.tables import read_parquet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", help="the serflow folder of a run_benchmark.py run")
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--dataset", default="bench")
    parser.add_argument("--feature-sets", default="compare,egemaps")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()

    root = Path(args.workdir) / "results" / args.dataset
    config = yaml.safe_load((Path(args.workdir) / "full.yaml").read_text())
    (fold,) = json.loads((root / "split.json").read_text())["folds"]
    metadata = read_parquet(root / "metadata.parquet")
    for feature_set in args.feature_sets.split(","):
        features = read_parquet(root / "features" / f"{feature_set}.normalised.parquet")
        x_train, y_train, _ = labelled_rows(features, metadata, fold["train_speakers"])
        x_test, y_test, _ = labelled_rows(features, metadata, fold["test_speakers"])
        points, _ = expand_grid("rf", config["grids"]["rf"], n_classes=len(np.unique(y_train)))
        scores = []
        for seed in range(args.seeds):
            tuning = tune("rf", points, x_train, y_train, seed=seed, n_jobs=args.n_jobs)
            scores.append(100 * uar(y_test, tuning.search.predict(x_test)))
            print(f"rf/{feature_set} seed {seed}: test UAR {scores[-1]:.1f}", flush=True)
        print(
            f"rf/{feature_set}: {args.seeds} seeds, test UAR {min(scores):.1f}-{max(scores):.1f}"
            f" (mean {np.mean(scores):.1f}, sd {np.std(scores, ddof=1):.1f})",
            flush=True,
        )


if __name__ == "__main__":
    main()
