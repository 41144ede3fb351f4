"""CPU throughput of serflow.byols.embed_clips (front end + encoder) on synthetic clips.

Clip lengths follow EmoDB's spread by default (1.2-9 s, mean about 2.8 s); the content is
noise, which costs the same as speech. Weights are random: they do not change the speed.
Every run lengthens all clips by a few frames, so that it does not profit from kernels that
oneDNN compiled for the exact input shapes of an earlier run.

    .venv/bin/python bench/byols_speed.py --encoder hybrid_byols --threads 2
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from serflow.byols import build_encoder, embed_clips
from serflow.byols.frontend import HOP_LENGTH, SAMPLE_RATE


def clip_seconds(n: int, lengths: str) -> np.ndarray:
    """``n`` clip durations in 1.2-9 s, evenly spread over the quantiles of the distribution.

    ``"emodb"``: log-normal around 2.5 s (mean about 2.8 s, like EmoDB); ``"uniform"``: uniform.
    """
    quantiles = (np.arange(n) + 0.5) / n
    if lengths == "emodb":
        seconds = np.exp(
            np.log(2.5)
            + 0.45 * np.sqrt(2) * torch.special.erfinv(torch.from_numpy(2 * quantiles - 1)).numpy()
        )
    else:
        seconds = 1.2 + quantiles * (9.0 - 1.2)
    return np.clip(seconds, 1.2, 9.0)


def synthetic_clips(seconds: np.ndarray, extra_samples: int = 0, seed: int = 0) -> list[np.ndarray]:
    """Noise clips at 16 kHz of the given durations plus ``extra_samples``, in shuffled order."""
    rng = np.random.default_rng(seed)
    sizes = rng.permutation((seconds * SAMPLE_RATE).astype(int) + extra_samples)
    return [(0.1 * rng.standard_normal(size)).astype(np.float32) for size in sizes]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--encoder", default="hybrid_byols", choices=["hybrid_byols", "byols"])
    parser.add_argument("--clips", type=int, default=100)
    parser.add_argument("--lengths", default="emodb", choices=["emodb", "uniform"])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="the best run is reported")
    parser.add_argument(
        "--max-batch-frames", type=int, nargs="+", default=[0, 2000], help="0: one clip at a time"
    )
    args = parser.parse_args()

    torch.manual_seed(0)
    model = build_encoder(args.encoder).eval()
    print(
        f"{args.encoder}, {args.threads} threads, {args.clips} clips ({args.lengths} lengths), "
        f"best of {args.repeats} runs"
    )
    seconds = clip_seconds(args.clips, args.lengths)
    run = 0
    for max_batch_frames in args.max_batch_frames:
        best, best_audio = float("inf"), 1.0
        for _ in range(args.repeats):
            run += 1
            clips = synthetic_clips(seconds, extra_samples=HOP_LENGTH * run, seed=run)
            audio_seconds = sum(len(c) for c in clips) / SAMPLE_RATE
            start = time.perf_counter()
            embed_clips(
                clips,
                model,
                0.0,
                1.0,
                max_batch_frames=max_batch_frames,
                device="cpu",
                threads=args.threads,
            )
            elapsed = time.perf_counter() - start
            if elapsed < best:
                best, best_audio = elapsed, audio_seconds
        print(
            f"  max_batch_frames={max_batch_frames:<6d} {best:6.2f} s  "
            f"{args.clips / best:6.1f} clips/s  real-time factor {best / best_audio:.4f}  "
            f"(mean clip {best_audio / args.clips:.2f} s)"
        )


if __name__ == "__main__":
    main()
