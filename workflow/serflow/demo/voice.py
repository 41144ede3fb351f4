"""Source-filter synthesis of one speech-like demo clip.

The clips are not speech, but they are built the way a source-filter model builds speech: a glottal
pulse train at a fundamental frequency (F0) contour, shaped by vowel formants, cut into syllables
with short pauses and voiceless consonant noise, over a faint noise floor. Speaker, text and
emotion come from the EmoDB-style utterance id; every random number comes from the corpus seed and
the id (:mod:`serflow.demo.seeds`), so the same arguments give the same samples.
"""

from __future__ import annotations

import numpy as np
from scipy import signal

from serflow.demo.filters import FORMANTS, FRICATIVE_BANDS, NASAL, fricative_sos, resonator_sos
from serflow.demo.seeds import check_seed, clip_seed
from serflow.demo.styles import Speaker, Style, clip_style, speaker_voice
from serflow.demo.tracks import ControlTracks, control_tracks, smooth, text_template
from serflow.emodb import Utterance, parse_utterance


def synthesize_utterance(
    utterance: str, duration_s: float, *, sample_rate: int = 16000, seed: int = 0
) -> np.ndarray:
    """Synthesise one clip for an EmoDB id such as ``03a01Fa`` as int16 samples.

    The speaker, text and emotion come from the id; ``seed`` selects the corpus (speaker voices
    and text templates) and, with the id, the clip's own random variation. With a planned
    duration this gives exactly the samples of the corpus file.
    """
    check_seed(seed)
    check_sample_rate(sample_rate)
    return synthesize(utterance, duration_s, sample_rate=sample_rate, seed=seed)


def check_sample_rate(sample_rate: int) -> None:
    """Refuse sample rates too low for the formants and fricative bands."""
    if sample_rate < 8000:
        raise ValueError(f"sample_rate must be at least 8000 Hz, got {sample_rate}")


def synthesize(utterance: str, duration_s: float, *, sample_rate: int, seed: int) -> np.ndarray:
    """:func:`synthesize_utterance` for callers that have checked ``seed`` and ``sample_rate``.

    The steps draw from one random generator in a fixed order, which the clips' bytes depend on.
    """
    parts, rng, voice, style = clip_voice(utterance, seed)
    n = max(int(round(duration_s * sample_rate)), 1)
    duration_s = n / sample_rate  # from here on only the sample count matters
    tracks = control_tracks(text_template(parts.text, seed), style, duration_s, rng)
    f0_frames = _f0_contour(voice, style, tracks, duration_s, rng)
    sample_t = np.arange(n) / sample_rate
    voicing = tracks.at_samples(tracks.voicing, sample_t)
    flow, shimmer = _glottal_flow(tracks.at_samples(f0_frames, sample_t), style, sample_rate, rng)
    source = _glottal_source(flow, shimmer, voicing, style, rng)
    speech = _vocal_tract(source, tracks, sample_t, voice, style, sample_rate, rng)
    speech = _normalise_to_voiced(speech, voicing)
    speech = _add_fricatives(speech, tracks, sample_t, sample_rate, rng)
    return _to_int16(speech, style, rng)


def clip_voice(utterance: str, seed: int) -> tuple[Utterance, np.random.Generator, Speaker, Style]:
    """The parts of an EmoDB id, the clip's random generator after its style was drawn, the
    speaker's voice and the clip's style: what a clip's synthesis starts from (also what the
    demo's synthetic arousal and valence are computed from, :mod:`serflow.demo.dimensions`)."""
    parts = parse_utterance(utterance)
    rng = np.random.default_rng(clip_seed(utterance, seed).spawn(2)[1])
    voice = speaker_voice(parts.speaker, seed)
    return parts, rng, voice, clip_style(parts.emotion, voice, rng)


def _f0_contour(
    voice: Speaker,
    style: Style,
    tracks: ControlTracks,
    duration_s: float,
    rng: np.random.Generator,
) -> np.ndarray:
    """F0 in Hz at the frame rate: declination, pitch accents, slow drift and a final rise or fall.

    The contour moves in semitones around the speaker's pitch times the style's pitch ratio.
    """
    frame_t = tracks.frame_t
    f0_hz = voice.f0_hz * style.f0_ratio
    declination = -rng.uniform(1.0, 4.0) * frame_t / max(duration_s, 1e-3)
    drift = smooth(rng.normal(0.0, 1.0, len(frame_t))[None], 40)[0]
    drift *= 0.6 / max(drift.std(), 1e-9)
    ending = rng.choice([-1.0, 0.0, 1.0], p=[0.6, 0.25, 0.15]) * style.f0_range_st * 0.5
    ending *= np.clip((frame_t - (duration_s - 0.4)) / 0.4, 0.0, 1.0)
    semitones = declination + style.f0_range_st * tracks.accent + drift + ending
    return f0_hz * 2.0 ** (semitones / 12.0)


