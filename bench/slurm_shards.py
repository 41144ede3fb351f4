"""The sharded feature stage through a real one-node SLURM: each audio shard its own SLURM job.

Starts the tests' private SLURM (tests/slurm_cluster.py; needs root, installs SLURM with
apt-get if missing), runs the feature stage (decoding, openSMILE extraction, merges) of a
generated EmoDB-sized corpus times ``--scale`` with ``--profile profiles/slurm``, and prints one
row per SLURM job: its id, the group or rule, the shard, its state, run time, and the peak RSS of
the rules it ran (their ``benchmark:`` files). With ``--local-features`` it compares the merged
feature table with one from a local run, byte for byte.

usage:
  python bench/slurm_shards.py --workdir /tmp/serflow-slurm-shards --scale 10 \\
      --local-features /tmp/serflow-scale/serflow_x10/results/bench/features/egemaps.parquet
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import yaml
from run_benchmark import DATASET, PROJECT, job_table, make_corpus

sys.path.insert(0, str(PROJECT / "tests"))
from slurm_cluster import slurm_cluster  # noqa: E402

POLLING = ["--slurm-init-seconds-before-status-checks", "2", "--seconds-between-status-checks", "2"]


def slurm_jobs(workdir: Path, finished: dict[int, dict[str, str]]) -> pd.DataFrame:
    """One row per SLURM job of the run, from the plugin's log folders and SLURM's job records."""
    rows = []
    logs = workdir / ".snakemake" / "slurm_logs"
    for path in sorted(logs.rglob("*.log")):
        job = int(path.stem)
        text = path.read_text(errors="replace")
        rules = sorted(
            set(re.findall(r"^(?:local)?(?:rule|checkpoint) (\w+):", text, flags=re.MULTILINE))
        )
        shard = re.search(r"^\s+wildcards: .*shard=([0-9a-f]{12})", text, flags=re.MULTILINE)
        record = finished.get(job, {})
        rows.append(
            {
                "slurm_job": job,
                "rules": "+".join(rules),
                "shard": shard.group(1) if shard else "",
                "state": record.get("JobState", "?"),
                "start": record.get("StartTime", ""),
                "end": record.get("EndTime", ""),
            }
        )
    table = pd.DataFrame(rows)
    times = {c: pd.to_datetime(table[c], errors="coerce") for c in ("start", "end")}
    table["run_s"] = (times["end"] - times["start"]).dt.total_seconds()
    return table.drop(columns=["start", "end"]).sort_values("slurm_job", ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--feature-set", default="egemaps")
    parser.add_argument("--shard-minutes", type=float, default=30)
    parser.add_argument("--local-features", help="a local run's feature table to compare with")
    args = parser.parse_args()
    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(argparse.Namespace(corpus=None, scale=args.scale, seed=args.seed), workdir)
    run_dir = workdir / f"slurm_x{args.scale}"
    run_dir.mkdir(exist_ok=True)
    config = {
        "datasets": {DATASET: {"format": "emodb", "source": "folder", "path": str(corpus)}},
        "feature_sets": [args.feature_set],
        "audio": {"shard_minutes": args.shard_minutes},
    }
    (run_dir / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    target = f"results/{DATASET}/features/{args.feature_set}.parquet"
    with slurm_cluster() as cluster:
        env = {
            **cluster.env,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{cluster.env['PATH']}",
        }
        start = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "snakemake", "--profile", "profiles/slurm", *POLLING]
            + ["--configfile", str(run_dir / "config.yaml"), "--directory", str(run_dir), target],
            cwd=PROJECT,
            env=env,
            capture_output=True,
            text=True,
        )
        wall = time.perf_counter() - start
        if result.returncode != 0:
            raise SystemExit(f"snakemake failed:\n{result.stderr[-6000:]}\n{cluster.log_tails()}")
        jobs = slurm_jobs(run_dir, cluster.finished_jobs())
    rss = job_table(run_dir).assign(shard=lambda t: t["job"].str.extract(r"/([0-9a-f]{12})$")[0])
    peak = rss.dropna(subset=["shard"]).groupby("shard")["max_rss_mb"].max()
    jobs["max_rss_mb"] = jobs["shard"].map(peak)
    print(f"feature stage through SLURM on the {args.scale}x corpus: {wall:.0f} s wall")
    print(jobs.to_markdown(index=False, floatfmt=".0f"))
    shards = jobs[jobs["shard"] != ""]
    print(
        f"{len(shards)} shard jobs, {shards['shard'].nunique()} shards, states {set(jobs['state'])}"
    )
    if args.local_features:
        same = Path(args.local_features).read_bytes() == (run_dir / target).read_bytes()
        print(f"merged table byte-identical to {args.local_features}: {same}")


if __name__ == "__main__":
    main()
