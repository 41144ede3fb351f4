"""CPU throughput and peak memory of serflow's SSL extraction against a one-clip-at-a-time loop.

Both read the same wav files of a generated EmoDB-sized corpus (serflow.demo, 535 clips, 1.2-9 s)
and run the same base-sized wav2vec 2.0 (Wav2Vec2Config() defaults: the compute of
facebook/wav2vec2-base, with random weights, written by save_pretrained; no download):

- serflow: ``serflow.ssl.embed_layers`` — every hidden layer's mean and std, one pass per clip,
  length-bucketed batches (exact: per-clip group norm plus the attention mask);
- loop: per file the feature extractor and the model (``torch.no_grad``), the mean of one layer.

Each measurement runs in a fresh process (its peak RSS is its own), in the order loop, serflow,
serflow, loop, ... so that drifting load on a shared machine hits both alike; the median per
method is reported. The serflow layer-``--layer`` means are checked against the loop's.

    .venv/bin/python bench/ssl_speed.py --every 4 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np


def corpus_files(corpus: Path, every: int) -> list[Path]:
    """The corpus' wav files (generated once), every ``every``-th of the sorted list."""
    if not corpus.exists():
        from serflow.demo import generate_emodb_sized_corpus

        generate_emodb_sized_corpus(corpus, seed=0)
    files = sorted(corpus.rglob("*.wav"))
    return files[::every]


def worker(method: str, model: str, files: list[Path], args: argparse.Namespace) -> None:
    """Run one method, print its timing and peak RSS as JSON, save its embeddings."""
    import soundfile as sf
    import torch

    torch.set_num_threads(args.threads)
    start = time.perf_counter()
    if method == "serflow":
        from serflow.ssl import embed_layers, load_encoder

        encoder = load_encoder(model, device="cpu")
    else:
        from transformers import AutoFeatureExtractor, AutoModel

        feature_extractor = AutoFeatureExtractor.from_pretrained(model)
        network = AutoModel.from_pretrained(model).eval()
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    if method == "serflow":
        clips = [sf.read(path, dtype="float32")[0] for path in files]
        embeddings = embed_layers(
            clips, encoder, device="cpu", threads=args.threads, max_batch_s=args.max_batch_s
        )
        layer = embeddings.mean[:, args.layer]
    else:
        rows = []
        for path in files:
            audio, rate = sf.read(path, dtype="float32")
            inputs = feature_extractor(audio, sampling_rate=rate, return_tensors="pt")
            with torch.no_grad():
                states = network(**inputs, output_hidden_states=True).hidden_states
            rows.append(states[args.layer][0].mean(0).numpy())
        layer = np.stack(rows)
    seconds = time.perf_counter() - start
    np.save(args.out / f"{method}.npy", layer)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"method": method, "seconds": seconds, "load_s": load_s, "peak_mb": peak_mb}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/serflow-bench/emodb-sized"))
    parser.add_argument("--out", type=Path, default=Path("/tmp/serflow-bench/ssl"))
    parser.add_argument("--every", type=int, default=1, help="use every n-th clip (a subset)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--layer", type=int, default=6)
    parser.add_argument("--max-batch-s", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1, help="ABBA rounds (2 runs each)")
    parser.add_argument("--worker", choices=["serflow", "loop"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    files = corpus_files(args.corpus, args.every)
    model = args.out / "wav2vec2-base-random"
    if args.worker:
        worker(args.worker, str(model), files, args)
        return
    if not (model / "config.json").exists():
        from serflow.ssl import save_random_encoder

        save_random_encoder(model, "wav2vec2", size="base")
    import soundfile as sf

    audio_s = sum(sf.info(path).duration for path in files)
    print(
        f"{len(files)} clips ({audio_s:.0f} s of audio), wav2vec2 base config (random weights), "
        f"CPU, {args.threads} threads, layer {args.layer} for the loop"
    )
    results: dict[str, list[dict]] = {"loop": [], "serflow": []}
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    for _ in range(args.rounds):
        for method in ["loop", "serflow", "serflow", "loop"]:
            command = [sys.executable, __file__, "--worker", method]
            command += sys.argv[1:]
            out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            record = json.loads(out.strip().splitlines()[-1])
            results[method].append(record)
            rate = len(files) / record["seconds"]
            print(
                f"  {method:8s} {record['seconds']:7.1f} s  {rate:5.2f} clips/s  peak RSS "
                f"{record['peak_mb']:6.0f} MB  (model load {record['load_s']:.1f} s)"
            )
    median = {m: statistics.median(r["seconds"] for r in results[m]) for m in results}
    peak = {m: max(r["peak_mb"] for r in results[m]) for m in results}
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    ours, loop = np.load(args.out / "serflow.npy"), np.load(args.out / "loop.npy")
    error = float(np.linalg.norm(ours - loop) / np.linalg.norm(loop))
    print(
        f"median: serflow {len(files) / median['serflow']:.2f} clips/s (all layers, mean+std), "
        f"loop {len(files) / median['loop']:.2f} clips/s (one layer): "
        f"{median['loop'] / median['serflow']:.2f}x; peak RSS serflow {peak['serflow']:.0f} MB, "
        f"loop {peak['loop']:.0f} MB; layer {args.layer} relative difference {error:.1e}"
    )


if __name__ == "__main__":
    main()
