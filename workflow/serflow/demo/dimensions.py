"""Synthetic arousal and valence of a demo clip, computed from the parameters it is synthesised
with, so that a regressor on its acoustic features has something real to learn.

Arousal follows what makes the clip sound activated: its loudness relative to the speaker's
level, the size of its pitch accents, its pitch level and its syllable rate. Valence follows
the voice quality the generator gives pleasant emotions: spread lips (a higher second
formant) and little breathiness or jitter. Both are squashed onto a 1-5 rating scale. These
numbers describe synthetic clips only; they mean nothing about real recordings.
"""

from __future__ import annotations

import math

from serflow.demo.styles import STYLES
from serflow.demo.voice import clip_voice

#: The rating scale of the demo's dimensions, [low, high].
DEMO_RANGE = (1.0, 5.0)

#: The demo corpus's dimensions.
DEMO_DIMENSIONS = ("arousal", "valence")


def _squash(activation: float) -> float:
    """An unbounded activation mapped onto :data:`DEMO_RANGE` (0 -> its middle)."""
    low, high = DEMO_RANGE
    return (low + high) / 2 + (high - low) / 2 * math.tanh(activation / 2)


def clip_dimensions(utterance: str, seed: int) -> dict[str, float]:
    """Arousal and valence (1-5) of the demo clip with EmoDB id ``utterance`` and ``seed``."""
    _, _, voice, style = clip_voice(utterance, seed)
    neutral = STYLES["N"]
    arousal = (
        0.45 * (style.level_db - voice.level_db) / 3.0
        + 0.35 * math.log(style.f0_range_st / neutral.f0_range_st) / 0.4
        + 0.25 * math.log(style.f0_ratio / neutral.f0_ratio) / 0.15
        + 0.20 * math.log(style.rate / (neutral.rate * voice.tempo)) / 0.15
    )
    valence = (
        0.60 * math.log(style.f2_ratio / neutral.f2_ratio) / 0.03
        - 0.25 * math.log(style.breath / neutral.breath) / 0.4
        - 0.15 * math.log(style.jitter / neutral.jitter) / 0.4
    )
    return {"arousal": round(_squash(arousal), 4), "valence": round(_squash(valence), 4)}
