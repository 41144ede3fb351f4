"""How the synthetic speakers speak: emotion styles, speaker voices and each clip's variation.

The emotion sets the pitch level and range, the syllable rate, the loudness, the voice quality
(open quotient, spectral tilt, jitter, breathiness) and the typical duration; the speaker sets
pitch, vocal tract length and how expressive they are; every clip then varies at random around
those targets, enough that anger and happiness, and boredom, sadness and neutral, overlap as in
real acted speech.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from serflow.demo.seeds import SPEAKER_STREAM
from serflow.emodb import SPEAKER_GENDER


@dataclass(frozen=True)
class Style:
    """How an emotion is spoken, as targets that every clip then varies around."""

    f0_ratio: float  # pitch level relative to the speaker's neutral pitch
    f0_range_st: float  # size of pitch accents in semitones
    rate: float  # syllables per second
    level_db: float  # loudness relative to neutral
    open_quotient: float  # fraction of the glottal cycle the glottis is open (higher: softer)
    tilt: float  # one-pole low-pass coefficient on the source (higher: steeper spectral tilt)
    jitter: float  # relative period-to-period F0 perturbation
    shimmer: float  # relative period-to-period amplitude perturbation
    breath: float  # aspiration noise relative to the voiced source
    pause: float  # probability of a pause after a syllable
    duration: float  # typical duration relative to neutral
    f1_ratio: float  # first formant shift (wider mouth opening raises F1)
    f2_ratio: float  # second formant shift (spread lips raise F2)


#: Style of each of EmoDB's emotions.
STYLES: dict[str, Style] = {
    "N": Style(1.00, 2.5, 4.3, 0.0, 0.60, 0.30, 0.006, 0.05, 0.04, 0.08, 1.00, 1.00, 1.00),
    "W": Style(1.40, 5.0, 4.7, 7.0, 0.42, 0.05, 0.012, 0.08, 0.02, 0.10, 0.95, 1.10, 1.02),
    "L": Style(0.92, 1.5, 3.3, -3.0, 0.66, 0.42, 0.007, 0.06, 0.06, 0.12, 1.20, 0.97, 0.98),
    "E": Style(0.95, 3.5, 3.4, 1.0, 0.55, 0.25, 0.014, 0.10, 0.06, 0.16, 1.25, 1.02, 0.97),
    "A": Style(1.38, 3.5, 5.3, 2.0, 0.50, 0.20, 0.020, 0.09, 0.07, 0.12, 0.90, 1.05, 1.03),
    "F": Style(1.28, 5.5, 4.9, 5.0, 0.46, 0.12, 0.009, 0.07, 0.03, 0.08, 1.00, 1.07, 1.06),
    "T": Style(0.98, 1.8, 3.0, -5.0, 0.72, 0.50, 0.011, 0.08, 0.10, 0.18, 1.25, 0.95, 0.97),
}

# Spread (standard deviation, in log units unless noted) of each clip around its emotion's style.
_CLIP_SPREAD = {
    "f0": 0.09,
    "f0_range": 0.30,
    "rate": 0.14,
    "level_db": 2.5,  # dB
    "open_quotient": 0.10,
    "tilt": 0.10,  # absolute
    "jitter": 0.35,
    "shimmer": 0.30,
    "breath": 0.35,
    "pause": 0.40,
    "formant": 0.03,
}


@dataclass(frozen=True)
class Speaker:
    """Voice of one synthetic speaker."""

    f0_hz: float  # neutral pitch
    formant_scale: float  # shorter vocal tract -> higher formants
    expressiveness: float  # how strongly the speaker's emotions depart from neutral
    tempo: float  # speaking rate factor
    level_db: float  # recording level offset


@lru_cache(maxsize=256)
def speaker_voice(speaker: str, seed: int) -> Speaker:
    """The voice of a speaker: lower pitch and formants for men, plus individual differences.

    EmoDB's speakers keep their gender; other ids draw one, so any two-digit id has a voice.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, SPEAKER_STREAM, int(speaker)]))
    gender = SPEAKER_GENDER.get(speaker) or ("male" if rng.random() < 0.5 else "female")
    male = gender == "male"
    return Speaker(
        f0_hz=float((112.0 if male else 200.0) * np.exp(rng.normal(0.0, 0.10))),
        formant_scale=float((1.0 if male else 1.16) * np.exp(rng.normal(0.0, 0.035))),
        expressiveness=float(rng.uniform(0.7, 1.3)),
        tempo=float(np.exp(rng.normal(0.0, 0.08))),
        level_db=float(rng.normal(0.0, 2.0)),
    )


def _vary(rng: np.random.Generator, value: float, spread: float) -> float:
    """``value`` times a log-normal factor, so that positive targets stay positive."""
    return float(value * np.exp(rng.normal(0.0, spread)))


def clip_style(emotion: str, voice: Speaker, rng: np.random.Generator) -> Style:
    """The emotion's style as this speaker realises it in this clip.

    The speaker's expressiveness scales the departure from neutral, then every quantity varies
    at random by its :data:`_CLIP_SPREAD`.
    """
    neutral, target = STYLES["N"], STYLES[emotion]
    k = voice.expressiveness

    def blend(name: str) -> float:
        """The style quantity ``name``, ``k`` of the way from neutral to the emotion."""
        a, b = getattr(neutral, name), getattr(target, name)
        return a + k * (b - a)

    s = _CLIP_SPREAD
    return Style(
        f0_ratio=_vary(rng, blend("f0_ratio"), s["f0"]),
        f0_range_st=_vary(rng, blend("f0_range_st"), s["f0_range"]),
        rate=_vary(rng, blend("rate") * voice.tempo, s["rate"]),
        level_db=blend("level_db") + voice.level_db + rng.normal(0.0, s["level_db"]),
        open_quotient=float(
            np.clip(_vary(rng, blend("open_quotient"), s["open_quotient"]), 0.3, 0.9)
        ),
        tilt=float(np.clip(blend("tilt") + rng.normal(0.0, s["tilt"]), 0.0, 0.85)),
        jitter=_vary(rng, blend("jitter"), s["jitter"]),
        shimmer=_vary(rng, blend("shimmer"), s["shimmer"]),
        breath=_vary(rng, blend("breath"), s["breath"]),
        pause=float(np.clip(_vary(rng, blend("pause"), s["pause"]), 0.0, 0.5)),
        duration=1.0,
        f1_ratio=_vary(rng, blend("f1_ratio"), s["formant"]),
        f2_ratio=_vary(rng, blend("f2_ratio"), s["formant"]),
    )
