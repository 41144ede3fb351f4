"""The BYOL-S front end: 64-band log-mel spectrograms of 16 kHz audio, and scene statistics.

The settings reproduce the front end the BYOL-S checkpoints were trained with (a torchaudio
``MelSpectrogram`` followed by ``log(x + eps)``), written in plain torch so that torchaudio
is not needed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

SAMPLE_RATE = 16000
N_FFT = 1024
WIN_LENGTH = 400
HOP_LENGTH = 160
N_MELS = 64
F_MIN = 60.0
F_MAX = 7800.0
#: Added before the log so that silent bins stay finite: float32 machine epsilon.
LOG_OFFSET = float(torch.finfo(torch.float32).eps)


def hz_to_mel(hz: np.ndarray) -> np.ndarray:
    """HTK mel scale: 2595 log10(1 + f / 700)."""
    return 2595.0 * np.log10(1.0 + np.asarray(hz, dtype=np.float64) / 700.0)


def mel_to_hz(mel: np.ndarray) -> np.ndarray:
    """Inverse of :func:`hz_to_mel`."""
    return 700.0 * (10.0 ** (np.asarray(mel, dtype=np.float64) / 2595.0) - 1.0)


def mel_filterbank(
    n_freqs: int = N_FFT // 2 + 1,
    n_mels: int = N_MELS,
    sample_rate: int = SAMPLE_RATE,
    f_min: float = F_MIN,
    f_max: float = F_MAX,
) -> np.ndarray:
    """Triangular HTK mel filters without area normalisation, shape ``(n_freqs, n_mels)``.

    Filter ``m`` rises linearly from corner ``m`` to peak ``m + 1`` and falls to corner ``m + 2``,
    the corners being equally spaced on the mel scale between ``f_min`` and ``f_max``.
    """
    bin_hz = np.linspace(0.0, sample_rate // 2, n_freqs)
    corners = mel_to_hz(np.linspace(hz_to_mel(f_min), hz_to_mel(f_max), n_mels + 2))
    widths = np.diff(corners)
    # offset[k, j]: how far corner j lies above FFT bin k, in Hz
    offset = corners[np.newaxis, :] - bin_hz[:, np.newaxis]
    rising = -offset[:, :-2] / widths[:-1]
    falling = offset[:, 2:] / widths[1:]
    return np.maximum(0.0, np.minimum(rising, falling)).astype(np.float32)


class LogMelSpectrogram(nn.Module):
    """Waveform ``(..., samples)`` at 16 kHz to log-mel ``(..., 64, frames)``, float32.

    Frames are centred (the signal is reflect-padded by ``n_fft // 2`` at both ends), so a clip
    of ``n`` samples gives ``1 + n // 160`` frames. The 400-sample periodic Hann window sits in
    the middle of each 1024-point FFT frame; the power spectrum goes through
    :func:`mel_filterbank` and then ``log(x + LOG_OFFSET)``.
    """

    def __init__(self) -> None:
        super().__init__()
        self.register_buffer(
            "window", torch.hann_window(WIN_LENGTH, periodic=True), persistent=False
        )
        self.register_buffer("filters", torch.from_numpy(mel_filterbank()), persistent=False)

    def forward(self, waveform: torch.Tensor) -> torch.Tensor:
        if waveform.shape[-1] <= N_FFT // 2:
            raise ValueError(
                f"a clip of {waveform.shape[-1]} samples is too short for the BYOL-S front end; "
                f"it needs more than {N_FFT // 2} samples ({(N_FFT // 2 + 1) / SAMPLE_RATE:.3f} s)"
            )
        leading = waveform.shape[:-1]
        spectrum = torch.stft(
            waveform.reshape(-1, waveform.shape[-1]),
            n_fft=N_FFT,
            hop_length=HOP_LENGTH,
            win_length=WIN_LENGTH,
            window=self.window,
            center=True,
            pad_mode="reflect",
            normalized=False,
            onesided=True,
            return_complex=True,
        )
        power = spectrum.real.square() + spectrum.imag.square()  # (batch, freq, frames)
        mel = torch.matmul(power.transpose(-1, -2), self.filters).transpose(-1, -2)
        return torch.log(mel + LOG_OFFSET).reshape(*leading, N_MELS, -1)


def n_frames(n_samples: int) -> int:
    """Number of log-mel frames the front end gives for a clip of ``n_samples``."""
    return 1 + n_samples // HOP_LENGTH


_DEFAULT_FRONTEND: LogMelSpectrogram | None = None


def log_mel(audio: np.ndarray | torch.Tensor, device: str | torch.device = "cpu") -> torch.Tensor:
    """Log-mel spectrogram ``(64, frames)`` of one mono 16 kHz clip (a 1-D array)."""
    global _DEFAULT_FRONTEND
    if _DEFAULT_FRONTEND is None:
        _DEFAULT_FRONTEND = LogMelSpectrogram()
    waveform = torch.as_tensor(audio, dtype=torch.float32)
    if waveform.ndim != 1:
        raise ValueError(f"expected a mono clip (1-D array), got shape {tuple(waveform.shape)}")
    frontend = _DEFAULT_FRONTEND.to(device)
    with torch.inference_mode():
        return frontend(waveform.to(device))


def clip_stats(logmels: np.ndarray | torch.Tensor) -> tuple[float, float]:
    """One clip's log-mel mean and (unbiased) standard deviation, in float64."""
    values = torch.as_tensor(logmels, dtype=torch.float64)
    if values.numel() < 2:
        raise ValueError(f"a log-mel spectrogram of shape {tuple(values.shape)} has no spread")
    return values.mean().item(), values.std().item()


def scene_stats(logmels: Sequence[np.ndarray | torch.Tensor]) -> tuple[float, float]:
    """Normalisation statistics over a set of clips, as BYOL-S scene embeddings use them.

    Returns the mean over clips of each clip's log-mel mean, and the mean over clips of each
    clip's (unbiased) log-mel standard deviation: every clip counts equally, whatever its length.
    """
    if len(logmels) == 0:
        raise ValueError("scene_stats needs at least one log-mel spectrogram")
    return mean_of_clip_stats([clip_stats(lms) for lms in logmels])


def mean_of_clip_stats(stats: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """The scene statistics from the clips' own (mean, std), in the order given."""
    means, stds = zip(*stats, strict=True)
    return float(np.mean(means)), float(np.mean(stds))
