"""EmoDB's naming scheme: what a file name says about speaker, text, emotion and version."""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Emotion letter (German initial) -> English emotion name, in EmoDB's documentation order.
EMOTIONS: dict[str, str] = {
    "W": "anger",
    "L": "boredom",
    "E": "disgust",
    "A": "fear",
    "F": "happiness",
    "T": "sadness",
    "N": "neutral",
}

#: Speaker id -> gender ("male" / "female") for EmoDB's ten actors.
SPEAKER_GENDER: dict[str, str] = {
    "03": "male",
    "10": "male",
    "11": "male",
    "12": "male",
    "15": "male",
    "08": "female",
    "09": "female",
    "13": "female",
    "14": "female",
    "16": "female",
}

#: Number of utterances in the complete corpus.
EXPECTED_UTTERANCES = 535

_UTTERANCE_PATTERN = re.compile(
    r"^(?P<speaker>\d\d)(?P<text>[a-z]\d\d)(?P<emotion>[WLEAFTN])(?P<version>[a-z])$"
)


@dataclass(frozen=True)
class Utterance:
    """The parts of one EmoDB utterance id such as ``03a01Fa``."""

    utterance: str
    speaker: str
    text: str
    emotion: str
    version: str

    @property
    def emotion_name(self) -> str:
        """English name of the emotion letter."""
        return EMOTIONS[self.emotion]


def parse_utterance(name: str) -> Utterance:
    """Parse an EmoDB file name or id (``03a01Fa`` or ``03a01Fa.wav``).

    Raises ``ValueError`` naming the file when it does not follow EmoDB's ``SSTTTEV`` pattern.
    """
    stem = name.rsplit("/", 1)[-1]
    if stem.lower().endswith(".wav"):
        stem = stem[:-4]
    match = _UTTERANCE_PATTERN.match(stem)
    if match is None:
        raise ValueError(
            f"{name!r} does not follow EmoDB's file naming SSTTTEV.wav (speaker SS, text TTT, "
            f"emotion letter E in {''.join(EMOTIONS)}, version letter V), e.g. 03a01Fa.wav; "
            "rename or remove the file"
        )
    return Utterance(utterance=stem, **match.groupdict())


def speaker_gender(speaker: str) -> str:
    """Gender of an EmoDB speaker; ``unknown`` for ids outside EmoDB's ten actors."""
    return SPEAKER_GENDER.get(speaker, "unknown")