def _glottal_flow(
    f0_track: np.ndarray, style: Style, sample_rate: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Glottal airflow (a Rosenberg-like pulse per period) and the shimmer gain of every sample.

    Jitter perturbs each period's F0 and shimmer each period's amplitude; the style's open
    quotient sets how much of a period the pulse takes.
    """
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
    return flow, shimmer


def _glottal_source(
    flow: np.ndarray,
    shimmer: np.ndarray,
    voicing: np.ndarray,
    style: Style,
    rng: np.random.Generator,
) -> np.ndarray:
    """The excitation of the vocal tract: the flow's derivative, tilted, breathy and gated.

    The style's tilt low-passes the source; aspiration noise grows with the open glottis; the
    voicing track (at the sample rate) switches the source on and off by syllable.
    """
    source = np.diff(flow, prepend=0.0) * shimmer
    source = signal.lfilter([1.0 - style.tilt], [1.0, -style.tilt], source)
    source /= max(np.sqrt(np.mean(source**2)), 1e-12)
    source += style.breath * rng.standard_normal(len(flow)) * (0.4 + flow)
    source *= voicing
    return source


def _vocal_tract(
    source: np.ndarray,
    tracks: ControlTracks,
    sample_t: np.ndarray,
    voice: Speaker,
    style: Style,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Filter the source with every vowel's formants and cross-fade by the vowel weights.

    Formants scale with the speaker's vocal tract (and a little per clip); the style shifts F1
    and F2 of the vowels but not of the nasal murmur.
    """
    scale = voice.formant_scale * np.exp(rng.normal(0.0, 0.02))
    shift = np.array([style.f1_ratio, style.f2_ratio, 1.0, 1.0])
    speech = np.zeros(len(source))
    for v, formants in enumerate(FORMANTS):
        weight = tracks.at_samples(tracks.vowels[v], sample_t)
        if weight.max() < 1e-3:
            continue
        sos = resonator_sos(formants * scale * (shift if v != NASAL else 1.0), sample_rate)
        speech += weight * signal.sosfilt(sos, source)
    return speech


def _normalise_to_voiced(speech: np.ndarray, voicing: np.ndarray) -> np.ndarray:
    """Scale ``speech`` to unit RMS over its voiced samples (all samples if none is voiced)."""
    active = voicing > 0.1
    rms = np.sqrt(np.mean(speech[active] ** 2)) if active.any() else np.sqrt(np.mean(speech**2))
    speech /= max(rms, 1e-12)
    return speech


def _add_fricatives(
    speech: np.ndarray,
    tracks: ControlTracks,
    sample_t: np.ndarray,
    sample_rate: int,
    rng: np.random.Generator,
) -> np.ndarray:
    """Add voiceless consonants: band-passed noise some 10-20 dB below the vowels."""
    for band in range(len(FRICATIVE_BANDS)):
        env = tracks.at_samples(tracks.noise[band], sample_t)
        if env.max() < 1e-3:
            continue
        hiss = signal.sosfilt(fricative_sos(band, sample_rate), rng.standard_normal(len(speech)))
        speech += env * hiss / np.std(hiss)
    return speech


def _to_int16(speech: np.ndarray, style: Style, rng: np.random.Generator) -> np.ndarray:
    """Set the clip's loudness, add a faint pinkish noise floor and quantise to int16.

    Vowels sit at -26 dB full scale plus the style's level; peaks above 0.97 are scaled down
    rather than clipped.
    """
    speech *= 10 ** ((-26.0 + style.level_db) / 20.0)
    floor = signal.lfilter([1.0], [1.0, -0.9], rng.standard_normal(len(speech)))
    speech += floor * 10 ** (rng.uniform(-66.0, -58.0) / 20.0) / np.std(floor)
    peak = np.max(np.abs(speech))
    if peak > 0.97:
        speech *= 0.97 / peak
    return np.round(speech * 32767.0).astype(np.int16)
