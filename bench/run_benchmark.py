"""Benchmark serflow against the notebook's pipeline on one corpus, one split, one machine.

In one run it
  1. generates an EmoDB-sized synthetic corpus (535 clips, EmoDB's naming, speaker x emotion
     counts and 1.2-9 s durations; ``--scale`` times larger) or takes ``--corpus DIR``;
  2. runs the notebook's pipeline as a plain script (../shared/peers/notebook_pipeline.py) on it
     with ``--test-speakers``;
  3. runs serflow on it with ``snakemake --cores N`` from an empty working folder, with the same
     feature sets, classifiers, grids and test speakers;
  4. changes one classifier's grid in a copy of the config and reruns serflow, once per
     classifier (each rerun adds one classifier's change to the previous config, so each
     reruns exactly that classifier's jobs and the results matrix);
  5. with ``--byols-checkpoint``, times serflow's ``hybrid_byols`` feature extraction on the
     same corpus (serflow only: the notebook script has no BYOL-S);
and prints wall seconds, CPU seconds and peak RSS of each run, the ratio serflow/notebook, the
reruns' share of the full run, and the test UARs of both side by side.

Wall and CPU time come from ``/usr/bin/time -v`` (or, where it is missing, from the clock and
``resource.getrusage(RUSAGE_CHILDREN)``). Peak RSS is, for the notebook, that of its single
process; for serflow, the largest ``max_rss`` of its jobs' ``benchmark:`` files, where Snakemake
sums the RSS of a job's processes (its loky workers included).

usage:
  python bench/run_benchmark.py                          # 1x corpus, notebook + serflow
  python bench/run_benchmark.py --scale 10 --skip-notebook --skip-rerun   # scaling row
  python bench/run_benchmark.py --byols-checkpoint ../shared/byols/cvt_random_state_dict.pth
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import yaml

PROJECT = Path(__file__).resolve().parents[1]
NOTEBOOK = PROJECT.parent / "shared" / "peers" / "notebook_pipeline.py"
GNU_TIME = Path("/usr/bin/time")
DATASET = "bench"
FEATURE_SETS = ["compare", "egemaps"]
CLASSIFIERS = ["lr", "svm", "rf"]
#: A one-grid change per classifier: one more value of one parameter.
GRID_CHANGES = {
    "lr": ("C", 1000.0),
    "svm": ("C", 10000.0),
    "rf": ("n_estimators", 300),
}


@dataclass
class Usage:
    """What one command cost, and the machine's 1-minute load average before and after it."""

    wall_s: float
    cpu_s: float
    peak_rss_mb: float
    load_before: float = 0.0
    load_after: float = 0.0


def measure(command: list[str], log: Path, cwd: Path | None = None) -> Usage:
    """Run ``command`` to completion with its output in ``log``; raise if it fails."""
    load_before = os.getloadavg()[0]
    usage = _measure(command, log, cwd)
    usage.load_before, usage.load_after = load_before, os.getloadavg()[0]
    return usage


def _measure(command: list[str], log: Path, cwd: Path | None) -> Usage:
    log.parent.mkdir(parents=True, exist_ok=True)
    if GNU_TIME.exists():
        report = log.with_suffix(".time.txt")
        with open(log, "w") as out:
            start = time.perf_counter()
            done = subprocess.run(
                [str(GNU_TIME), "-v", "-o", str(report), *command],
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=cwd,
            )
            wall = time.perf_counter() - start
        _check(done, command, log)
        text = report.read_text()
        user = float(re.search(r"User time \(seconds\): ([\d.]+)", text).group(1))
        system = float(re.search(r"System time \(seconds\): ([\d.]+)", text).group(1))
        rss_kb = float(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
        return Usage(wall, user + system, rss_kb / 1024)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(log, "w") as out:
        start = time.perf_counter()
        done = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, cwd=cwd)
        wall = time.perf_counter() - start
    _check(done, command, log)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    # ru_maxrss of children is the largest single descendant so far (kB on Linux).
    return Usage(wall, cpu, after.ru_maxrss / 1024)


def _check(done: subprocess.CompletedProcess, command: list[str], log: Path) -> None:
    if done.returncode != 0:
        tail = "".join(log.read_text().splitlines(keepends=True)[-30:])
        raise RuntimeError(f"{' '.join(command)} failed ({done.returncode}); see {log}:\n{tail}")


def make_corpus(args: argparse.Namespace, workdir: Path) -> Path:
    """The corpus folder: the one given, or a generated EmoDB-sized one under ``workdir``."""
    if args.corpus:
        corpus = Path(args.corpus).resolve()
        if not any(corpus.glob("*.wav")):
            raise FileNotFoundError(f"--corpus {corpus} has no .wav files")
        return corpus
    from serflow.demo import generate_emodb_sized_corpus

    corpus = workdir / f"corpus_x{args.scale}"
    if not corpus.exists():
        start = time.perf_counter()
        files = generate_emodb_sized_corpus(corpus, seed=args.seed, scale=args.scale)
        print(f"generated {len(files)} clips in {time.perf_counter() - start:.0f} s: {corpus}")
    return corpus


