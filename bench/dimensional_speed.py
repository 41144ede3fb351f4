"""Task dimensional on a generated corpus of EmoDB's size: wall time of the whole workflow
(eGeMAPS, ridge and SVR with their default grids, hold-out) and each regressor's tuning job,
with the test CCC it reaches on the corpus's synthetic arousal and valence.

The corpus is serflow's EmoDB-sized demo (535 speech-like synthetic clips, EmoDB's speakers
and counts) listed by a CSV manifest whose arousal and valence come from each clip's synthesis
parameters (serflow.demo.dimensions): the numbers say nothing about real recordings.

usage:
  python bench/dimensional_speed.py --workdir /tmp/serflow-dimensional-bench --cores 2
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml

from serflow.demo import generate_emodb_sized_corpus, plan_emodb_sized_corpus
from serflow.demo.dimensions import clip_dimensions

REPO = Path(__file__).resolve().parents[1]


def write_corpus(folder: Path) -> Path:
    """The EmoDB-sized corpus and its manifest with synthetic arousal and valence."""
    manifest = folder / "manifest.csv"
    if manifest.exists():
        return manifest
    generate_emodb_sized_corpus(folder / "wav")
    rows = [
        {"file": f"wav/{utterance}.wav", "speaker": utterance[:2], "emotion": utterance[5],
         **clip_dimensions(utterance, 0)}
        for utterance, _ in plan_emodb_sized_corpus()
    ]  # fmt: skip
    letters = {"W": "anger", "L": "boredom", "E": "disgust", "A": "fear", "F": "happiness",
               "T": "sadness", "N": "neutral"}  # fmt: skip
    for row in rows:
        row["emotion"] = letters[row["emotion"]]
    pd.DataFrame(rows).to_csv(manifest, index=False)
    return manifest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/serflow-dimensional-bench"))
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    manifest = write_corpus(args.workdir / "corpus")
    config = {
        "task": "dimensional",
        "datasets": {
            "emodb_sized": {
                "format": "csv",
                "source": "folder",
                "path": str(manifest),
                "targets": {"arousal": {"range": [1, 5]}, "valence": {"range": [1, 5]}},
            }
        },
        "feature_sets": ["egemaps"],
        "regressors": ["ridge", "svr"],
    }
    run = args.workdir / "run"
    run.mkdir(parents=True, exist_ok=True)
    (run / "config.yaml").write_text(yaml.safe_dump(config))
    snakemake = str(Path(sys.executable).with_name("snakemake"))
    command = [snakemake, "-s", str(REPO / "workflow/Snakefile"), "--directory", str(run),
               "--configfile", str(run / "config.yaml"), "--workflow-profile", "none",
               "--cores", str(args.cores), "--forceall"]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    total = time.perf_counter() - start
    print(f"workflow, empty results to CCC matrices: {total:.1f} s")
    for regressor in config["regressors"]:
        bench = run / f"benchmarks/emodb_sized/tune_regressor/egemaps/{regressor}.tsv"
        with open(bench) as stream:
            seconds = float(next(csv.DictReader(stream, delimiter="\t"))["s"])
        print(f"tune_regressor egemaps/{regressor} (2 dimensions): {seconds:.1f} s")
    scores = pd.read_csv(run / "results/emodb_sized/dimensional/holdout/scores.csv")
    print(scores[["regressor", "dimension", "ccc", "pearson", "mae"]].to_string(index=False))


if __name__ == "__main__":
    main()
