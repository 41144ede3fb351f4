"""The corpus cut into shards of audio, each decoded and feature-extracted by a job of its own.

A job holds one shard's audio, never the corpus's, so its memory is bounded by the configured
shard length (``audio.shard_minutes``) whatever the corpus size. Where a shard ends is decided
by its own clips ("content-defined" cuts): a cut follows a clip when the shard has reached a
quarter of the target length and a hash of the clip's id, scaled by its duration, says so, or
when the shard has reached twice the target. Adding or removing a clip therefore moves the cuts
near it only, and every other shard keeps its clips, its name and its files: a corpus that grows
does not redo every shard. A shard is named by a digest of its utterance ids.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

#: A shard may be this many times longer than the target before it is cut regardless.
MAX_SHARD_FACTOR = 2.0
#: A shard is not cut before it holds this share of the target length.
MIN_SHARD_SHARE = 0.25
#: Hex digits of a shard's name (a SHA-256 of its utterance ids).
SHARD_NAME_DIGITS = 12
#: The wildcard pattern of shard names.
SHARD_NAME_PATTERN = rf"[0-9a-f]{{{SHARD_NAME_DIGITS}}}"


@dataclass(frozen=True)
class Shard:
    """One shard: its name and its utterances, sorted."""

    name: str
    utterances: tuple[str, ...]
    duration_s: float


def shard_name(utterances: Sequence[str]) -> str:
    """The name of a shard of these utterances: it changes exactly when its clips change."""
    digest = hashlib.sha256("\n".join(utterances).encode("utf-8")).hexdigest()
    return digest[:SHARD_NAME_DIGITS]


def _uniform(utterance: str) -> float:
    """A number in [0, 1) that depends on the utterance id alone."""
    return int(hashlib.sha256(utterance.encode("utf-8")).hexdigest()[:13], 16) / 16**13


def plan_shards(
    utterances: Sequence[str], durations_s: Sequence[float], shard_minutes: float
) -> list[Shard]:
    """Cut the utterances (sorted by id here) into shards of about ``shard_minutes`` of audio.

    A shard lasts at most ``MAX_SHARD_FACTOR`` times the target, plus one clip; past a quarter
    of the target, each clip ends its shard with a probability proportional to its duration, so
    that shards last the target on average.
    """
    if len(utterances) != len(durations_s):
        raise ValueError("plan_shards needs one duration per utterance")
    if shard_minutes <= 0:
        raise ValueError(f"audio.shard_minutes must be positive, not {shard_minutes}")
    target_s = 60.0 * shard_minutes
    min_s, max_s = MIN_SHARD_SHARE * target_s, MAX_SHARD_FACTOR * target_s
    shards: list[Shard] = []
    current: list[str] = []
    length_s = 0.0
    for utterance, duration_s in sorted(zip(utterances, durations_s, strict=True)):
        current.append(utterance)
        length_s += float(duration_s)
        cut_here = length_s >= max_s or (
            length_s >= min_s and _uniform(utterance) < float(duration_s) / (target_s - min_s)
        )
        if cut_here:
            shards.append(Shard(shard_name(current), tuple(current), length_s))
            current, length_s = [], 0.0
    if current:
        shards.append(Shard(shard_name(current), tuple(current), length_s))
    return shards
