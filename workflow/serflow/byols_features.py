"""BYOL-S embeddings as a feature table, computed in shards of the corpus."""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.byols import load_encoder
from serflow.byols.embed import compute_logmels, embed_clips
from serflow.byols.frontend import clip_stats, mean_of_clip_stats
from serflow.feature_sets import BYOLS, spec_of


def shard_utterances(utterances: list[str], shard: int, n_shards: int) -> list[str]:
    """Every ``n_shards``-th utterance of the sorted ids, from the ``shard``-th on.

    Interleaving spreads long and short clips evenly, so that shards take similar times.
    """
    if not 0 <= shard < n_shards:
        raise ValueError(f"shard {shard} is outside 0..{n_shards - 1}")
    return sorted(utterances)[shard::n_shards]


def clip_logmel_stats(
    utterances: list[str], clips: list[np.ndarray], device: str = "cpu"
) -> dict[str, tuple[float, float]]:
    """Each clip's log-mel (mean, std), by utterance: computed one audio shard at a time."""
    logmels = compute_logmels(clips, device)
    return {u: clip_stats(lms) for u, lms in zip(utterances, logmels, strict=True)}


def logmel_statistics(per_clip: dict[str, tuple[float, float]]) -> dict[str, float]:
    """The scene normalisation of the original BYOL-S code from every clip's log-mel stats.

    ``mean`` is the mean over clips (in utterance order) of each clip's log-mel mean; ``std``
    the mean over clips of each clip's (unbiased) log-mel standard deviation.
    """
    if not per_clip:
        raise ValueError("no clips to compute log-mel statistics from")
    mean, std = mean_of_clip_stats([per_clip[u] for u in sorted(per_clip)])
    return {"mean": mean, "std": std, "n_clips": len(per_clip)}


def embedding_table(utterances: list[str], embeddings: np.ndarray) -> pd.DataFrame:
    """``utterance`` then ``byols_0000`` … ``byols_2047`` (float32), one row per clip."""
    columns = [f"byols_{i:04d}" for i in range(embeddings.shape[1])]
    table = pd.DataFrame(embeddings.astype(np.float32, copy=False), columns=columns)
    table.insert(0, "utterance", list(utterances))
    return table


def extract_embeddings(
    utterances: list[str],
    clips: list[np.ndarray],
    feature_set: str,
    checkpoint: str,
    stats: dict[str, float],
    *,
    device: str = "auto",
    threads: int = 1,
    max_batch_frames: int = 3000,
    progress: bool = True,
) -> pd.DataFrame:
    """The BYOL-S embedding table of ``clips`` with the encoder of ``feature_set``."""
    spec_of(feature_set, BYOLS)
    model = load_encoder(feature_set, checkpoint, device=device)
    embeddings = embed_clips(
        clips,
        model,
        stats["mean"],
        stats["std"],
        max_batch_frames=max_batch_frames,
        device=device,
        threads=threads,
        progress=progress,
    )
    return embedding_table(utterances, embeddings)
