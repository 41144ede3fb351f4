"""Linear SVM: libsvm run to convergence against serflow's capped libsvm + QP, on one CV fold.

Reads a serflow run's normalised feature table, metadata and hold-out split (for example the
10x corpus of ``bench/scaling.py``), takes the first of the 5 stratified CV folds of the
training speakers, and for each C fits ``SVC(kernel="precomputed")`` on the linear kernel
without an iteration limit and ``serflow.linear_svm.CappedLinearSVC``: wall seconds, the largest
SMO iteration count of a pair, how many pairs went to the QP, and how many validation clips
the two predict differently.

usage:
  python bench/linear_svm_qp.py /tmp/serflow-scaling/serflow_x10 --feature-set egemaps \
      --c 1,10,100
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from serflow.linear_svm import CappedLinearSVC


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workdir", help="a serflow run's folder (with results/<dataset>/)")
    parser.add_argument("--dataset", default="bench")
    parser.add_argument("--feature-set", default="egemaps")
    parser.add_argument("--c", default="1,10,100", help="comma-separated C values")
    args = parser.parse_args()
    results = Path(args.workdir) / "results" / args.dataset
    features = pd.read_parquet(results / "features" / f"{args.feature_set}.normalised.parquet")
    metadata = pd.read_parquet(results / "metadata.parquet")
    split = json.loads((results / "split.json").read_text())["folds"][0]
    training = metadata[metadata["speaker"].isin(split["train_speakers"])].sort_values("utterance")
    x = features.set_index("utterance").loc[training["utterance"]].to_numpy(dtype=np.float64)
    y = training["emotion"].to_numpy()
    train, validation = next(StratifiedKFold(n_splits=5).split(x, y))
    gram = x @ x.T
    kernel, validation_kernel = gram[np.ix_(train, train)], gram[np.ix_(validation, train)]
    print(f"{args.feature_set}: {len(train)} training / {len(validation)} validation clips")
    print("| C | libsvm s | max SMO iterations | capped + QP s | pairs as QP | differing |")
    print("|---:|---:|---:|---:|---:|---:|")
    with threadpool_limits(limits=1):
        for c in (float(value) for value in args.c.split(",")):
            start = time.perf_counter()
            libsvm = SVC(kernel="precomputed", C=c).fit(kernel, y[train])
            libsvm_s = time.perf_counter() - start
            start = time.perf_counter()
            capped = CappedLinearSVC(C=c).fit(kernel, y[train], x[train])
            capped_s = time.perf_counter() - start
            differing = int(
                (libsvm.predict(validation_kernel) != capped.predict(validation_kernel)).sum()
            )
            print(
                f"| {c:g} | {libsvm_s:.1f} | {libsvm.n_iter_.max():,} | {capped_s:.1f} "
                f"| {len(capped.solved_as_qp_)} | {differing} of {len(validation)} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
