"""serflow against nkululeko on nkululeko's default case, side by side on one corpus and machine.

The case (bench/nkululeko_small.yaml): eGeMAPS functionals, one SVM (C=1, rbf, gamma scale, no
grid search), per-speaker scaling, test speakers 03 13 16. nkululeko runs through
../shared/peers/nkululeko_peer.sh (its own venv: ``--nk-python`` or NK_PYTHON); serflow runs
``snakemake --cores N`` from a fresh working folder each time. The runs alternate (nkululeko,
serflow, serflow, nkululeko, ...) so that drifting load on a shared machine hits both alike,
and the medians, their ratio and both test UARs are printed.

The corpus is the generated EmoDB-sized one (535 synthetic clips, seed 0), or ``--corpus DIR``.

usage:
  python bench/nkululeko_small.py --nk-python /work/venv-nk/bin/python --repeats 3
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import yaml
from run_benchmark import PROJECT, make_corpus, run_serflow

PEER = PROJECT.parent / "shared" / "peers" / "nkululeko_peer.sh"
CASE = PROJECT / "bench" / "nkululeko_small.yaml"


def case_config(corpus: Path) -> dict:
    """The serflow config of the case, pointed at ``corpus``."""
    config = yaml.safe_load(CASE.read_text())
    (settings,) = config["datasets"].values()
    settings["path"] = str(corpus)
    return config


def nkululeko_test_speakers(config: dict) -> str:
    """The case's test speakers as the peer script takes them (EmoDB ids with an s)."""
    return ",".join(f"'s{speaker}'" for speaker in config["split"]["test_speakers"])


def run_nkululeko(peer: Path, corpus: Path, speakers: str, nk_python: str) -> tuple[float, float]:
    """One nkululeko run: its wall seconds (as the peer script times it) and test UAR."""
    done = subprocess.run(
        ["bash", str(peer), str(corpus), "eGeMAPSv02", speakers],
        capture_output=True,
        text=True,
        env={**os.environ, "NK_PYTHON": nk_python},
        check=True,
    )
    wall = re.search(r"wall ([\d.]+) s", done.stdout)
    uar = re.search(r"UAR: ([\d.]+)", done.stdout)
    if not (wall and uar):
        raise RuntimeError(f"nkululeko printed no wall time or UAR:\n{done.stdout}{done.stderr}")
    return float(wall.group(1)), float(uar.group(1))


def job_spans(workdir: Path, started: float, ended: float) -> dict[str, float]:
    """Seconds per phase of a serflow run, from the start and end times that Snakemake records
    for every output (.snakemake/metadata): Snakemake's start (parse, DAG) up to the first job,
    each rule's jobs (first start to last end), and the time after the last job."""
    spans: dict[str, tuple[float, float]] = {}
    for path in (workdir / ".snakemake" / "metadata").iterdir():
        record = json.loads(path.read_text())
        start, end = spans.get(record["rule"], (record["starttime"], record["endtime"]))
        spans[record["rule"]] = (min(start, record["starttime"]), max(end, record["endtime"]))
    first = min(start for start, _ in spans.values())
    last = max(end for _, end in spans.values())
    phases = {"snakemake start (parse, DAG)": first - started}
    phases |= {
        rule: end - start for rule, (start, end) in sorted(spans.items(), key=lambda i: i[1])
    }
    phases["after the last job"] = ended - last
    return phases


def run_serflow_once(
    workdir: Path, config: dict, cores: int
) -> tuple[float, float, dict[str, float]]:
    """One serflow run from an empty folder: its wall seconds, test UAR and job_spans."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    started = time.time()
    usage = run_serflow(workdir, config, "small", cores)
    phases = job_spans(workdir, started, time.time())
    (dataset,) = config["datasets"]
    scores = workdir / "results" / dataset / "classification" / "egemaps" / "svm" / "scores.json"
    return usage.wall_s, json.loads(scores.read_text())["uar"], phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="folder of EmoDB-named wavs (default: generate one)")
    parser.add_argument("--workdir", help="where to put everything (default: a new temp dir)")
    parser.add_argument("--nk-python", default=os.environ.get("NK_PYTHON", ""))
    parser.add_argument("--peer", default=str(PEER), help="the nkululeko peer script")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    if not args.nk_python:
        parser.error("give --nk-python (or NK_PYTHON): a Python with nkululeko installed")

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="serflow-nk-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(argparse.Namespace(corpus=args.corpus, scale=1, seed=0), workdir)
    config = case_config(corpus)
    speakers = nkululeko_test_speakers(config)
    walls: dict[str, list[float]] = {"nkululeko": [], "serflow": []}
    uars: dict[str, set[float]] = {"nkululeko": set(), "serflow": set()}
    phases: dict[str, list[float]] = {}
    for repeat in range(args.repeats):
        order = ["nkululeko", "serflow"] if repeat % 2 == 0 else ["serflow", "nkululeko"]
        for name in order:
            load = os.getloadavg()[0]
            start = time.perf_counter()
            if name == "nkululeko":
                wall, uar = run_nkululeko(Path(args.peer), corpus, speakers, args.nk_python)
            else:
                wall, uar, spans = run_serflow_once(workdir / "serflow", config, args.cores)
                for phase, seconds in spans.items():
                    phases.setdefault(phase, []).append(seconds)
            walls[name].append(wall)
            uars[name].add(round(uar, 3))
            print(
                f"{repeat + 1}/{args.repeats} {name}: wall {wall:.1f} s, UAR {uar:.3f} "
                f"(load {load:.1f}, {time.perf_counter() - start:.0f} s in all)",
                flush=True,
            )
    medians = {name: statistics.median(values) for name, values in walls.items()}
    ratios = [s / n for s, n in zip(walls["serflow"], walls["nkululeko"], strict=True)]
    print(f"corpus: {corpus} ({len(list(corpus.glob('*.wav')))} clips), --cores {args.cores}")
    for name, values in walls.items():
        rounded = [round(value, 1) for value in values]
        print(f"{name}: median wall {medians[name]:.1f} s of {rounded}, UAR {sorted(uars[name])}")
    print("| serflow phase | median s |\n|---|---:|")
    for phase, values in phases.items():
        print(f"| {phase} | {statistics.median(values):.1f} |")
    print(
        f"serflow / nkululeko: {medians['serflow'] / medians['nkululeko']:.2f} (medians), "
        f"per pair {[round(r, 2) for r in ratios]}"
    )


if __name__ == "__main__":
    main()
