"""Scaling rows: the same serflow workflow on generated corpora of 1x, 10x, 30x EmoDB, in one run.

Each corpus is generated (``serflow.demo.generate_emodb_sized_corpus``, same seed; 535 clips
times the scale) and gets a run from an empty folder with ``snakemake --cores N``: first the
feature stage alone (decoding and extraction in audio shards, and the merges: its wall time is
the "feature stage"), then everything else (normalisation, split, grid searches). Per job kind
(a rule and its feature set or classifier, all shards together): jobs, summed wall and CPU
seconds, and the largest job's peak RSS, from the rules' ``benchmark:`` files; printed and
written as Markdown and JSON.

usage:
  python bench/scaling.py --workdir /tmp/serflow-scaling --scales 1,10,30 \\
      --feature-sets egemaps --classifiers lr,svm
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import tempfile
from dataclasses import asdict
from pathlib import Path

import pandas as pd
from run_benchmark import DATASET, Usage, job_table, make_corpus, run_serflow, serflow_uars

#: A shard's part of a job name: an audio shard's digest or a BYOL-S/SSL shard number.
SHARD = re.compile(r"/([0-9a-f]{12}|shard_\d+)$")
#: The job kinds of the feature stage.
FEATURE_STAGE = ("resample_audio", "extract_opensmile", "merge_feature_shards")


def job_kinds(jobs: pd.DataFrame) -> pd.DataFrame:
    """One row per job kind: number of jobs, summed wall and CPU s, the largest peak RSS."""
    kinds = jobs.assign(kind=jobs["job"].str.replace(SHARD, "", regex=True))
    return kinds.groupby("kind").agg(
        jobs=("job", "size"),
        wall_s=("wall_s", "sum"),
        cpu_s=("cpu_s", "sum"),
        max_rss_mb=("max_rss_mb", "max"),
    )


def run_scale(
    workdir: Path, scale: int, args: argparse.Namespace
) -> tuple[dict[str, Usage], pd.DataFrame, dict[str, float]]:
    """The feature stage, then the rest, on the ``scale``x corpus: usages, job kinds, UARs."""
    corpus = make_corpus(argparse.Namespace(corpus=None, scale=scale, seed=args.seed), workdir)
    run_dir = workdir / f"serflow_x{scale}"
    if run_dir.exists():
        shutil.rmtree(run_dir)
    run_dir.mkdir()
    config = {
        "datasets": {DATASET: {"format": "emodb", "source": "folder", "path": str(corpus)}},
        "feature_sets": args.feature_sets,
        "classifiers": args.classifiers,
        "split": {"test_speakers": args.test_speakers},
    }
    features = [f"results/{DATASET}/features/{name}.parquet" for name in args.feature_sets]
    print(f"running serflow on the {scale}x corpus ...", flush=True)
    usages = {
        "features": run_serflow(run_dir, config, "features", args.cores, features),
        "rest": run_serflow(run_dir, config, "rest", args.cores),
    }
    kinds = job_kinds(job_table(run_dir))
    print(f"{scale}x: {usages}", flush=True)
    uars = serflow_uars(run_dir, args.feature_sets, args.classifiers)
    return usages, kinds, uars


def report(runs: dict[int, tuple]) -> str:
    """Job kinds side by side, with ratios to the smallest scale."""
    scales = sorted(runs)
    first = scales[0]
    head = " | ".join(f"{s}x jobs | {s}x wall s | {s}x CPU s | {s}x max RSS MB" for s in scales)
    lines = [f"| job kind | {head} |", "|---|" + "---:|" * (4 * len(scales))]
    kinds = sorted(set().union(*(runs[s][1].index for s in scales)))
    for kind in kinds:
        cells = []
        for scale in scales:
            table = runs[scale][1]
            if kind in table.index:
                row = table.loc[kind]
                cells.append(
                    f"{row['jobs']} | {row['wall_s']:.1f} | {row['cpu_s']:.1f} | "
                    f"{row['max_rss_mb']:.0f}"
                )
            else:
                cells.append(" | | | ")
        lines.append(f"| {kind} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("| run | " + " | ".join(f"{s}x" for s in scales) + " |")
    lines.append("|---|" + "---:|" * len(scales))
    for part in ("features", "rest"):
        walls = [runs[s][0][part].wall_s for s in scales]
        lines.append(
            f"| {part} wall s (ratio to {first}x) | "
            + " | ".join(f"{w:.0f} ({w / walls[0]:.1f}x)" for w in walls)
            + " |"
        )
        lines.append(
            f"| {part} CPU s | "
            + " | ".join(f"{runs[s][0][part].cpu_s:.0f}" for s in scales)
            + " |"
        )
    decode_extract = [
        runs[s][1].loc[[k for k in runs[s][1].index if k.startswith(FEATURE_STAGE[:2])]]
        for s in scales
    ]
    lines.append(
        "| largest decode/extraction job's peak RSS MB | "
        + " | ".join(f"{table['max_rss_mb'].max():.0f}" for table in decode_extract)
        + " |"
    )
    lines.append(
        "| load before/after | "
        + " | ".join(
            f"{runs[s][0]['features'].load_before:.1f}/{runs[s][0]['rest'].load_after:.1f}"
            for s in scales
        )
        + " |"
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
    parser.add_argument("--feature-sets", default="compare,egemaps")
    parser.add_argument("--classifiers", default="lr,svm,rf")
    parser.add_argument("--cores", type=int, default=2)
    args = parser.parse_args()
    for name in ("test_speakers", "feature_sets", "classifiers"):
        setattr(args, name, getattr(args, name).split(","))
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="serflow-scaling-")).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    runs = {scale: run_scale(workdir, scale, args) for scale in map(int, args.scales.split(","))}
    text = report(runs)
    print(text)
    (workdir / "scaling.md").write_text(text + "\n")
    summary = {
        str(scale): {
            "usage": {part: asdict(usage) for part, usage in usages.items()},
            "job_kinds": kinds.reset_index().to_dict("records"),
            "uar": uars,
        }
        for scale, (usages, kinds, uars) in runs.items()
    }
    (workdir / "scaling.json").write_text(json.dumps(summary, indent=1, default=float))
    print(f"\nall files in {workdir}")


if __name__ == "__main__":
    main()
