"""Scaling row: the same serflow workflow on the 1x and the 10x corpus, back to back in one run.

Both corpora are generated (``serflow.demo.generate_emodb_sized_corpus``, same seed, 535 and
5350 clips), each gets a full run from an empty folder with ``snakemake --cores N``, the
benchmark's config (compare and egemaps, lr/svm/rf with the default grids, test speakers
03 13 16), and the job table and the ratio of the two runs are printed as Markdown.

usage:
  python bench/scaling.py --workdir /tmp/serflow-scaling [--scales 1,10]
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from run_benchmark import job_table, make_corpus, run_serflow, serflow_config, serflow_uars


def run_scale(workdir: Path, scale: int, seed: int, cores: int, test_speakers: list[str]):
    """A full serflow run on the ``scale``x corpus: its usage, jobs and test UARs."""
    corpus = make_corpus(argparse.Namespace(corpus=None, scale=scale, seed=seed), workdir)
    run_dir = workdir / f"serflow_x{scale}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir()
    print(f"running serflow on the {scale}x corpus ...", flush=True)
    usage = run_serflow(run_dir, serflow_config(corpus, test_speakers), "full", cores)
    jobs = job_table(run_dir)
    # the largest job's RSS (its pool workers included), not Snakemake's own process
    usage.peak_rss_mb = max(usage.peak_rss_mb, float(jobs["max_rss_mb"].max()))
    print(f"{scale}x: {usage}", flush=True)
    return usage, jobs, serflow_uars(run_dir)


def report(runs: dict[int, tuple]) -> str:
    """Jobs side by side, with ratios to the smallest scale."""
    scales = sorted(runs)
    table = None
    for scale in scales:
        jobs = runs[scale][1].set_index("job")[["wall_s", "max_rss_mb"]]
        jobs.columns = [f"{scale}x wall s", f"{scale}x max RSS MB"]
        table = jobs if table is None else table.join(jobs, how="outer")
    lines = [
        "| job | "
        + " | ".join(f"{s}x wall s" for s in scales)
        + " | ratio | "
        + " | ".join(f"{s}x max RSS MB" for s in scales)
        + " |",
        "|---|" + "---:|" * (2 * len(scales) + 1),
    ]
    for job, row in table.iterrows():
        walls = [row[f"{s}x wall s"] for s in scales]
        ratio = walls[-1] / walls[0] if walls[0] else float("nan")
        rss = [row[f"{s}x max RSS MB"] for s in scales]
        lines.append(
            f"| {job} | "
            + " | ".join(f"{w:.1f}" for w in walls)
            + f" | {ratio:.1f}x | "
            + " | ".join(f"{r:.0f}" for r in rss)
            + " |"
        )
    totals = [runs[s][0] for s in scales]
    lines.append(
        "| **whole run** | "
        + " | ".join(f"**{u.wall_s:.0f}**" for u in totals)
        + f" | **{totals[-1].wall_s / totals[0].wall_s:.1f}x** | "
        + " | ".join(f"{u.peak_rss_mb:.0f}" for u in totals)
        + " |"
    )
    lines.append("")
    lines.append(
        "CPU s: "
        + ", ".join(f"{s}x {u.cpu_s:.0f}" for s, u in zip(scales, totals, strict=True))
        + "; load before/after: "
        + ", ".join(
            f"{s}x {u.load_before:.1f}/{u.load_after:.1f}"
            for s, u in zip(scales, totals, strict=True)
        )
    )
    uars = pd.DataFrame({f"{s}x": runs[s][2] for s in scales}).round(1)
    lines += ["", "Test UAR (%):", "", uars.to_markdown()]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default="1,10", help="corpus sizes in EmoDBs")
    parser.add_argument("--seed", type=int, default=0, help="seed of the generated corpora")
    parser.add_argument("--workdir", help="where to put everything (default: a new temp dir)")
    parser.add_argument("--test-speakers", default="03,13,16")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="serflow-scaling-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    speakers = args.test_speakers.split(",")
    runs = {
        scale: run_scale(workdir, scale, args.seed, args.cores, speakers)
        for scale in (int(s) for s in args.scales.split(","))
    }
    text = report(runs)
    print(text)
    (workdir / "scaling.md").write_text(text + "\n")
    (workdir / "scaling.json").write_text(
        json.dumps(
            {
                str(scale): {
                    "usage": asdict(usage),
                    "jobs": jobs.to_dict("records"),
                    "uar": uars,
                }
                for scale, (usage, jobs, uars) in runs.items()
            },
            indent=1,
        )
    )
    print(f"\nall files in {workdir}")


if __name__ == "__main__":
    main()