def serflow_config(corpus: Path, test_speakers: list[str]) -> dict:
    """serflow's default config pointed at ``corpus``, on the notebook's features and split."""
    return {
        "datasets": {DATASET: {"format": "emodb", "source": "folder", "path": str(corpus)}},
        "feature_sets": list(FEATURE_SETS),
        "split": {"test_speakers": list(test_speakers)},
    }


def change_grid(config: dict, classifier: str) -> dict:
    """A copy of ``config`` with one more value in one parameter of ``classifier``'s grid."""
    changed = copy.deepcopy(config)
    key, value = GRID_CHANGES[classifier]
    grid = changed["grids"][classifier]
    parts = [grid] if isinstance(grid, dict) else grid
    parts[0][key] = [*parts[0][key], value]
    return changed


def run_serflow(
    workdir: Path, config: dict, name: str, cores: int, targets: list[str] | None = None
) -> Usage:
    """``snakemake --cores`` in ``workdir`` with ``config`` (for ``targets``); its usage."""
    config_file = workdir / f"{name}.yaml"
    config_file.write_text(yaml.safe_dump(config, sort_keys=False))
    command = [
        sys.executable,
        "-m",
        "snakemake",
        "--snakefile",
        str(PROJECT / "workflow" / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(config_file),
        "--cores",
        str(cores),
        *(targets or []),
    ]
    return measure(command, workdir / "bench_logs" / f"{name}.log")


def job_table(workdir: Path, since: float = 0.0, dataset: str = DATASET) -> pd.DataFrame:
    """Jobs' benchmark records (seconds, CPU seconds, max RSS MB) from ``benchmarks/``.

    Only files written after ``since`` (a time.time() value) are read.
    """
    rows = []
    for path in sorted((workdir / "benchmarks" / dataset).rglob("*.tsv")):
        if path.stat().st_mtime < since:
            continue
        record = pd.read_csv(path, sep="\t").iloc[-1]
        job = str(path.relative_to(workdir / "benchmarks" / dataset).with_suffix(""))
        rows.append(
            {
                "job": job,
                "wall_s": float(record["s"]),
                "cpu_s": float(record["cpu_time"]),
                "max_rss_mb": float(record["max_rss"]),
            }
        )
    return pd.DataFrame(rows, columns=["job", "wall_s", "cpu_s", "max_rss_mb"])


def serflow_uars(
    workdir: Path,
    feature_sets: list[str] = FEATURE_SETS,
    classifiers: list[str] = CLASSIFIERS,
) -> dict[str, float]:
    """Test UAR in % per classifier/feature set, from the scores files."""
    uars = {}
    for classifier in classifiers:
        for feature_set in feature_sets:
            path = (
                workdir / "results" / DATASET / "classification" / feature_set / classifier
            ) / "scores.json"
            uars[f"{classifier}/{feature_set}"] = 100 * json.loads(path.read_text())["uar"]
    return uars


def report(results: dict) -> str:
    """The benchmark as Markdown tables."""
    runs = results["runs"]
    notebook = runs.get("notebook")
    full = runs["serflow_full"]
    lines = [
        f"corpus: {results['corpus']} ({results['n_clips']} clips), "
        f"test speakers {','.join(results['test_speakers'])}, --cores {results['cores']}",
        "",
        "| run | wall s | CPU s | peak RSS MB | vs notebook (wall) | share of full run "
        "| load before/after |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, usage in runs.items():
        ratio = f"{usage['wall_s'] / notebook['wall_s']:.2f}x" if notebook else ""
        share = f"{100 * usage['wall_s'] / full['wall_s']:.0f}%" if "rerun" in name else ""
        lines.append(
            f"| {name} | {usage['wall_s']:.0f} | {usage['cpu_s']:.0f} | "
            f"{usage['peak_rss_mb']:.0f} | {ratio} | {share} | "
            f"{usage['load_before']:.1f} / {usage['load_after']:.1f} |"
        )
    for classifier, jobs in results.get("rerun_jobs", {}).items():
        key, value = GRID_CHANGES[classifier]
        lines.append(
            f"\nserflow_rerun_{classifier}: {classifier} grid with {key} += [{value}], "
            f"{jobs} jobs rerun"
        )
    lines += ["", "| classifier/feature set | notebook UAR % | serflow UAR % | difference |"]
    lines.append("|---|---:|---:|---:|")
    for key, value in results["uar"]["serflow"].items():
        theirs = results["uar"].get("notebook", {}).get(key)
        if theirs is None:
            lines.append(f"| {key} | | {value:.1f} | |")
        else:
            lines.append(f"| {key} | {theirs:.1f} | {value:.1f} | {value - theirs:+.1f} |")
    lines += ["", "| serflow job | wall s | CPU s | max RSS MB |", "|---|---:|---:|---:|"]
    for job in results["jobs"] + results.get("byols_jobs", []):
        lines.append(
            f"| {job['job']} | {job['wall_s']:.1f} | {job['cpu_s']:.1f} | {job['max_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", help="folder of EmoDB-named wavs (default: generate one)")
    parser.add_argument("--scale", type=int, default=1, help="corpus size in EmoDBs (generated)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated corpus")
    parser.add_argument("--workdir", help="where to put everything (default: a new temp dir)")
    parser.add_argument("--test-speakers", default="03,13,16")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument(
        "--rerun-classifiers",
        default="lr,svm,rf",
        help="classifiers whose grid is changed, one rerun each",
    )
    parser.add_argument("--skip-notebook", action="store_true")
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument(
        "--byols-checkpoint",
        help="a hybrid BYOL-S (CvT) state dict: also time the hybrid_byols extraction with it",
    )
    parser.add_argument("--json", help="also write the results here")
    args = parser.parse_args()

    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="serflow-bench-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(args, workdir)
    test_speakers = args.test_speakers.split(",")
    results: dict = {
        "corpus": str(corpus),
        "n_clips": len(list(corpus.glob("*.wav"))),
        "test_speakers": test_speakers,
        "cores": args.cores,
        "machine": machine(),
        "runs": {},
        "uar": {},
    }

    if not args.skip_notebook:
        out = workdir / "notebook" / "uar.json"
        print("running the notebook pipeline ...", flush=True)
        usage = measure(
            [sys.executable, str(NOTEBOOK), str(corpus), str(out)]
            + ["--test-speakers", args.test_speakers],
            workdir / "notebook" / "notebook.log",
        )
        results["runs"]["notebook"] = asdict(usage)
        notebook = json.loads(out.read_text())
        if sorted(notebook["test_speakers"]) != sorted(test_speakers):
            raise RuntimeError(f"the notebook used test speakers {notebook['test_speakers']}")
        results["uar"]["notebook"] = {key: float(value) for key, value in notebook["uar"].items()}
        results["notebook_seconds"] = notebook["seconds"]
        print(f"notebook: {usage}", flush=True)

    serflow_dir = workdir / "serflow"
    if serflow_dir.exists():
        shutil.rmtree(serflow_dir)
    serflow_dir.mkdir()
    config = serflow_config(corpus, test_speakers)
    print("running serflow ...", flush=True)
    usage = run_serflow(serflow_dir, config, "full", args.cores)
    jobs = job_table(serflow_dir)
    usage.peak_rss_mb = max(usage.peak_rss_mb, float(jobs["max_rss_mb"].max()))
    results["runs"]["serflow_full"] = asdict(usage)
    results["jobs"] = jobs.to_dict("records")
    results["uar"]["serflow"] = serflow_uars(serflow_dir)
    print(f"serflow: {usage}", flush=True)

    if not args.skip_rerun:
        results["rerun_jobs"] = {}
        for classifier in args.rerun_classifiers.split(","):
            config = change_grid(config, classifier)
            name = f"rerun_{classifier}"
            print(f"rerunning serflow with a changed {classifier} grid ...", flush=True)
            start = time.time()
            usage = run_serflow(serflow_dir, config, name, args.cores)
            log = (serflow_dir / "bench_logs" / f"{name}.log").read_text()
            total = re.search(r"^total\s+(\d+)", log, flags=re.MULTILINE)
            results["rerun_jobs"][classifier] = int(total.group(1)) if total else 0
            jobs = job_table(serflow_dir, since=start)
            if len(jobs):
                usage.peak_rss_mb = max(usage.peak_rss_mb, float(jobs["max_rss_mb"].max()))
            results["runs"][f"serflow_{name}"] = asdict(usage)
            print(f"serflow {name}: {usage}", flush=True)

    if args.byols_checkpoint:
        byols = copy.deepcopy(config)
        byols["feature_sets"] = [*FEATURE_SETS, "hybrid_byols"]
        checkpoint = str(Path(args.byols_checkpoint).resolve())
        byols["byols"]["checkpoints"]["hybrid_byols"]["path"] = checkpoint
        print("extracting hybrid_byols features ...", flush=True)
        start = time.time()
        try:
            usage = run_serflow(
                serflow_dir,
                byols,
                "hybrid_byols",
                args.cores,
                targets=[f"results/{DATASET}/features/hybrid_byols.parquet"],
            )
        except RuntimeError as error:  # report what was measured before it
            print(f"the hybrid_byols extraction failed: {error}", flush=True)
            results["byols_error"] = str(error)
        else:
            jobs = job_table(serflow_dir, since=start)
            if len(jobs):
                usage.peak_rss_mb = max(usage.peak_rss_mb, float(jobs["max_rss_mb"].max()))
            results["runs"]["serflow_hybrid_byols_extraction"] = asdict(usage)
            results["byols_jobs"] = jobs.to_dict("records")
            print(f"hybrid_byols extraction: {usage}", flush=True)

    text = report(results)
    print(text)
    (workdir / "benchmark.md").write_text(text + "\n")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1))
    (workdir / "benchmark.json").write_text(json.dumps(results, indent=1))
    print(f"\nall files in {workdir}")


def machine() -> dict:
    """CPU model and core count, for the record."""
    model = ""
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    return {"cpu": model, "cores": os.cpu_count()}


if __name__ == "__main__":
    main()
