"""What a synthetic clip says when: syllables laid out in time as frame-rate control tracks.

A text is a fixed random template of syllables (onset consonant, vowel, optional fricative coda).
A clip speaks the template at its style's rate, with random pauses and stresses, and the result is
a set of smooth tracks at a hop of :data:`FRAME_S` (voicing, vowel weights, consonant noise, pitch
accents) that the synthesis then interpolates to the sample rate.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import signal

from serflow.demo.filters import FORMANTS, FRICATIVE_BANDS, NASAL
from serflow.demo.seeds import TEXT_STREAM, text_code
from serflow.demo.styles import Style

#: Hop of the control tracks in seconds.
FRAME_S = 0.005

# Onset kinds of a syllable in a text template, and the share of the syllable each takes.
_ONSET_NONE, _ONSET_FRICATIVE, _ONSET_PLOSIVE, _ONSET_NASAL = 0, 1, 2, 3
_ONSET_SHARE = {_ONSET_NONE: 0.0, _ONSET_FRICATIVE: 0.30, _ONSET_PLOSIVE: 0.22, _ONSET_NASAL: 0.25}


@dataclass(frozen=True, eq=False)
class ControlTracks:
    """Frame-rate controls of one clip, one column per frame of :data:`FRAME_S`."""

    frame_t: np.ndarray  # frame times in seconds
    voicing: np.ndarray  # amplitude of the voiced source
    vowels: np.ndarray  # weight of each row of FORMANTS (rows), summing to 1 in every frame
    noise: np.ndarray  # amplitude of the voiceless noise in each FRICATIVE_BANDS band (rows)
    accent: np.ndarray  # pitch accent bumps, about 1 at a stressed vowel's centre

    def at_samples(self, track: np.ndarray, sample_t: np.ndarray) -> np.ndarray:
        """One frame-rate ``track`` interpolated to the times ``sample_t`` of the samples."""
        return np.interp(sample_t, self.frame_t, track)


@lru_cache(maxsize=1024)
def text_template(text: str, seed: int) -> np.ndarray:
    """Syllables of a text as rows (onset kind, fricative band, vowel, coda is fricative).

    The same text gets the same syllables in every clip of a corpus, as a read sentence would.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, TEXT_STREAM, text_code(text)]))
    n = 24
    onset = rng.choice(4, size=n, p=[0.2, 0.3, 0.3, 0.2])
    band = rng.integers(0, len(FRICATIVE_BANDS), size=n)
    vowel = rng.integers(0, 5, size=n)
    coda = rng.random(n) < 0.2
    return np.stack([onset, band, vowel, coda], axis=1)


def segments(
    template: np.ndarray, style: Style, duration_s: float, rng: np.random.Generator
) -> Iterator[tuple[float, float, float, np.ndarray]]:
    """Lay out syllables in time: (onset start, vowel start, syllable end, template row).

    Syllables follow each other at the style's rate, with an optional pause after each, until the
    clip is full; a clip too short for one syllable still gets one, squeezed in. The caller draws
    from the same ``rng`` between syllables, so the draws interleave.
    """
    t = rng.uniform(0.04, 0.15)
    end = duration_s - rng.uniform(0.05, 0.15)
    i = 0
    while True:
        row = template[i % len(template)]
        length = np.exp(rng.normal(0.0, 0.25)) / style.rate
        if t + length > end:
            if i > 0:
                return
            length = max(end - t, 0.1)
        yield t, t + _ONSET_SHARE[int(row[0])] * length, t + length, row
        t += length
        if rng.random() < style.pause:
            t += rng.uniform(0.08, 0.35)
        i += 1


def smooth(track: np.ndarray, frames: int) -> np.ndarray:
    """Smooth control tracks along their last axis with a normalised Hann window."""
    window = np.hanning(frames + 2)[1:-1]
    window /= window.sum()
    pad = frames // 2
    padded = np.pad(track, [(0, 0)] * (track.ndim - 1) + [(pad, pad)], mode="edge")
    return signal.fftconvolve(padded, window[(None,) * (track.ndim - 1)], mode="same", axes=-1)[
        ..., pad : pad + track.shape[-1]
    ]


