"""The filters of the synthetic voice: vowel formant resonators and fricative noise bands."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy import signal

#: Vowel-like formant targets (Hz, adult male) for a, e, i, o, u and a nasal murmur (last row).
FORMANTS = np.array(
    [
        [730.0, 1090.0, 2440.0, 3400.0],
        [530.0, 1840.0, 2480.0, 3450.0],
        [300.0, 2250.0, 2950.0, 3550.0],
        [570.0, 880.0, 2410.0, 3300.0],
        [320.0, 870.0, 2240.0, 3300.0],
        [260.0, 1050.0, 2200.0, 3250.0],
    ]
)
#: Row of :data:`FORMANTS` that is the nasal murmur.
NASAL = 5
_BANDWIDTHS = np.array([70.0, 100.0, 140.0, 220.0])
#: Pass bands (Hz) of the voiceless consonant noise: s-like, sh-like, f/ch-like.
FRICATIVE_BANDS = [(3800.0, 7200.0), (2000.0, 4800.0), (900.0, 6000.0)]


def resonator_sos(formants: np.ndarray, sample_rate: int) -> np.ndarray:
    """Cascade of two-pole resonators with unit gain at 0 Hz, one section per formant.

    Formants are capped below Nyquist so that low sample rates still give stable filters.
    """
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
def fricative_sos(band: int, sample_rate: int) -> np.ndarray:
    """Band-pass for one of :data:`FRICATIVE_BANDS`, kept below Nyquist at low sample rates."""
    low, high = FRICATIVE_BANDS[band]
    high = min(high, 0.45 * sample_rate)
    low = min(low, 0.5 * high)
    return signal.butter(2, [low, high], btype="bandpass", fs=sample_rate, output="sos")
