"""The mlp grid search against the SVM's, and layer: weighted on base-sized layers, on the CPU.

Generates EmoDB-sized rows (535 clips, 10 speakers, 7 emotions) of eGeMAPS' shape (88 float32
features, a class signal plus noise) and runs each classifier's default grid
(workflow/schemas/config.schema.yaml) with serflow's search: 5 speaker-grouped inner folds, then
the refit, on ``--threads`` workers. ``--weighted`` adds the mlp's linear head (SUPERB) on an
all-layers table of a base-sized encoder's shape (13 hidden states x 768) for one outer fold.
The rows are generated, not openSMILE or encoder output: the times are what they measure.

usage:
  python bench/mlp_vs_svm.py --threads 2 --weighted
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import yaml

from serflow.classifiers import tune
from serflow.grids import expand_grid
from serflow.split import inner_folds

SCHEMA = Path(__file__).resolve().parents[1] / "workflow/schemas/config.schema.yaml"


def rows(width: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """535 rows of ``width`` features, 7 classes, 10 speakers of about equal size."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 7, 535)
    centres = rng.normal(size=(7, width))
    x = (0.12 * centres[y] + rng.normal(size=(535, width))).astype(np.float32)
    speakers = np.array([f"{i:02d}" for i in rng.permutation(np.arange(535) % 10)])
    return x, y, speakers


def default_grid(classifier: str) -> list[dict]:
    schema = yaml.safe_load(SCHEMA.read_text())
    return schema["properties"]["grids"]["properties"][classifier]["default"]


def timed(classifier: str, grid, x, y, speakers, threads: int) -> dict:
    points, _ = expand_grid(classifier, grid, n_classes=7)
    folds = inner_folds(y, speakers, "group", 5)
    start = time.perf_counter()
    result = tune(classifier, points, x, y, folds=folds, n_jobs=threads, groups=speakers)
    return {
        "classifier": classifier,
        "points": len(points),
        "wall_s": round(time.perf_counter() - start, 2),
        "cv_uar": round(result.best_cv_uar, 4),
        "best": result.best_params,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--weighted", action="store_true")
    args = parser.parse_args()
    x, y, speakers = rows(88)
    out = [timed(c, default_grid(c), x, y, speakers, args.threads) for c in ("svm", "mlp")]
    out.append({"mlp / svm": round(out[1]["wall_s"] / out[0]["wall_s"], 2)})
    if args.weighted:
        layered, y, speakers = rows(13 * 768, seed=1)
        train = np.isin(speakers, [f"{i:02d}" for i in range(7)])
        grid = [{**default_grid("mlp")[0], "hidden_layers": [[]], "n_layers": [13]}]
        record = timed("mlp", grid, layered[train], y[train], speakers[train], args.threads)
        out.append({"weighted, one outer fold (cpu)": record})
    for line in out:
        print(json.dumps(line))


if __name__ == "__main__":
    main()
