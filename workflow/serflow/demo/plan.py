"""Plans of the demo corpora: which EmoDB-style file names they hold and how long each clip is.

Names follow EmoDB's ``SSTTTEV.wav``. A demo clip's text ``TTT`` and version ``V`` vary so that
names are unique, using EmoDB's texts and the version letters ``a``-``f``. The EmoDB-sized corpus
with ``scale > 1`` needs more names per speaker and emotion: it then also uses version letters
``g``-``z`` and, when those run out, further text codes of EmoDB's shape (``a03``, ``a06``, ...,
``b99``), so that every name still matches ``^\\d\\d[ab]\\d\\d[WLEAFTN][a-z]$``. Durations are
drawn per clip from a truncated log-normal distribution, longer for slow emotions.
"""

from __future__ import annotations

import string

import numpy as np
from scipy import special

from serflow.demo.seeds import check_seed, clip_seed
from serflow.demo.styles import STYLES
from serflow.emodb import EMOTIONS, SPEAKER_GENDER

#: EmoDB's ten speakers, in id order.
EMODB_SPEAKERS: list[str] = sorted(SPEAKER_GENDER)
#: EmoDB's ten sentence codes.
EMODB_TEXTS: list[str] = ["a01", "a02", "a04", "a05", "a07", "b01", "b02", "b03", "b09", "b10"]
#: Version letters EmoDB uses.
EMODB_VERSIONS: str = "abcdef"
#: Default clips per speaker and emotion of the demo corpus: 280 clips, enough for 5-fold
#: stratified cross-validation on 7 training speakers (28 per emotion) while openSMILE ComParE
#: extraction and the classifier grid search stay at a few minutes on 2 cores.
DEMO_CLIPS_PER_CLASS: int = 4

#: Utterances per speaker (rows) and emotion (columns, order W L E A F T N) in EmoDB, 535 in all.
#: Speaker 08 has no disgust clip in EmoDB, and so the EmoDB-sized corpus has none either.
EMODB_COUNTS: dict[str, dict[str, int]] = {
    speaker: dict(zip("WLEAFTN", row, strict=True))
    for speaker, row in {
        "03": (14, 5, 1, 4, 7, 7, 11),
        "08": (12, 10, 0, 6, 11, 9, 10),
        "09": (13, 4, 8, 1, 4, 4, 9),
        "10": (10, 8, 1, 8, 4, 3, 4),
        "11": (11, 8, 2, 10, 8, 7, 9),
        "12": (12, 5, 2, 6, 2, 4, 4),
        "13": (12, 10, 8, 7, 10, 5, 9),
        "14": (16, 8, 8, 12, 8, 10, 7),
        "15": (13, 9, 5, 8, 6, 4, 11),
        "16": (14, 14, 11, 7, 11, 9, 5),
    }.items()
}


def plan_demo_corpus(
    *,
    speakers: list[str] | None = None,
    clips_per_class: int = DEMO_CLIPS_PER_CLASS,
    min_duration_s: float = 1.0,
    max_duration_s: float = 4.0,
    seed: int = 0,
    texts: list[str] | None = None,
) -> list[tuple[str, float]]:
    """The (utterance, duration in s) pairs :func:`generate_demo_corpus` writes, sorted.

    Cheap (no audio), so callers can know the file names up front. The written files hold the
    duration rounded to whole samples.
    """
    speakers = list(EMODB_SPEAKERS if speakers is None else speakers)
    texts = list(EMODB_TEXTS if texts is None else texts)
    check_seed(seed)
    _check_names(speakers, texts)
    speakers = sorted(speakers)  # the names then do not depend on the order given
    if clips_per_class < 1:
        raise ValueError(f"clips_per_class must be at least 1, got {clips_per_class}")
    blocks = _name_blocks(texts, EMODB_VERSIONS)
    slots = sum(len(block) for block in blocks)
    if clips_per_class > slots:
        raise ValueError(
            f"clips_per_class={clips_per_class} needs more unique file names than the "
            f"{len(texts)} texts x {len(EMODB_VERSIONS)} version letters (a-f) give ({slots} per "
            "speaker and emotion); lower clips_per_class or pass more texts"
        )
    if not 0 < min_duration_s <= max_duration_s:
        raise ValueError(
            f"need 0 < min_duration_s <= max_duration_s, got {min_duration_s} and {max_duration_s}"
        )
    counts = {speaker: dict.fromkeys(EMOTIONS, clips_per_class) for speaker in speakers}
    return _plan(
        counts,
        blocks,
        seed=seed,
        median_s=float(np.sqrt(min_duration_s * max_duration_s)),
        sigma=max(np.log(max_duration_s / min_duration_s) / 4.0, 1e-6),
        bounds_s=(min_duration_s, max_duration_s),
    )


