"""Throughput and peak memory of serflow's SSL extraction against a one-clip-at-a-time loop.

Both run the same clips through the same base-sized wav2vec 2.0 (Wav2Vec2Config() defaults:
the compute of facebook/wav2vec2-base, with random weights, written by save_pretrained; no
download). The clips are the wav files of a generated EmoDB-sized corpus (serflow.demo, 535
clips, 1.2-9 s) or, with ``--lengths FILE`` (a JSON list of sample counts, see
``--write-lengths``), noise clips of those lengths made in memory (no audio libraries needed):

- serflow: ``serflow.ssl.embed_layers`` — every hidden layer's mean and std, one pass per clip,
  length-bucketed batches (exact: per-clip group norm plus the attention mask);
- serflow-shards (``--shards N``): the same as N processes on every N-th clip, started together
  with ``--threads / N`` threads each, as the workflow's extract_ssl shards run with ``--cores``;
- loop: per clip the feature extractor and the model (``torch.no_grad``), the mean of one layer.

Each measurement runs in a fresh process (its peak RSS is its own; after one untimed warm-up
clip), alternating loop, serflow, serflow-shards, serflow-shards, serflow, loop so that drifting
load on a shared machine hits all alike; the median per method is reported. The serflow
layer-``--layer`` means are checked against the loop's. ``--check-exact N`` first compares, on
``--device``, batched against single-clip embeddings of N clips for base-sized wav2vec2 (group
norm), HuBERT (group norm) and WavLM (layer norm); ``--flops`` prints the model's FLOPs.

    .venv/bin/python bench/ssl_speed.py --every 4 --threads 2 --shards 2
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

RATE = 16000
#: (architecture, feature-encoder norm) of the exactness check: the base checkpoints' kinds.
CHECKED = [("wav2vec2", "group"), ("hubert", "group"), ("wavlm", "layer")]


def corpus_files(corpus: Path, every: int) -> list[Path]:
    """The corpus' wav files (generated once), every ``every``-th of the sorted list."""
    if not corpus.exists():
        from serflow.demo import generate_emodb_sized_corpus

        generate_emodb_sized_corpus(corpus, seed=0)
    return sorted(corpus.rglob("*.wav"))[::every]


def noise_clip(n_samples: int, seed: int) -> np.ndarray:
    """A reproducible clip of ``n_samples``: noise under a slow amplitude envelope."""
    rng = np.random.default_rng(seed)
    envelope = 0.05 + 0.1 * np.abs(np.sin(np.arange(n_samples) * (2 * np.pi / RATE)))
    return (envelope * rng.standard_normal(n_samples)).astype(np.float32)


def load_clips(args: argparse.Namespace) -> list[np.ndarray]:
    """The benchmark's clips, as float32 arrays (decoded files or made from ``--lengths``)."""
    if args.lengths is not None:
        lengths = json.loads(args.lengths.read_text())[:: args.every]
        return [noise_clip(n, seed) for seed, n in enumerate(lengths)]
    import soundfile as sf

    return [sf.read(path, dtype="float32")[0] for path in corpus_files(args.corpus, args.every)]


def peak_rss_mb() -> float:
    """This process's peak resident set (VmHWM: unlike ru_maxrss, not inherited from the parent
    across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def sync(device: str) -> None:
    """Wait for the device's queued work (CUDA), so that timings are complete."""
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def run_serflow(clips: list[np.ndarray], model: str, args: argparse.Namespace) -> np.ndarray:
    """serflow's extraction of the clips (after one warm-up clip): layer ``--layer`` means."""
    from serflow.ssl import embed_layers, load_encoder

    encoder = load_encoder(model, device=args.device)
    embed_layers(clips[:1], encoder, device=args.device, threads=args.threads)
    sync(args.device)
    args.start = time.perf_counter()
    embeddings = embed_layers(
        clips, encoder, device=args.device, threads=args.threads, max_batch_s=args.max_batch_s
    )
    return embeddings.mean[:, args.layer]


def run_loop(clips: list[np.ndarray], model: str, args: argparse.Namespace) -> np.ndarray:
    """The one-clip-at-a-time loop (after one warm-up clip): layer ``--layer`` means."""
    import torch
    from transformers import AutoFeatureExtractor, AutoModel

    feature_extractor = AutoFeatureExtractor.from_pretrained(model)
    network = AutoModel.from_pretrained(model).to(args.device).eval()
    rows = []
    for i, audio in enumerate([clips[0], *clips]):
        if i == 1:
            sync(args.device)
            args.start = time.perf_counter()
        inputs = feature_extractor(audio, sampling_rate=RATE, return_tensors="pt")
        with torch.no_grad():
            states = network(**inputs.to(args.device), output_hidden_states=True).hidden_states
        rows.append(states[args.layer][0].mean(0).cpu().numpy())
    return np.stack(rows[1:])


