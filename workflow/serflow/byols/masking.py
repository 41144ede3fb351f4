"""Helpers that let padded batches give the same numbers as clips run one at a time.

Clips of different lengths are zero-padded along time to share a batch. After every layer that
mixes neighbouring time steps, the padded steps would hold values that a clip run alone never
sees (there, a convolution reads zeros past the end). Zeroing the padded steps before each such
layer, masking them out of attention, and leaving them out of the pooling restores that.
"""

from __future__ import annotations

import torch


def conv_length(lengths: torch.Tensor, kernel: int, stride: int, padding: int) -> torch.Tensor:
    """Valid output length along time of a convolution or pooling applied to ``lengths`` steps."""
    return torch.div(lengths + 2 * padding - kernel, stride, rounding_mode="floor") + 1


def time_mask(lengths: torch.Tensor, n_steps: int) -> torch.Tensor:
    """Boolean ``(batch, n_steps)``: True where a time step lies inside its clip."""
    return torch.arange(n_steps, device=lengths.device) < lengths[:, None]


def zero_padding(x: torch.Tensor, lengths: torch.Tensor | None, axis: int = -1) -> torch.Tensor:
    """Zero the time steps (``axis`` of ``x``; axis 0 is the batch) past each clip's end."""
    if lengths is None:
        return x
    axis = axis % x.ndim
    shape = [1] * x.ndim
    shape[0], shape[axis] = x.shape[0], x.shape[axis]
    return x * time_mask(lengths, x.shape[axis]).view(shape).to(x.dtype)


def mean_plus_max_over_time(x: torch.Tensor, lengths: torch.Tensor | None) -> torch.Tensor:
    """``mean + max`` over the time axis (1) of ``(batch, time, features)``, padding left out."""
    if lengths is None:
        return x.mean(dim=1) + x.amax(dim=1)
    if int(lengths.min()) < 1:
        raise ValueError("a clip is too short: no time steps are left to pool")
    valid = time_mask(lengths, x.shape[1]).unsqueeze(-1)
    total = torch.where(valid, x, 0.0).sum(dim=1)
    largest = torch.where(valid, x, float("-inf")).amax(dim=1)
    return total / lengths[:, None].to(x.dtype) + largest
