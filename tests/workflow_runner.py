"""Running the real workflow with Snakemake in a temporary working directory."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = str(Path(sys.executable).with_name("snakemake"))

#: Random-weight BYOL-S checkpoints with the official keys (see tests/data/byols/README.md).
BYOLS_CHECKPOINTS = REPO / "tests" / "data" / "byols"

#: Small grids so that a workflow test fits in a minute; the defaults are the notebook's.
SMALL_GRIDS = {
    "lr": [{"C": [0.01, 1.0], "solver": ["lbfgs"]}],
    "svm": [{"C": [1.0, 10.0], "gamma": [1.0e-3], "kernel": ["rbf", "linear"]}],
    "rf": [{"n_estimators": [20], "max_features": ["sqrt"], "bootstrap": [True]}],
}


def demo_config(**overrides) -> dict:
    """A config for a small, quick demo corpus (2 clips per speaker and emotion, short)."""
    config = {
        "datasets": {
            "demo": {
                "format": "emodb",
                "source": "demo",
                "demo": {
                    "clips_per_class": 2,
                    "min_duration_s": 0.8,
                    "max_duration_s": 1.6,
                    "seed": 0,
                },
            }
        },
        "feature_sets": ["compare", "egemaps", "hybrid_byols"],
        "byols": {
            "checkpoints": {
                "hybrid_byols": {"path": str(BYOLS_CHECKPOINTS / "cvt_random_state_dict.pth")}
            }
        },
        "grids": SMALL_GRIDS,
        "split": {"test_speakers": ["03", "13", "16"]},
    }
    for key, value in overrides.items():
        config[key] = value
    return config


def emodb_named_corpus(
    folder: Path, speakers: list[str], min_duration_s: float, max_duration_s: float
) -> Path:
    """A generated corpus of EmoDB-named clips in ``folder``: each speaker, every emotion twice."""
    from serflow.demo import generate_demo_corpus

    generate_demo_corpus(
        folder,
        speakers=speakers,
        clips_per_class=2,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
    )
    return folder


def write_config(workdir: Path, config: dict, name: str = "config.yaml") -> Path:
    """Write a config file into the working directory."""
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / name
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def run_snakemake(
    workdir: Path,
    *args: str,
    configfile: str = "config.yaml",
    check: bool = True,
    env: dict | None = None,
) -> subprocess.CompletedProcess:
    """Run the repository's Snakefile in ``workdir`` with ``configfile`` on top of the defaults."""
    command = [
        SNAKEMAKE,
        "-s",
        str(REPO / "workflow" / "Snakefile"),
        "--directory",
        str(workdir),
        "--configfile",
        str(workdir / configfile),
        "--workflow-profile",
        "none",
        *args,
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    if check and result.returncode != 0:
        raise AssertionError(
            f"snakemake failed ({result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return result


def planned_jobs(
    workdir: Path, configfile: str = "config.yaml", targets: tuple[str, ...] = ()
) -> dict[str, int]:
    """Rule -> number of jobs that a dry run (of ``targets``, default: all) would execute
    (from Snakemake's job stats)."""
    result = run_snakemake(workdir, "-n", "--cores", "2", *targets, configfile=configfile)
    text = result.stdout + result.stderr
    if "Nothing to be done" in text:
        return {}
    table = text.split("Job stats:", 1)[1]
    jobs = {}
    for line in table.splitlines()[3:]:
        match = re.match(r"^(\w+)\s+(\d+)$", line.strip())
        if not match:
            break
        jobs[match.group(1)] = int(match.group(2))
    jobs.pop("total", None)
    jobs.pop("all", None)
    return jobs
