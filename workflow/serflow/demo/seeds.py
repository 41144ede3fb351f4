"""Random streams of the demo corpus: one seed and an utterance id give every random number.

The corpus ``seed`` and the integer parts of an id are fed to :class:`numpy.random.SeedSequence`
(never Python's ``hash()``), so the same arguments give the same clips in every process.
Separate streams keep the draws for speakers, texts and clips independent of each other.
"""

from __future__ import annotations

import numpy as np

from serflow.emodb import parse_utterance

SPEAKER_STREAM, TEXT_STREAM, CLIP_STREAM = 1, 2, 3


def check_seed(seed: int) -> None:
    """Refuse a seed that is not a non-negative integer, as SeedSequence needs."""
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def text_code(text: str) -> int:
    """A stable integer for a text code such as ``a01``, to seed with."""
    return (ord(text[0]) - ord("a")) * 100 + int(text[1:])


def clip_seed(utterance: str, seed: int) -> np.random.SeedSequence:
    """The seed of one clip; its first child draws the duration, its second the audio."""
    parts = parse_utterance(utterance)
    return np.random.SeedSequence(
        [
            int(seed),
            CLIP_STREAM,
            int(parts.speaker),
            text_code(parts.text),
            "WLEAFTN".index(parts.emotion),
            ord(parts.version) - ord("a"),
        ]
    )