def control_tracks(
    template: np.ndarray, style: Style, duration_s: float, rng: np.random.Generator
) -> ControlTracks:
    """Speak ``template`` for ``duration_s`` in ``style``: the clip's smoothed control tracks.

    Each syllable gets a random gain and, at random, a stress (louder, with a pitch accent whose
    size grows with the style's pitch range). Silent frames get equal vowel weights.
    """
    n_frames = int(np.ceil(duration_s / FRAME_S)) + 2
    voicing = np.zeros(n_frames)
    vowels = np.zeros((len(FORMANTS), n_frames))
    noise = np.zeros((len(FRICATIVE_BANDS), n_frames))
    accent = np.zeros(n_frames)
    stress_db = 1.5 * np.sqrt(style.f0_range_st)  # wide pitch range, strong emphasis
    for onset_t, vowel_t, end_t, row in segments(template, style, duration_s, rng):
        onset, vowel_start, end = (int(round(t / FRAME_S)) for t in (onset_t, vowel_t, end_t))
        end = max(end, vowel_start + 2)
        stressed = rng.random() < 0.35
        gain = 10 ** ((rng.normal(0.0, 2.0) + (stress_db if stressed else 0.0)) / 20)
        _mark_syllable(row, (onset, vowel_start, end), gain, voicing, vowels, noise)
        if stressed:
            accent += _accent_bump(vowel_start, end, n_frames)
    vowels[:, vowels.sum(axis=0) == 0] = 1.0 / len(FORMANTS)  # silence: any vowel will do
    vowels = smooth(vowels, 9)
    vowels /= vowels.sum(axis=0, keepdims=True)
    return ControlTracks(
        frame_t=np.arange(n_frames) * FRAME_S,
        voicing=smooth(voicing[None], 5)[0],
        vowels=vowels,
        noise=smooth(noise, 3),
        accent=accent,
    )


def _mark_syllable(
    row: np.ndarray,
    frames: tuple[int, int, int],
    gain: float,
    voicing: np.ndarray,
    vowels: np.ndarray,
    noise: np.ndarray,
) -> None:
    """Write one syllable into the raw tracks, in place: its onset consonant, vowel and coda.

    ``frames`` are the frames where the onset starts, the vowel starts and the syllable ends.
    Fricatives are noise, a plosive is a closure silence then a short burst, a nasal is weak
    voicing through the nasal murmur; the vowel's voicing rises and falls within the syllable.
    """
    onset, vowel_start, end = frames
    kind, band, vowel, coda = (int(v) for v in row)
    if kind == _ONSET_FRICATIVE:
        noise[band, onset:vowel_start] = 0.18 * gain
    elif kind == _ONSET_PLOSIVE:
        burst = max(vowel_start - 3, onset)
        noise[band, burst:vowel_start] = 0.3 * gain
    elif kind == _ONSET_NASAL:
        voicing[onset:vowel_start] = 0.35 * gain
        vowels[NASAL, onset:vowel_start] = 1.0
    coda_start = end - (end - vowel_start) // 4 if coda else end
    rise = np.pi * (np.arange(coda_start - vowel_start) + 0.5) / max(end - vowel_start, 1)
    shape = np.sin(rise) ** 0.5
    voicing[vowel_start:coda_start] = gain * (0.5 + 0.5 * shape)
    vowels[vowel, onset if kind == _ONSET_NONE else vowel_start : end] = 1.0
    if coda:
        noise[(band + 1) % len(FRICATIVE_BANDS), coda_start:end] = 0.12 * gain


def _accent_bump(vowel_start: int, end: int, n_frames: int) -> np.ndarray:
    """A Gaussian pitch accent of height 1 centred on a vowel, about as wide as the vowel."""
    centre = (vowel_start + end) // 2
    width = max((end - vowel_start) / 3.0, 2.0)
    return np.exp(-0.5 * ((np.arange(n_frames) - centre) / width) ** 2)
