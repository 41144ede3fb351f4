"""Clip-level BYOL-S embeddings: log-mel, scene normalisation, encoder, one 2048-d row per clip.

Clips are sorted by length and those of similar length share a batch, zero-padded along time.
The encoders mask the padding (see :mod:`serflow.byols.masking`), so each row equals what the
clip gives on its own, to float32 rounding.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from serflow.batching import plan_batches
from serflow.byols.devices import resolve_device
from serflow.byols.frontend import N_MELS, LogMelSpectrogram, scene_stats
from serflow.torch_runtime import check_mono_clips, torch_threads

#: Default budget of padded log-mel frames per batch (about 30 s of audio).
MAX_BATCH_FRAMES = 3000
#: Largest share of a batch's frames that may be padding.
MAX_PADDING = 0.05


def _check_clips(clips: Sequence[np.ndarray]) -> list[torch.Tensor]:
    """Clips as float32 tensors, with an error naming the first clip that is not usable."""
    return [torch.from_numpy(audio) for audio in check_mono_clips(clips)]


def compute_logmels(
    clips: Sequence[np.ndarray], device: str | torch.device = "cpu"
) -> list[torch.Tensor]:
    """Log-mel spectrogram ``(64, frames)`` of each mono 16 kHz clip, on ``device``."""
    frontend = LogMelSpectrogram().to(resolve_device(device))
    with torch.inference_mode():
        return [frontend(audio.to(frontend.window.device)) for audio in _check_clips(clips)]


def embed_logmels(
    logmels: Sequence[torch.Tensor | np.ndarray],
    model: nn.Module,
    mean: float,
    std: float,
    *,
    max_batch_frames: int = MAX_BATCH_FRAMES,
    max_padding: float = MAX_PADDING,
    device: str | torch.device = "auto",
    threads: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """Embeddings ``(n, d)`` float32 of log-mels normalised as ``(lms - mean) / std``.

    See :func:`embed_clips` for the arguments.
    """
    if not std > 0:
        raise ValueError(f"the normalisation std must be positive, got {std}")
    device = resolve_device(device)
    model = model.to(device).eval()
    logmels = [torch.as_tensor(lms, dtype=torch.float32) for lms in logmels]
    frames = [int(lms.shape[-1]) for lms in logmels]
    for i, lms in enumerate(logmels):
        if lms.ndim != 2 or lms.shape[0] != N_MELS:
            raise ValueError(
                f"log-mel {i} has shape {tuple(lms.shape)}; expected ({N_MELS}, frames)"
            )
    batches = plan_batches(frames, max_batch_frames, max_padding)
    rows: list[torch.Tensor | None] = [None] * len(logmels)
    with (
        torch_threads(threads),
        torch.inference_mode(),
        tqdm(total=len(logmels), desc="BYOL-S", disable=not progress, file=sys.stderr) as bar,
    ):
        for batch in batches:
            longest = frames[batch[0]]
            x = torch.zeros(len(batch), 1, N_MELS, longest, device=device)
            for row, i in enumerate(batch):
                x[row, 0, :, : frames[i]] = (logmels[i].to(device) - mean) / std
            lengths = None
            if any(frames[i] != longest for i in batch):
                lengths = torch.tensor([frames[i] for i in batch], device=device)
            out = model(x, lengths).float().cpu()
            for row, i in enumerate(batch):
                rows[i] = out[row]
            bar.update(len(batch))
    if not rows:
        return np.zeros((0, getattr(model, "embedding_size", 2048)), dtype=np.float32)
    return torch.stack(rows).numpy()


def embed_clips(
    clips: Sequence[np.ndarray],
    model: nn.Module,
    mean: float,
    std: float,
    *,
    max_batch_frames: int = MAX_BATCH_FRAMES,
    max_padding: float = MAX_PADDING,
    device: str | torch.device = "auto",
    threads: int | None = None,
    progress: bool = False,
) -> np.ndarray:
    """One BYOL-S embedding per clip, ``(len(clips), 2048)`` float32, in the order given.

    Parameters
    ----------
    clips : mono float clips at 16 kHz (each longer than 512 samples).
    model : an encoder from :func:`serflow.byols.load_encoder`; it is moved to ``device``.
    mean, std : scene statistics for the log-mel normalisation, see :func:`scene_stats`.
    max_batch_frames : padded log-mel frames per batch; 0 runs the clips one at a time.
    max_padding : largest share of a batch's frames that may be padding (wasted work).
        The result depends on neither beyond float32 rounding.
    device : ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ...
    threads : torch intra-op threads during the call (restored afterwards); None leaves it.
    progress : show a tqdm progress bar on stderr.
    """
    device = resolve_device(device)
    with torch_threads(threads):
        logmels = compute_logmels(clips, device)
    return embed_logmels(
        logmels,
        model,
        mean,
        std,
        max_batch_frames=max_batch_frames,
        max_padding=max_padding,
        device=device,
        threads=threads,
        progress=progress,
    )


def scene_embeddings(
    clips: Sequence[np.ndarray],
    model: nn.Module,
    *,
    max_batch_frames: int = MAX_BATCH_FRAMES,
    max_padding: float = MAX_PADDING,
    device: str | torch.device = "auto",
    threads: int | None = None,
    progress: bool = False,
) -> tuple[np.ndarray, tuple[float, float]]:
    """Embeddings of ``clips`` normalised with statistics of these same clips, and those stats.

    This is what the original ``get_scene_embeddings`` does; log-mels are computed only once.
    """
    device = resolve_device(device)
    with torch_threads(threads):
        logmels = compute_logmels(clips, device)
    mean, std = scene_stats(logmels)
    embeddings = embed_logmels(
        logmels,
        model,
        mean,
        std,
        max_batch_frames=max_batch_frames,
        max_padding=max_padding,
        device=device,
        threads=threads,
        progress=progress,
    )
    return embeddings, (mean, std)
