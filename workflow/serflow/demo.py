"""A synthetic, deterministic demo corpus that looks like EmoDB on disk.

The clips are not speech, but they are built the way a source-filter model builds speech: a glottal
pulse train at a fundamental frequency (F0) contour, shaped by vowel formants, cut into syllables
with short pauses and voiceless consonant noise, over a faint noise floor. The emotion sets the
pitch level and range, the syllable rate, the loudness, the voice quality (open quotient, spectral
tilt, jitter, breathiness) and the typical duration; the speaker sets pitch and vocal tract length;
every clip then varies at random around those targets. The variation is large enough that a
classifier on openSMILE features learns much, but not all, of the emotion labels (anger and
happiness, and boredom, sadness and neutral, overlap as in real acted speech).

Two corpora are offered:

* :func:`generate_demo_corpus` — a small balanced corpus for the offline quick start and tests,
  by default 10 speakers x 7 emotions x 4 clips = 280 clips of 1 to 4 s.
* :func:`generate_emodb_sized_corpus` — EmoDB's 535 utterances with EmoDB's speaker x emotion
  counts and duration spread (1.2 to 9 s, median about 2.5 s), optionally ``scale`` times larger,
  for benchmarks.

``plan_demo_corpus`` and ``plan_emodb_sized_corpus`` list the names and durations without writing
audio, and :func:`synthesize_utterance` makes the samples of one clip.

Same arguments give byte-identical files on the same platform: every clip draws its random numbers
from a generator seeded by ``seed`` and the integer parts of its utterance id.

Names follow EmoDB's ``SSTTTEV.wav``. A demo clip's text ``TTT`` and version ``V`` vary so that
names are unique, using EmoDB's texts and the version letters ``a``-``f``. The EmoDB-sized corpus
with ``scale > 1`` needs more names per speaker and emotion: it then also uses version letters
``g``-``z`` and, when those run out, further text codes of EmoDB's shape (``a03``, ``a06``, ...,
``b99``), so that every name still matches ``^\\d\\d[ab]\\d\\d[WLEAFTN][a-z]$``.
"""

from __future__ import annotations

import os
import shutil
import string
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import soundfile as sf
from scipy import signal, special

from serflow.emodb import EMOTIONS, SPEAKER_GENDER, parse_utterance
from serflow.tables import current_umask

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

# Streams that keep the random numbers of speakers, texts and clips independent of each other.
_SPEAKER_STREAM, _TEXT_STREAM, _CLIP_STREAM = 1, 2, 3
_FRAME_S = 0.005  # hop of the control tracks (F0, envelopes), interpolated to the sample rate

# Vowel-like formant targets (Hz, adult male) for a, e, i, o, u and a nasal murmur.
_FORMANTS = np.array(
    [
        [730.0, 1090.0, 2440.0, 3400.0],
        [530.0, 1840.0, 2480.0, 3450.0],
        [300.0, 2250.0, 2950.0, 3550.0],
        [570.0, 880.0, 2410.0, 3300.0],
        [320.0, 870.0, 2240.0, 3300.0],
        [260.0, 1050.0, 2200.0, 3250.0],
    ]
)
_BANDWIDTHS = np.array([70.0, 100.0, 140.0, 220.0])
_NASAL = 5
# Pass bands (Hz) of the voiceless consonant noise: s-like, sh-like, f/ch-like.
_FRICATIVE_BANDS = [(3800.0, 7200.0), (2000.0, 4800.0), (900.0, 6000.0)]
# Onset kinds of a syllable in a text template.
_ONSET_NONE, _ONSET_FRICATIVE, _ONSET_PLOSIVE, _ONSET_NASAL = 0, 1, 2, 3


@dataclass(frozen=True)
class _Style:
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


