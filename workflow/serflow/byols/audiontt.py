"""The BYOL-S encoder: the AudioNTT2020 convolutional network over log-mels.

Three blocks of 3x3 convolution, batch norm, ReLU and 2x2 max pooling turn a 64-band log-mel
into 64 channels x 8 bands per eighth of the frame rate; a two-layer MLP maps each time step
to ``d`` features, and mean + max over time gives the clip embedding.

Module and parameter names follow the published ``default`` checkpoints. Inference only:
dropout is left out and batch norm uses its running statistics, folded into the convolutions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from serflow.byols.masking import conv_length, mean_plus_max_over_time, zero_padding


class AudioNTT2020Encoder(nn.Module):
    """BYOL-S encoder: normalised log-mel ``(batch, 1, n_mels, frames)`` to ``(batch, d)``.

    ``lengths`` (frames per clip) is needed only when clips of different lengths are
    zero-padded into one batch; the result for each clip is then that of the clip alone.
    """

    sample_rate = 16000

    def __init__(self, n_mels: int = 64, d: int = 2048) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        for channels_in in (1, 64, 64):
            layers += [
                nn.Conv2d(channels_in, 64, 3, stride=1, padding=1),
                nn.BatchNorm2d(64),
                nn.ReLU(),
                nn.MaxPool2d(2, stride=2),
            ]
        self.features = nn.Sequential(*layers)
        # index 2 held dropout in training; Identity keeps the checkpoint's numbering (fc.3)
        self.fc = nn.Sequential(
            nn.Linear(64 * (n_mels // 8), d), nn.ReLU(), nn.Identity(), nn.Linear(d, d), nn.ReLU()
        )
        self.n_mels = n_mels
        self.embedding_size = d
        # channels-last maps make the max-pooling far faster on CPU
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1 or x.shape[2] != self.n_mels:
            raise ValueError(
                f"expected input (batch, 1, {self.n_mels}, frames), got {tuple(x.shape)}"
            )
        if x.shape[-1] < 8:
            raise ValueError(f"{x.shape[-1]} frames are too few: the encoder needs at least 8")
        x = x.contiguous(memory_format=torch.channels_last)
        for start in range(0, len(self.features), 4):
            conv, norm = self.features[start], self.features[start + 1]
            weight, bias = _fold_batch_norm(conv, norm)
            x = F.conv2d(zero_padding(x, lengths), weight, bias, padding=1)
            # max-pooling before the ReLU gives the same values on a quarter of the data
            x = F.relu_(F.max_pool2d(x, 2))
            if lengths is not None:
                lengths = conv_length(lengths, 2, 2, 0)
        b, c, f, n = x.shape
        # (batch, time, freq * channel), features ordered band by band as in the checkpoints
        per_step = self.fc(x.permute(0, 3, 2, 1).reshape(b, n, f * c))
        return mean_plus_max_over_time(per_step, lengths)


def _fold_batch_norm(conv: nn.Conv2d, norm: nn.BatchNorm2d) -> tuple[torch.Tensor, torch.Tensor]:
    """Weight and bias of one convolution equal to ``norm(conv(x))`` with frozen statistics."""
    scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
    bias = (conv.bias - norm.running_mean) * scale + norm.bias
    return conv.weight * scale[:, None, None, None], bias
