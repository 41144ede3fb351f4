"""What every PyTorch extractor (BYOL-S, the SSL encoders) shares: the device, the thread count
and the check of the clips it is given."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import numpy as np
import torch


def resolve_device(device: str | torch.device = "auto") -> torch.device:
    """``"auto"`` means CUDA when it is available, else the CPU; anything else is used as given."""
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@contextmanager
def torch_threads(threads: int | None) -> Iterator[None]:
    """Use ``threads`` intra-op threads inside the block, then restore the previous number."""
    if threads is None:
        yield
        return
    if threads < 1:
        raise ValueError(f"threads must be at least 1, got {threads}")
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def check_mono_clips(clips: Sequence[np.ndarray], min_samples: int = 0) -> list[np.ndarray]:
    """Clips as contiguous float32 arrays, with an error naming the first clip that is not
    mono float audio, holds a non-finite sample or is shorter than ``min_samples``."""
    checked = []
    for i, clip in enumerate(clips):
        audio = np.asarray(clip)
        if audio.ndim != 1:
            raise ValueError(f"clip {i} has shape {audio.shape}; expected mono (a 1-D array)")
        if not np.issubdtype(audio.dtype, np.floating):
            raise ValueError(f"clip {i} has dtype {audio.dtype}; expected float samples in [-1, 1]")
        if not np.isfinite(audio).all():
            raise ValueError(f"clip {i} holds NaN or infinite samples")
        if len(audio) < min_samples:
            raise ValueError(
                f"clip {i} has {len(audio)} samples; the encoder needs at least {min_samples}"
            )
        checked.append(np.ascontiguousarray(audio, dtype=np.float32))
    return checked
