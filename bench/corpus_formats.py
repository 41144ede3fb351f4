"""Any-corpus row: a RAVDESS-sized generated corpus (24 actors x 60 speech clips = 1440 clips,
48 kHz, every third file stereo, RAVDESS's naming and Actor_XX folders) end to end with
serflow's default settings (compare and egemaps, lr/svm/rf with the default grids, a seeded
30% speaker hold-out); wall, CPU and peak RSS of the run and of each job, as Markdown.

The clips are synthetic (serflow.demo_layouts): the row measures cost, not recognition.

usage:
  python bench/corpus_formats.py --workdir /tmp/serflow-ravdess [--cores 2]
"""

from __future__ import annotations

import argparse
import json
import shutil
from pathlib import Path

from run_benchmark import job_table, run_serflow

from serflow.demo_layouts import FORMAT_EMOTIONS, plan_layout, write_layout

#: RAVDESS speech: 24 actors, 60 clips each (neutral 4, the seven other emotions 8).
ACTORS, CLIPS_PER_EMOTION = 24, 8
EMOTIONS = [emotion for emotion in FORMAT_EMOTIONS["ravdess"] if emotion != "neutral"]


def make_corpus(workdir: Path, seed: int) -> Path:
    """The RAVDESS-sized corpus under ``workdir`` (kept between runs)."""
    folder = workdir / "ravdess"
    if not folder.exists():
        # RAVDESS has 4 neutral clips per actor (no strong intensity), 8 of every other emotion
        clips = []
        for emotions, count in [(["neutral"], 4), (EMOTIONS, CLIPS_PER_EMOTION)]:
            clips += plan_layout(
                "ravdess",
                speakers=ACTORS,
                clips_per_class=count,
                emotions=emotions,
                sample_rates=(48000,),
                stereo_every=3,
                min_duration_s=3.0,
                max_duration_s=4.3,
                seed=seed,
            )
        write_layout(folder, "ravdess", sorted(clips, key=lambda c: c.relative), seed=seed)
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = make_corpus(args.workdir, args.seed)
    n_clips = len(list(corpus.rglob("*.wav")))
    run_dir = args.workdir / "run"
    shutil.rmtree(run_dir, ignore_errors=True)
    run_dir.mkdir()
    config = {
        "datasets": {"ravdess": {"format": "ravdess", "source": "folder", "path": str(corpus)}},
        "feature_sets": ["compare", "egemaps"],
    }
    usage = run_serflow(run_dir, config, "ravdess", args.cores)
    jobs = job_table(run_dir, dataset="ravdess")
    peak = max(usage.peak_rss_mb, float(jobs["max_rss_mb"].max()))
    print(
        f"\n{n_clips} clips; run: wall {usage.wall_s:.0f} s, CPU {usage.cpu_s:.0f} s, peak RSS "
        f"{peak:.0f} MB (load {usage.load_before:.1f} -> {usage.load_after:.1f})\n"
    )
    print("| job | wall s | CPU s | max RSS MB |\n|---|---:|---:|---:|")
    for row in jobs.itertuples():
        print(f"| {row.job} | {row.wall_s:.1f} | {row.cpu_s:.1f} | {row.max_rss_mb:.0f} |")
    matrix = (run_dir / "results/ravdess/results_matrix.md").read_text()
    print("\n" + matrix)
    (args.workdir / "ravdess_usage.json").write_text(
        json.dumps(
            {"n_clips": n_clips, "wall_s": usage.wall_s, "cpu_s": usage.cpu_s, "peak_rss_mb": peak},
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
