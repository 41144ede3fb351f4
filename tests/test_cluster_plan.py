"""`serflow cluster-plan`: which jobs of a cluster run go to sbatch, with what, and which stay
local; real dry runs of the workflow with the project's SLURM profile (nothing is submitted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from serflow.cluster_plan import dry_run, format_plan, local_rules, parse_dry_run, plan_table

from workflow_runner import demo_config, run_snakemake, write_config

REPO = Path(__file__).resolve().parents[1]
PROFILE = ["--profile", str(REPO / "profiles" / "slurm")]

pytestmark = pytest.mark.workflow


def serflow_plan(workdir: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``serflow cluster-plan`` for the config in ``workdir``, as a user would run it."""
    args = ["--snakefile", str(REPO / "workflow" / "Snakefile"), "--directory", str(workdir)]
    command = [sys.executable, "-m", "serflow.cli", "cluster-plan", *PROFILE, *args]
    command += ["--configfile", str(workdir / "config.yaml"), *extra]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def rows_of(text: str) -> dict[str, str]:
    """Plan rows by their first column."""
    return {line.split("  ")[0].strip(): line for line in text.splitlines()[1:] if "  " in line}


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plan")
    write_config(folder, demo_config())
    return folder


def test_local_rules_are_read_from_every_rule_file():
    local = local_rules()
    assert {"all", "split_speakers", "results_matrix", "merge_ssl_shards"} <= local
    assert not {"tune_classifier", "build_metadata", "extract_opensmile"} & local
    listed = subprocess.run(
        [sys.executable, "-m", "snakemake", "--list-rules", "--snakefile",
         str(REPO / "workflow" / "Snakefile"), "--configfile", str(REPO / "config/demo.yaml")],
        capture_output=True, text=True, check=True, cwd=REPO,
    ).stdout.split()  # fmt: skip
    assert local <= set(listed)  # every name is a rule of the workflow


def test_a_fresh_folder_plans_sbatch_and_local_jobs_and_names_the_pending_checkpoint(workdir):
    result = serflow_plan(workdir, "--default-resources", "slurm_partition=short", "mem_mb=4000")
    assert result.returncode == 0, result.stderr
    rows = rows_of(result.stdout)
    for local in ("all", "split_speakers", "results_matrix"):
        assert "local (the submitting host)" in rows[local]
    assert "sbatch" in rows["tune_classifier"] and "120" in rows["tune_classifier"]
    assert "short" in rows["build_metadata [checkpoint]"]  # the partition it would be sent to
    assert "Checkpoint pending: the audio shard jobs" in result.stdout
    # the demo generator asks for the disk it needs, not Snakemake's 50 GB default
    args = ["--snakefile", str(REPO / "workflow/Snakefile"), "--directory", str(workdir)]
    text = dry_run([*PROFILE, *args, "--configfile", str(workdir / "config.yaml")])
    (demo,) = [job for job in parse_dry_run(text) if job.rule == "generate_demo_corpus"]
    assert int(demo.resources["disk_mb"]) <= 2000


def test_after_the_checkpoint_the_shard_groups_are_one_submission_each(workdir):
    run_snakemake(workdir, "--cores", "2", "--until", "build_metadata")
    args = ["--snakefile", str(REPO / "workflow/Snakefile"), "--directory", str(workdir)]
    text = dry_run([*PROFILE, *args, "--configfile", str(workdir / "config.yaml")])
    table = plan_table(parse_dry_run(text), local_rules())
    (shards,) = [row for row in table if row["job"].startswith("group audio_shard")]
    assert shards["job"] == "group audio_shard (extract_opensmile + resample_audio)"
    assert shards["where"] == "sbatch"
    assert int(shards["count"]) == text.count("rule resample_audio:") >= 1  # one per shard
    result = serflow_plan(workdir)
    assert "group audio_shard" in result.stdout and "Checkpoint pending" not in result.stdout


def test_an_up_to_date_folder_says_how_to_plan_a_full_run(workdir):
    assert "add --forceall" in format_plan([], pending_checkpoint=False)
    result = serflow_plan(workdir, "--forceall")
    assert "generate_demo_corpus" in rows_of(result.stdout)  # done, but planned again