_STYLES: dict[str, _Style] = {
    "N": _Style(1.00, 2.5, 4.3, 0.0, 0.60, 0.30, 0.006, 0.05, 0.04, 0.08, 1.00, 1.00, 1.00),
    "W": _Style(1.40, 5.0, 4.7, 7.0, 0.42, 0.05, 0.012, 0.08, 0.02, 0.10, 0.95, 1.10, 1.02),
    "L": _Style(0.92, 1.5, 3.3, -3.0, 0.66, 0.42, 0.007, 0.06, 0.06, 0.12, 1.20, 0.97, 0.98),
    "E": _Style(0.95, 3.5, 3.4, 1.0, 0.55, 0.25, 0.014, 0.10, 0.06, 0.16, 1.25, 1.02, 0.97),
    "A": _Style(1.38, 3.5, 5.3, 2.0, 0.50, 0.20, 0.020, 0.09, 0.07, 0.12, 0.90, 1.05, 1.03),
    "F": _Style(1.28, 5.5, 4.9, 5.0, 0.46, 0.12, 0.009, 0.07, 0.03, 0.08, 1.00, 1.07, 1.06),
    "T": _Style(0.98, 1.8, 3.0, -5.0, 0.72, 0.50, 0.011, 0.08, 0.10, 0.18, 1.25, 0.95, 0.97),
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
class _Speaker:
    """Voice of one synthetic speaker."""

    f0_hz: float  # neutral pitch
    formant_scale: float  # shorter vocal tract -> higher formants
    expressiveness: float  # how strongly the speaker's emotions depart from neutral
    tempo: float  # speaking rate factor
    level_db: float  # recording level offset


# --------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------


def generate_demo_corpus(
    out_dir: Path,
    *,
    speakers: list[str] | None = None,
    clips_per_class: int = DEMO_CLIPS_PER_CLASS,
    min_duration_s: float = 1.0,
    max_duration_s: float = 4.0,
    sample_rate: int = 16000,
    seed: int = 0,
    texts: list[str] | None = None,
) -> list[Path]:
    """Write a balanced synthetic corpus with EmoDB's file naming into ``out_dir``.

    Every speaker gets ``clips_per_class`` clips of each of EmoDB's seven emotions, named
    ``{speaker}{text}{emotion}{version}.wav`` (16-bit PCM, mono). The clips' texts cycle through
    ``texts`` and then the version letters ``a``-``f``, so at most ``len(texts) * 6`` clips per
    speaker and emotion are possible. The corpus is built in a temporary folder next to
    ``out_dir`` and renamed into place when complete.

    Parameters
    ----------
    out_dir
        Folder to create; an existing folder is replaced only if it holds nothing but EmoDB-named
        WAV files (a previous corpus).
    speakers
        Two-digit speaker ids; EmoDB's ten by default. Ids outside EmoDB get a random gender.
    clips_per_class
        Clips per speaker and emotion; 4 gives 280 clips with EmoDB's ten speakers.
    min_duration_s, max_duration_s
        Range of clip durations in seconds; durations follow a log-normal distribution
        truncated to this range, longer for slow emotions (boredom, disgust, sadness).
    sample_rate
        Sampling rate in Hz (at least 8000).
    seed
        Non-negative seed; the same arguments give byte-identical files.
    texts
        Text codes of EmoDB's shape (letter and two digits); EmoDB's ten by default.

    Returns
    -------
    list of Path
        The written files, sorted.
    """
    _check_sample_rate(sample_rate)
    plan = plan_demo_corpus(
        speakers=speakers,
        clips_per_class=clips_per_class,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        seed=seed,
        texts=texts,
    )
    return _write_corpus(Path(out_dir), plan, sample_rate=sample_rate, seed=seed)


def generate_emodb_sized_corpus(
    out_dir: Path, *, seed: int = 0, scale: int = 1, sample_rate: int = 16000
) -> list[Path]:
    """Write a synthetic corpus shaped like EmoDB, for benchmarks.

    It has EmoDB's speaker x emotion counts (:data:`EMODB_COUNTS`; 535 clips, per emotion
    W 127, L 81, E 46, A 69, F 71, T 62, N 79) times ``scale``, and durations from 1.2 to 9 s
    following a truncated log-normal distribution with a median of about 2.5 s and about 1490 s
    in all, as EmoDB's. For ``scale > 1`` the names also use version letters ``g``-``z`` and then
    extra text codes (``a03`` ... ``b99``) so that they stay unique and EmoDB-shaped.

    Parameters
    ----------
    out_dir
        Folder to create (see :func:`generate_demo_corpus`).
    seed
        Non-negative seed; the same arguments give byte-identical files.
    scale
        Multiplier of every speaker x emotion count, e.g. 10 for a 5350-clip scaling benchmark.
    sample_rate
        Sampling rate in Hz (at least 8000).

    Returns
    -------
    list of Path
        The written files, sorted.
    """
    _check_sample_rate(sample_rate)
    plan = plan_emodb_sized_corpus(seed=seed, scale=scale)
    return _write_corpus(Path(out_dir), plan, sample_rate=sample_rate, seed=seed)


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
    _check_seed(seed)
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
    _check_seed(seed)
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


def synthesize_utterance(
    utterance: str, duration_s: float, *, sample_rate: int = 16000, seed: int = 0
) -> np.ndarray:
    """Synthesise one clip for an EmoDB id such as ``03a01Fa`` as int16 samples.

    The speaker, text and emotion come from the id; ``seed`` selects the corpus (speaker voices
    and text templates) and, with the id, the clip's own random variation. With a planned
    duration this gives exactly the samples of the corpus file.
    """
    _check_seed(seed)
    _check_sample_rate(sample_rate)
    return _synthesize(utterance, duration_s, sample_rate=sample_rate, seed=seed)


# --------------------------------------------------------------------------------------------
# Corpus layout: names, durations, writing
# --------------------------------------------------------------------------------------------


def _check_seed(seed: int) -> None:
    if not isinstance(seed, int | np.integer) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")


def _check_sample_rate(sample_rate: int) -> None:
    if sample_rate < 8000:
        raise ValueError(f"sample_rate must be at least 8000 Hz, got {sample_rate}")


def _check_names(speakers: list[str], texts: list[str]) -> None:
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


def _code(text: str) -> int:
    """A stable integer for a text code such as ``a01`` (for seeding; no Python hash())."""
    return (ord(text[0]) - ord("a")) * 100 + int(text[1:])


def _clip_seed(utterance: str, seed: int) -> np.random.SeedSequence:
    parts = parse_utterance(utterance)
    return np.random.SeedSequence(
        [
            int(seed),
            _CLIP_STREAM,
            int(parts.speaker),
            _code(parts.text),
            "WLEAFTN".index(parts.emotion),
            ord(parts.version) - ord("a"),
        ]
    )


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
                duration_seed = _clip_seed(utterance, seed).spawn(2)[0]
                duration = _truncated_lognormal(
                    np.random.default_rng(duration_seed),
                    median_s * _STYLES[emotion].duration,
                    sigma,
                    bounds_s,
                )
                clips.append((utterance, duration))
    return sorted(clips)


def _nth_name(k: int, offset: int, blocks: list[list[tuple[str, str]]]) -> tuple[str, str]:
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


def _write_corpus(
    out_dir: Path, plan: list[tuple[str, float]], *, sample_rate: int, seed: int
) -> list[Path]:
    """Synthesise every clip into a temporary folder, then move the folder to ``out_dir``."""
    out_dir = out_dir.absolute()
    if out_dir.exists():
        _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    # mkdtemp makes it 0700 whatever the umask; the corpus gets the mode mkdir would give it
    temp.chmod(0o777 & ~current_umask())
    try:
        for utterance, duration_s in plan:
            samples = _synthesize(utterance, duration_s, sample_rate=sample_rate, seed=seed)
            sf.write(temp / f"{utterance}.wav", samples, sample_rate, subtype="PCM_16")
        if out_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent)
            )
            os.replace(out_dir, old / out_dir.name)
            os.replace(temp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return sorted(out_dir / f"{utterance}.wav" for utterance, _ in plan)


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that holds anything but a previous EmoDB-named corpus."""
    if not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder; remove it or choose another")
    for entry in out_dir.iterdir():
        if entry.name == ".snakemake_timestamp":  # left by Snakemake in directory() outputs
            continue
        try:
            ok = entry.is_file() and entry.suffix == ".wav" and parse_utterance(entry.name)
        except ValueError:
            ok = False
        if not ok:
            raise FileExistsError(
                f"{out_dir} holds {entry.name}, which is not an EmoDB-named WAV file; the demo "
                "corpus replaces its output folder, so choose an empty or new folder"
            )


# --------------------------------------------------------------------------------------------
# Synthesis
# --------------------------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _speaker(speaker: str, seed: int) -> _Speaker:
    """The voice of a speaker: lower pitch and formants for men, plus individual differences."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, _SPEAKER_STREAM, int(speaker)]))
    gender = SPEAKER_GENDER.get(speaker) or ("male" if rng.random() < 0.5 else "female")
    male = gender == "male"
    return _Speaker(
        f0_hz=float((112.0 if male else 200.0) * np.exp(rng.normal(0.0, 0.10))),
        formant_scale=float((1.0 if male else 1.16) * np.exp(rng.normal(0.0, 0.035))),
        expressiveness=float(rng.uniform(0.7, 1.3)),
        tempo=float(np.exp(rng.normal(0.0, 0.08))),
        level_db=float(rng.normal(0.0, 2.0)),
    )


@lru_cache(maxsize=1024)
def _text_template(text: str, seed: int) -> np.ndarray:
    """Syllables of a text as rows (onset kind, fricative band, vowel, coda is fricative)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, _TEXT_STREAM, _code(text)]))
    n = 24
    onset = rng.choice(4, size=n, p=[0.2, 0.3, 0.3, 0.2])
    band = rng.integers(0, len(_FRICATIVE_BANDS), size=n)
    vowel = rng.integers(0, 5, size=n)
    coda = rng.random(n) < 0.2
    return np.stack([onset, band, vowel, coda], axis=1)


def _vary(rng: np.random.Generator, value: float, spread: float) -> float:
    return float(value * np.exp(rng.normal(0.0, spread)))


def _clip_style(emotion: str, voice: _Speaker, rng: np.random.Generator) -> _Style:
    """The emotion's style as this speaker realises it in this clip."""
    neutral, target = _STYLES["N"], _STYLES[emotion]
    k = voice.expressiveness

    def blend(name: str) -> float:
        a, b = getattr(neutral, name), getattr(target, name)
        return a + k * (b - a)

    s = _CLIP_SPREAD
    return _Style(
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


def _resonator_sos(formants: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cascade of two-pole resonators with unit gain at 0 Hz, one section per formant."""
    nyquist = sample_rate / 2
    freqs = np.minimum(formants, 0.92 * nyquist)
    r = np.exp(-np.pi * _BANDWIDTHS[: len(freqs)] / sample_rate)
    a1 = -2.0 * r * np.cos(2.0 * np.pi * freqs / sample_rate)
    a2 = r**2
    sos = np.zeros((len(freqs), 6))
    sos[:, 0] = 1.0 + a1 + a2
    sos[:, 3], sos[:, 4], sos[:, 5] = 1.0, a1, a2
    return sos


@lru_cache(maxsize=64)
def _fricative_sos(band: int, sample_rate: int) -> np.ndarray:
    low, high = _FRICATIVE_BANDS[band]
    high = min(high, 0.45 * sample_rate)  # keep the band below Nyquist at low sample rates
    low = min(low, 0.5 * high)
    return signal.butter(2, [low, high], btype="bandpass", fs=sample_rate, output="sos")


_ONSET_SHARE = {_ONSET_NONE: 0.0, _ONSET_FRICATIVE: 0.30, _ONSET_PLOSIVE: 0.22, _ONSET_NASAL: 0.25}


def _segments(
    template: np.ndarray, style: _Style, duration_s: float, rng: np.random.Generator
) -> Iterator[tuple[float, float, float, np.ndarray]]:
    """Lay out syllables in time: (onset start, vowel start, syllable end, template row)."""
    t = rng.uniform(0.04, 0.15)
    end = duration_s - rng.uniform(0.05, 0.15)
    i = 0
    while True:
        row = template[i % len(template)]
        length = np.exp(rng.normal(0.0, 0.25)) / style.rate
        if t + length > end:
            if i > 0:
                return
            length = max(end - t, 0.1)  # always one syllable, squeezed into a short clip
        yield t, t + _ONSET_SHARE[int(row[0])] * length, t + length, row
        t += length
        if rng.random() < style.pause:
            t += rng.uniform(0.08, 0.35)
        i += 1


def _smooth(track: np.ndarray, frames: int) -> np.ndarray:
    """Smooth control tracks along their last axis with a normalised Hann window."""
    window = np.hanning(frames + 2)[1:-1]
    window /= window.sum()
    pad = frames // 2
    padded = np.pad(track, [(0, 0)] * (track.ndim - 1) + [(pad, pad)], mode="edge")
    return signal.fftconvolve(padded, window[(None,) * (track.ndim - 1)], mode="same", axes=-1)[
        ..., pad : pad + track.shape[-1]
    ]


def _synthesize(utterance: str, duration_s: float, *, sample_rate: int, seed: int) -> np.ndarray:
    """Source-filter synthesis of one clip; returns int16 samples."""
    parts = parse_utterance(utterance)
    rng = np.random.default_rng(_clip_seed(utterance, seed).spawn(2)[1])
    voice = _speaker(parts.speaker, seed)
    style = _clip_style(parts.emotion, voice, rng)
    template = _text_template(parts.text, seed)

    n = max(int(round(duration_s * sample_rate)), 1)
    duration_s = n / sample_rate  # from here on only the sample count matters
    n_frames = int(np.ceil(duration_s / _FRAME_S)) + 2
    frame_t = np.arange(n_frames) * _FRAME_S

    # Control tracks at the frame rate: voicing amplitude, vowel weights, consonant noise, accents.
    voicing = np.zeros(n_frames)
    vowels = np.zeros((len(_FORMANTS), n_frames))
    noise_env = np.zeros((len(_FRICATIVE_BANDS), n_frames))
    accent = np.zeros(n_frames)
    stress_db = 1.5 * np.sqrt(style.f0_range_st)  # wide pitch range, strong emphasis
    for t0, t1, t2, row in _segments(template, style, duration_s, rng):
        f0, f1, f2 = (int(round(t / _FRAME_S)) for t in (t0, t1, t2))
        f2 = max(f2, f1 + 2)
        stressed = rng.random() < 0.35
        gain = 10 ** ((rng.normal(0.0, 2.0) + (stress_db if stressed else 0.0)) / 20)
        kind, band, vowel, coda = (int(v) for v in row)
        if kind == _ONSET_FRICATIVE:
            noise_env[band, f0:f1] = 0.18 * gain
        elif kind == _ONSET_PLOSIVE:  # closure silence, then a short burst
            burst = max(f1 - 3, f0)
            noise_env[band, burst:f1] = 0.3 * gain
        elif kind == _ONSET_NASAL:
            voicing[f0:f1] = 0.35 * gain
            vowels[_NASAL, f0:f1] = 1.0
        coda_start = f2 - (f2 - f1) // 4 if coda else f2
        shape = np.sin(np.pi * (np.arange(coda_start - f1) + 0.5) / max(f2 - f1, 1)) ** 0.5
        voicing[f1:coda_start] = gain * (0.5 + 0.5 * shape)
        vowels[vowel, f0 if kind == _ONSET_NONE else f1 : f2] = 1.0
        if coda:
            noise_env[(band + 1) % len(_FRICATIVE_BANDS), coda_start:f2] = 0.12 * gain
        if stressed:
            centre = (f1 + f2) // 2
            width = max((f2 - f1) / 3.0, 2.0)
            accent += np.exp(-0.5 * ((np.arange(n_frames) - centre) / width) ** 2)
    vowels[:, vowels.sum(axis=0) == 0] = 1.0 / len(_FORMANTS)  # silence: any vowel will do
    voicing = _smooth(voicing[None], 5)[0]
    vowels = _smooth(vowels, 9)
    vowels /= vowels.sum(axis=0, keepdims=True)
    noise_env = _smooth(noise_env, 3)

    # F0 contour in semitones around the clip's pitch: declination, accents, slow drift.
    f0_hz = voice.f0_hz * style.f0_ratio
    declination = -rng.uniform(1.0, 4.0) * frame_t / max(duration_s, 1e-3)
    drift = _smooth(rng.normal(0.0, 1.0, n_frames)[None], 40)[0]
    drift *= 0.6 / max(drift.std(), 1e-9)
    ending = rng.choice([-1.0, 0.0, 1.0], p=[0.6, 0.25, 0.15]) * style.f0_range_st * 0.5
    ending *= np.clip((frame_t - (duration_s - 0.4)) / 0.4, 0.0, 1.0)
    semitones = declination + style.f0_range_st * accent + drift + ending
    f0_frames = f0_hz * 2.0 ** (semitones / 12.0)

    sample_t = np.arange(n) / sample_rate
    f0_track = np.interp(sample_t, frame_t, f0_frames)

    # Glottal source: Rosenberg-like flow pulse per period, its derivative, jitter and shimmer.
    cycles = np.floor(np.cumsum(f0_track) / sample_rate).astype(np.int64)
    jitter = 1.0 + rng.normal(0.0, style.jitter, cycles[-1] + 2)
    phase = np.cumsum(f0_track * jitter[cycles]) / sample_rate
    cycles = np.floor(phase).astype(np.int64)
    shimmer = np.exp(rng.normal(0.0, style.shimmer, cycles[-1] + 1))[cycles]
    frac = phase - cycles
    opening, closing = 0.65 * style.open_quotient, 0.35 * style.open_quotient
    flow = np.where(
        frac < opening,
        0.5 * (1.0 - np.cos(np.pi * frac / opening)),
        np.where(frac < opening + closing, np.cos(0.5 * np.pi * (frac - opening) / closing), 0.0),
    )
    source = np.diff(flow, prepend=0.0) * shimmer
    source = signal.lfilter([1.0 - style.tilt], [1.0, -style.tilt], source)
    source /= max(np.sqrt(np.mean(source**2)), 1e-12)
    source += style.breath * rng.standard_normal(n) * (0.4 + flow)
    source *= np.interp(sample_t, frame_t, voicing)

    # Vocal tract: filter with every vowel's formants and cross-fade between them.
    scale = voice.formant_scale * np.exp(rng.normal(0.0, 0.02))
    shift = np.array([style.f1_ratio, style.f2_ratio, 1.0, 1.0])
    speech = np.zeros(n)
    for v, formants in enumerate(_FORMANTS):
        weight = np.interp(sample_t, frame_t, vowels[v])
        if weight.max() < 1e-3:
            continue
        sos = _resonator_sos(formants * scale * (shift if v != _NASAL else 1.0), sample_rate)
        speech += weight * signal.sosfilt(sos, source)
    # Voiceless consonants: band-passed noise some 10-20 dB below the vowels.
    active = np.interp(sample_t, frame_t, voicing) > 0.1
    rms = np.sqrt(np.mean(speech[active] ** 2)) if active.any() else np.sqrt(np.mean(speech**2))
    speech /= max(rms, 1e-12)
    for band in range(len(_FRICATIVE_BANDS)):
        env = np.interp(sample_t, frame_t, noise_env[band])
        if env.max() < 1e-3:
            continue
        hiss = signal.sosfilt(_fricative_sos(band, sample_rate), rng.standard_normal(n))
        speech += env * hiss / np.std(hiss)

    # Level: vowels at the clip's loudness, then a faint pinkish noise floor.
    speech *= 10 ** ((-26.0 + style.level_db) / 20.0)
    floor = signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(n))
    speech += floor * 10 ** (rng.uniform(-66.0, -58.0) / 20.0) / np.std(floor)
    peak = np.max(np.abs(speech))
    if peak > 0.97:
        speech *= 0.97 / peak
    return np.round(speech * 32767.0).astype(np.int16)
