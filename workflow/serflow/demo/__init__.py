"""A synthetic, deterministic demo corpus that looks like EmoDB on disk.

The clips are speech-like, not speech: source-filter synthesis of syllables whose pitch, rate,
loudness, voice quality and duration follow the emotion, the speaker and random variation per
clip. The variation is large enough that a classifier on openSMILE features learns much, but not
all, of the emotion labels. Two corpora are offered:

* :func:`generate_demo_corpus` — a small balanced corpus for the offline quick start and tests,
  by default 10 speakers x 7 emotions x 4 clips = 280 clips of 1 to 4 s.
* :func:`generate_emodb_sized_corpus` — EmoDB's 535 utterances with EmoDB's speaker x emotion
  counts and duration spread (1.2 to 9 s, median about 2.5 s), optionally ``scale`` times larger,
  for benchmarks.

``plan_demo_corpus`` and ``plan_emodb_sized_corpus`` list the names and durations without writing
audio, and :func:`synthesize_utterance` makes the samples of one clip. Same arguments give
byte-identical files on the same platform.

Modules, one job each: :mod:`~serflow.demo.plan` (names and durations),
:mod:`~serflow.demo.corpus` (writing a corpus folder), :mod:`~serflow.demo.voice` (synthesis of
one clip) with :mod:`~serflow.demo.styles` (emotions and speakers), :mod:`~serflow.demo.tracks`
(syllables in time), :mod:`~serflow.demo.filters` (formants and noise bands) and
:mod:`~serflow.demo.seeds` (random streams).
"""

from serflow.demo.corpus import generate_demo_corpus, generate_emodb_sized_corpus
from serflow.demo.plan import (
    DEMO_CLIPS_PER_CLASS,
    EMODB_COUNTS,
    EMODB_SPEAKERS,
    EMODB_TEXTS,
    EMODB_VERSIONS,
    plan_demo_corpus,
    plan_emodb_sized_corpus,
)
from serflow.demo.voice import synthesize_utterance

__all__ = [
    "DEMO_CLIPS_PER_CLASS",
    "EMODB_COUNTS",
    "EMODB_SPEAKERS",
    "EMODB_TEXTS",
    "EMODB_VERSIONS",
    "generate_demo_corpus",
    "generate_emodb_sized_corpus",
    "plan_demo_corpus",
    "plan_emodb_sized_corpus",
    "synthesize_utterance",
]
