"""Cluster execution: the project's profiles/slurm against a real one-node SLURM.

The `slurm` fixture installs (if needed) and starts a private SLURM on this machine, see
tests/slurm_cluster.py. Without root or apt-get the tests are skipped; with the environment
variable CI set, a SLURM that cannot be started fails them instead.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from slurm_cluster import SlurmCluster, SlurmUnavailable, slurm_cluster
from workflow_runner import demo_config, write_config

REPO = Path(__file__).resolve().parents[1]
SLURM_PROFILE = Path("profiles") / "slurm"  # relative to REPO, as a user would type it
# The profile polls at the plugin's pace for real clusters (first check after 40 s); a test
# cluster answers at once, so poll every few seconds.
FAST_POLLING = [
    "--slurm-init-seconds-before-status-checks",
    "2",
    "--seconds-between-status-checks",
    "2",
]

pytestmark = [pytest.mark.slurm, pytest.mark.workflow]


@pytest.fixture(scope="session")
def slurm() -> Iterator[SlurmCluster]:
    """A one-node SLURM for the whole session; stopped (by pid) at the end."""
    reason = None
    try:
        with slurm_cluster() as cluster:
            yield cluster
    except SlurmUnavailable as error:
        reason = str(error)
    if reason is not None and os.environ.get("CI"):
        pytest.fail(f"CI is set but SLURM could not be started: {reason}", pytrace=False)
    if reason is not None:
        pytest.skip(f"no SLURM here: {reason}")


def run_snakemake(
    args: list[str], cwd: Path, env: dict[str, str], timeout: float = 1200
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m snakemake *args`` from ``cwd`` with this venv's python first on PATH.

    SLURM jobs inherit the submitting environment (sbatch --export=ALL), so the jobs on the
    node find the same python, snakemake and serflow.
    """
    venv_bin = str(Path(sys.executable).parent)
    env = {**env, "PATH": os.pathsep.join([venv_bin, env.get("PATH", "")])}
    return subprocess.run(
        [sys.executable, "-m", "snakemake", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def explain(result: subprocess.CompletedProcess[str], cluster: SlurmCluster) -> str:
    """Snakemake's output and the daemon logs, for an assertion message."""
    return (
        f"snakemake exited with {result.returncode}\n--- stdout ---\n{result.stdout[-4000:]}\n"
        f"--- stderr ---\n{result.stderr[-8000:]}\n{cluster.log_tails()}"
    )


TINY_SNAKEFILE = """\
import json
import os
import sys

localrules: all


rule all:
    input:
        "results/total.txt",


rule count:
    output:
        "results/count_{{n}}.txt",
    log:
        "logs/count_{{n}}.log",
    resources:
        mem_mb=200,
    shell:
        "seq 1 {{wildcards.n}} > {{output}}; echo $SLURM_JOB_ID > {{log}}"


rule total:
    input:
        expand("results/count_{{n}}.txt", n=[3, 4]),
    output:
        "results/total.txt",
    log:
        "logs/total.json",
    threads: {threads}
    resources:
        mem_mb=300,
        runtime=5,
    run:
        import serflow

        total = sum(int(line) for path in input for line in open(path))
        with open(output[0], "w") as out:
            out.write(f"{{total}}\\n")
        facts = {{
            "job": os.environ.get("SLURM_JOB_ID"),
            "cpus_per_task": os.environ.get("SLURM_CPUS_PER_TASK"),
            "threads": threads,
            "python": sys.executable,
            "serflow": serflow.__file__,
        }}
        with open(log[0], "w") as out:
            json.dump(facts, out)
"""


def test_tiny_workflow_runs_through_sbatch(slurm, tmp_path):
    threads = min(2, os.cpu_count() or 1)
    (tmp_path / "Snakefile").write_text(TINY_SNAKEFILE.format(threads=threads))
    # From the repository root, like a user.
    args = ["--profile", str(SLURM_PROFILE), *FAST_POLLING]
    args += ["--snakefile", str(tmp_path / "Snakefile"), "--directory", str(tmp_path)]
    result = run_snakemake(args, cwd=REPO, env=slurm.env)
    assert result.returncode == 0, explain(result, slurm)
    assert (tmp_path / "results" / "total.txt").read_text() == "16\n"  # 1+2+3 + 1+2+3+4

    # Every job ran as a SLURM job, seen by slurmctld and finished COMPLETED.
    count_jobs = {n: int((tmp_path / "logs" / f"count_{n}.log").read_text()) for n in (3, 4)}
    facts = json.loads((tmp_path / "logs" / "total.json").read_text())
    job_ids = {*count_jobs.values(), int(facts["job"])}
    assert len(job_ids) == 3
    assert job_ids <= set(slurm.submitted_job_ids())
    finished = slurm.finished_jobs()
    assert {finished[job]["JobState"] for job in job_ids} == {"COMPLETED"}

    # All jobs carry the run ID as job name, which the plugin uses to poll squeue.
    run_id = re.search(r"SLURM run ID: (\S+)", result.stderr + result.stdout).group(1)
    assert {finished[job]["Name"] for job in job_ids} == {run_id}

    # threads and resources reached sbatch: rule values, else the profile's defaults.
    total = finished[int(facts["job"])]
    assert facts["cpus_per_task"] == str(threads) == total["ProcCnt"]
    assert facts["threads"] == threads
    assert "mem=300M" in total["Tres"] and total["TimeLimit"] == "5"
    count = finished[count_jobs[3]]
    assert "mem=200M" in count["Tres"] and count["TimeLimit"] == "60"  # minutes; profile default

    # The job ran this venv's python and its editable serflow.
    assert Path(facts["python"]).parent == Path(sys.executable).parent
    assert Path(facts["serflow"]).is_relative_to(REPO / "workflow" / "serflow")

    # The plugin kept one SLURM log per job, named by job id, in the workflow directory.
    slurm_logs = tmp_path / ".snakemake" / "slurm_logs"
    logged = {
        int(path.stem): path.relative_to(slurm_logs).parts[0] for path in slurm_logs.rglob("*.log")
    }
    assert logged == {
        count_jobs[3]: "rule_count",
        count_jobs[4]: "rule_count",
        int(facts["job"]): "rule_total",
    }
    assert not (REPO / ".snakemake" / "slurm_logs").exists()


def test_slurm_daemons_listen_on_loopback_only(slurm):
    listening = slurm.listening_addresses()
    assert listening["slurmctld"] and listening["slurmd"], listening
    for addresses in listening.values():
        for address in addresses:
            host = address.rsplit(":", 1)[0]
            assert host.startswith("127.") or host == "::1", listening


# --- The serflow demo on SLURM ------------------------------------------------------------
# The small demo of workflow_runner, cut to one feature set and one classifier, so that the local
# and the SLURM run together stay near two minutes; its 140 clips (about 3 minutes of audio) are
# decoded and extracted in shards of about half a minute, each shard one SLURM job.
RESULTS_MATRIX = Path("results") / "demo" / "results_matrix.csv"


def test_demo_on_slurm_matches_local_run_with_a_slurm_job_per_audio_shard(slurm, tmp_path):
    config = demo_config(feature_sets=["egemaps"], classifiers=["lr"], audio={"shard_minutes": 0.5})
    configs = ["--configfile", str(write_config(tmp_path, config, "small_demo.yaml"))]
    local, cluster = tmp_path / "local", tmp_path / "slurm"

    result = run_snakemake([*configs, "--directory", str(local)], cwd=REPO, env=dict(os.environ))
    assert result.returncode == 0, explain(result, slurm)
    args = ["--profile", str(SLURM_PROFILE), *FAST_POLLING, *configs, "--directory", str(cluster)]
    result = run_snakemake(args, cwd=REPO, env=slurm.env)
    assert result.returncode == 0, explain(result, slurm)

    # The demo's jobs went through sbatch (its localrules run on the submitting host).
    slurm_logs = cluster / ".snakemake" / "slurm_logs"
    jobs = {
        int(path.stem): path.relative_to(slurm_logs).parts[0] for path in slurm_logs.rglob("*.log")
    }
    # the plugin names a group job's log folder after the group and its rules
    jobs = {
        job: re.sub(r"^group_audio_shard_.*", "group_audio_shard", name)
        for job, name in jobs.items()
    }
    assert {"rule_build_metadata", "group_audio_shard", "rule_tune_classifier"} <= set(
        jobs.values()
    )
    finished = slurm.finished_jobs()
    assert {finished[job]["JobState"] for job in jobs} == {"COMPLETED"}

    # One SLURM job per audio shard: it decoded the shard and extracted its features, and the
    # job id in each shard's logs is that job's.
    shards = sorted(path.stem for path in (cluster / "results/demo/audio").glob("*.parquet"))
    assert len(shards) >= 4
    shard_jobs = sorted(job for job, name in jobs.items() if name == "group_audio_shard")
    assert len(shard_jobs) == len(shards)
    for job in shard_jobs:
        log = next(slurm_logs.glob(f"group_audio_shard*/**/{job}.log")).read_text()
        ran = set(re.findall(r"^(?:local)?rule (\w+):", log, flags=re.MULTILINE))
        assert ran == {"resample_audio", "extract_opensmile"}, log[-2000:]
    assert {path.stem for path in (cluster / "results/demo/features/egemaps").glob("*")} == set(
        shards
    )

    # The same features and results as the local run, which decoded the same shards.
    assert sorted(p.stem for p in (local / "results/demo/audio").glob("*.parquet")) == shards
    features = Path("results") / "demo" / "features" / "egemaps.parquet"
    assert (cluster / features).read_bytes() == (local / features).read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_csv(cluster / RESULTS_MATRIX), pd.read_csv(local / RESULTS_MATRIX)
    )