def worker(method: str, model: str, args: argparse.Namespace) -> None:
    """Run one method (on shard ``--shard`` of ``--shards`` for serflow-shards), print its
    timing and peak memory as JSON, save its layer means."""
    import torch

    torch.set_num_threads(args.threads)
    clips = load_clips(args)
    if method == "serflow-shards":
        clips = clips[args.shard :: args.shards]
    run = run_loop if method == "loop" else run_serflow
    layer = run(clips, model, args)
    end = time.perf_counter()
    name = method if method != "serflow-shards" else f"{method}-{args.shard}"
    np.save(args.out / f"{name}.npy", layer)
    record = {
        "method": method,
        "seconds": end - args.start,
        "start": time.time() - (end - args.start),
        "end": time.time(),
        "peak_mb": peak_rss_mb(),
    }
    if args.device.startswith("cuda"):
        record["gpu_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    print(json.dumps(record))


def measure(method: str, args: argparse.Namespace) -> dict:
    """One measurement of ``method`` in fresh processes (one per shard for serflow-shards)."""
    base = [sys.executable, __file__, *sys.argv[1:], "--worker", method]
    if method != "serflow-shards":
        out = subprocess.run(base, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])
    threads = str(max(1, args.threads // args.shards))
    procs = [
        subprocess.Popen(
            [*base, "--shard", str(i), "--threads", threads], stdout=subprocess.PIPE, text=True
        )
        for i in range(args.shards)
    ]
    records = []
    for proc in procs:
        out, _ = proc.communicate()
        if proc.returncode:
            raise RuntimeError(f"a serflow-shards worker failed ({proc.returncode})")
        records.append(json.loads(out.strip().splitlines()[-1]))
    seconds = max(r["end"] for r in records) - min(r["start"] for r in records)
    return {"seconds": seconds, "peak_mb": sum(r["peak_mb"] for r in records)}


def shard_means(args: argparse.Namespace, n_clips: int) -> np.ndarray:
    """The serflow-shards layer means back in clip order."""
    parts = [np.load(args.out / f"serflow-shards-{i}.npy") for i in range(args.shards)]
    layer = np.zeros((n_clips, parts[0].shape[1]), dtype=parts[0].dtype)
    for i, part in enumerate(parts):
        layer[i :: args.shards] = part
    return layer


def relative_error(out: np.ndarray, ref: np.ndarray) -> float:
    """||out - ref|| / ||ref|| in float64 (the tests' measure)."""
    out, ref = np.asarray(out, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


def check_exact(clips: list[np.ndarray], args: argparse.Namespace) -> None:
    """Batched against single-clip embeddings, every layer, per base-sized architecture."""
    from serflow.ssl import embed_layers, load_encoder, padding_mode, save_random_encoder

    # padded batches of different lengths: take lengths spread over the corpus
    order = np.argsort([len(c) for c in clips])
    picked = [clips[i] for i in order[np.linspace(0, len(clips) - 1, args.check_exact).astype(int)]]
    for architecture, norm in CHECKED:
        folder = args.out / f"{architecture}-{norm}-base-random"
        if not (folder / "config.json").exists():
            save_random_encoder(folder, architecture, size="base", feat_extract_norm=norm)
        encoder = load_encoder(str(folder), device=args.device)
        common = {"device": args.device, "threads": args.threads}
        batched = embed_layers(picked, encoder, max_batch_s=60.0, max_padding=0.9, **common)
        single = embed_layers(picked, encoder, max_batch_s=0, **common)
        worst = max(
            relative_error(getattr(batched, kind)[i, layer], getattr(single, kind)[i, layer])
            for kind in ("mean", "std")
            for i in range(len(picked))
            for layer in range(encoder.n_layers)
        )
        print(
            f"exactness {architecture} ({norm} norm, padding mode {padding_mode(encoder.model)}), "
            f"{len(picked)} clips, {encoder.n_layers} layers, {args.device}: largest relative "
            f"difference batched vs single-clip {worst:.1e} (tolerance 1e-4)",
            flush=True,
        )


def model_flops(model: str, clips: list[np.ndarray]) -> float:
    """FLOPs of the model over the clips: counted on 4 lengths, a quadratic in the length
    (attention) fitted and summed over the clips."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode
    from transformers import AutoModel

    network = AutoModel.from_pretrained(model).eval()
    probe = np.array([1.2, 3.0, 6.0, 9.0]) * RATE
    counts = []
    for n in probe:
        counter = FlopCounterMode(display=False)
        with torch.no_grad(), counter:
            network(torch.zeros(1, int(n)), output_hidden_states=True)
        counts.append(counter.get_total_flops())
    fit = np.polyfit(probe, counts, 2)
    return float(sum(np.polyval(fit, len(c)) for c in clips))


def report(results: dict[str, list[dict]], n_clips: int, audio_s: float, flops: float) -> None:
    """Median seconds, clips/s and (with ``flops``) GFLOP/s of each method, and the ratios."""
    median = {m: statistics.median(r["seconds"] for r in runs) for m, runs in results.items()}
    for method, runs in results.items():
        rate = f", {flops / median[method] / 1e9:.0f} GFLOP/s" if flops else ""
        gpu = max((r.get("gpu_peak_mb", 0) for r in runs), default=0)
        print(
            f"median {method:14s} {median[method]:7.1f} s  {n_clips / median[method]:6.2f} clips/s "
            f"{audio_s / median[method]:6.1f} x real time{rate}; peak RSS "
            f"{max(r['peak_mb'] for r in runs):.0f} MB" + (f", GPU {gpu:.0f} MB" if gpu else "")
        )
    for method in results:
        if method != "loop":
            print(f"{method} / loop clips/s: {median['loop'] / median[method]:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/serflow-bench/emodb-sized"))
    parser.add_argument("--lengths", type=Path, help="JSON list of clip lengths: noise clips")
    parser.add_argument("--write-lengths", type=Path, help="write the corpus' lengths and stop")
    parser.add_argument("--out", type=Path, default=Path("/tmp/serflow-bench/ssl"))
    parser.add_argument("--every", type=int, default=1, help="use every n-th clip (a subset)")
    parser.add_argument("--device", default="cpu", help="cpu, cuda, ... (both methods)")
    parser.add_argument("--threads", type=int, default=2, help="per method (all shards)")
    parser.add_argument("--shards", type=int, default=1, help="also time serflow in N shards")
    parser.add_argument("--layer", type=int, default=6)
    parser.add_argument("--max-batch-s", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=1, help="rounds of 2 runs per method")
    parser.add_argument("--check-exact", type=int, default=0, metavar="N", help="clips to check")
    parser.add_argument("--flops", action="store_true", help="count the model's FLOPs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--shard", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    model = args.out / "wav2vec2-base-random"
    if args.worker:
        worker(args.worker, str(model), args)
        return
    if args.write_lengths:
        clips = load_clips(args)
        args.write_lengths.write_text(json.dumps([len(c) for c in clips]))
        return
    if not (model / "config.json").exists():
        from serflow.ssl import save_random_encoder

        save_random_encoder(model, "wav2vec2", size="base")
    clips = load_clips(args)
    audio_s = sum(len(c) for c in clips) / RATE
    source = f"noise clips of {args.lengths}" if args.lengths else str(args.corpus)
    print(
        f"{len(clips)} clips ({audio_s:.0f} s of audio, {source}), wav2vec2 base config (random "
        f"weights), {args.device}, {args.threads} threads, max_batch_s {args.max_batch_s}, layer "
        f"{args.layer} for the loop",
        flush=True,
    )
    if args.check_exact:
        check_exact(clips, args)
    flops = model_flops(str(model), clips) if args.flops else 0.0
    if flops:
        print(f"model FLOPs over the clips: {flops / 1e12:.2f} TFLOP", flush=True)
    methods = ["loop", "serflow"] + (["serflow-shards"] if args.shards > 1 else [])
    results: dict[str, list[dict]] = {m: [] for m in methods}
    print(f"load average before: {os.getloadavg()[0]:.1f}", flush=True)
    for _ in range(args.rounds):
        for method in methods + methods[::-1]:
            record = measure(method, args)
            results[method].append(record)
            print(
                f"  {method:14s} {record['seconds']:7.1f} s  {len(clips) / record['seconds']:6.2f} "
                f"clips/s  peak RSS {record['peak_mb']:6.0f} MB  load {os.getloadavg()[0]:.1f}",
                flush=True,
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    report(results, len(clips), audio_s, flops)
    loop = np.load(args.out / "loop.npy")
    ours = {"serflow": np.load(args.out / "serflow.npy")}
    if args.shards > 1:
        ours["serflow-shards"] = shard_means(args, len(clips))
    for method, layer in ours.items():
        print(f"layer {args.layer} means, {method} vs loop: {relative_error(layer, loop):.1e}")


if __name__ == "__main__":
    main()