def plan_emodb_sized_corpus(*, seed: int = 0, scale: int = 1) -> list[tuple[str, float]]:
    """The (utterance, duration in s) pairs :func:`generate_emodb_sized_corpus` writes, sorted."""
    check_seed(seed)
    if scale < 1:
        raise ValueError(f"scale must be at least 1, got {scale}")
    blocks = _name_blocks(EMODB_TEXTS + _extra_texts(), string.ascii_lowercase, extended=True)
    slots = sum(len(block) for block in blocks)
    largest = max(max(row.values()) for row in EMODB_COUNTS.values()) * scale
    if largest > slots:
        raise ValueError(
            f"scale={scale} needs {largest} unique names per speaker and emotion but EmoDB-shaped "
            f"names give at most {slots}; use a smaller scale"
        )
    counts = {
        speaker: {emotion: n * scale for emotion, n in row.items()}
        for speaker, row in EMODB_COUNTS.items()
    }
    return _plan(counts, blocks, seed=seed, median_s=2.45, sigma=0.45, bounds_s=(1.2, 9.0))


def _check_names(speakers: list[str], texts: list[str]) -> None:
    """Refuse speaker ids and text codes that would not give unique EmoDB-shaped file names."""
    if not speakers:
        raise ValueError("speakers is empty; give at least one two-digit speaker id")
    for speaker in speakers:
        if not isinstance(speaker, str) or len(speaker) != 2 or not speaker.isdigit():
            raise ValueError(f"speaker {speaker!r} is not a two-digit id like '03'")
    if len(set(speakers)) != len(speakers):
        raise ValueError(f"speakers has duplicates: {speakers}")
    if not texts:
        raise ValueError("texts is empty; give at least one text code like 'a01'")
    for text in texts:
        if (
            not isinstance(text, str)
            or len(text) != 3
            or text[0] not in string.ascii_lowercase
            or not text[1:].isdigit()
        ):
            raise ValueError(f"text {text!r} is not a code like 'a01' (lowercase letter, 2 digits)")
    if len(set(texts)) != len(texts):
        raise ValueError(f"texts has duplicates: {texts}")


def _extra_texts() -> list[str]:
    """Text codes of EmoDB's shape that EmoDB does not use, for corpora larger than EmoDB."""
    codes = [f"{letter}{number:02d}" for letter in "ab" for number in range(1, 100)]
    return [code for code in codes if code not in EMODB_TEXTS]


def _name_blocks(
    texts: list[str], versions: str, *, extended: bool = False
) -> list[list[tuple[str, str]]]:
    """(text, version) names in the order clips take them, in blocks of one version letter.

    Every text is used with version ``a`` before any gets ``b``, and so on. With ``extended`` the
    first ten texts (EmoDB's) use every version letter before the extra texts start.
    """
    groups = [texts[: len(EMODB_TEXTS)], texts[len(EMODB_TEXTS) :]] if extended else [texts]
    return [[(text, version) for text in group] for group in groups for version in versions]


def _plan(
    counts: dict[str, dict[str, int]],
    blocks: list[list[tuple[str, str]]],
    *,
    seed: int,
    median_s: float,
    sigma: float,
    bounds_s: tuple[float, float],
) -> list[tuple[str, float]]:
    """Name every clip and draw its duration.

    Within a speaker and emotion, the k-th clip takes the k-th name of ``blocks``; inside a block
    the texts start at an offset that rotates with speaker and emotion, so all texts get used.
    """
    clips = []
    for s, speaker in enumerate(counts):
        for e, emotion in enumerate(EMOTIONS):
            offset = s * len(EMOTIONS) + e
            for k in range(counts[speaker].get(emotion, 0)):
                text, version = _nth_name(k, offset, blocks)
                utterance = f"{speaker}{text}{emotion}{version}"
                duration_seed = clip_seed(utterance, seed).spawn(2)[0]
                duration = _truncated_lognormal(
                    np.random.default_rng(duration_seed),
                    median_s * STYLES[emotion].duration,
                    sigma,
                    bounds_s,
                )
                clips.append((utterance, duration))
    return sorted(clips)


def _nth_name(k: int, offset: int, blocks: list[list[tuple[str, str]]]) -> tuple[str, str]:
    """The ``k``-th (text, version) name of ``blocks``, rotated by ``offset`` inside its block."""
    for block in blocks:
        if k < len(block):
            return block[(k + offset) % len(block)]
        k -= len(block)
    raise IndexError("more clips than names; checked by the callers")


def _truncated_lognormal(
    rng: np.random.Generator, median: float, sigma: float, bounds: tuple[float, float]
) -> float:
    """One draw of a log-normal distribution truncated to ``bounds`` (exact inverse-CDF draw)."""
    low, high = (special.ndtr((np.log(b) - np.log(median)) / sigma) for b in bounds)
    u = low + rng.random() * (high - low)
    value = float(np.exp(np.log(median) + sigma * special.ndtri(u)))
    return float(np.clip(value, *bounds))
