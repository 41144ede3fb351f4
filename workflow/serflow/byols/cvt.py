"""The hybrid BYOL-S encoder: a three-stage convolutional transformer (CvT) over log-mels.

Each stage embeds its input with a strided convolution, normalises across channels and runs
one transformer block whose queries, keys and values come from depth-wise separable
convolutions (keys and values at half the time and frequency resolution). After the last stage
the 512 channels x 4 mel bands are flattened per time step and pooled as mean + max over time,
giving a 2048-d clip embedding.

Module and parameter names follow the published ``cvt`` checkpoints so that their state dicts
load as they are. The model is for inference: dropout is left out.

For speed on CPU the stages keep their maps channels-last, as ``(batch, freq, time, channel)``
"tokens": the 1x1 convolutions of the checkpoints are then plain matrix products over the last
axis, and the normalisation reduces over contiguous memory. The spatial convolutions see the
same memory as a channels-last ``(batch, channel, freq, time)`` view.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from serflow.byols.masking import conv_length, mean_plus_max_over_time, zero_padding

#: Time is axis 2 of a ``(batch, freq, time, channel)`` token map.
TIME_AXIS = 2


@dataclass(frozen=True)
class StageConfig:
    """Shape of one CvT stage."""

    dim: int
    embed_kernel: int
    embed_stride: int
    heads: int
    depth: int = 1
    mlp_mult: int = 4
    proj_kernel: int = 3
    kv_stride: int = 2
    dim_head: int = 64


#: The hybrid BYOL-S configuration (``cvt_s1-d1-e64_s2-d1-e256_s3-d1-e512``).
HYBRID_BYOLS_STAGES = (
    StageConfig(dim=64, embed_kernel=7, embed_stride=4, heads=1),
    StageConfig(dim=256, embed_kernel=3, embed_stride=2, heads=3),
    StageConfig(dim=512, embed_kernel=3, embed_stride=2, heads=6),
)


def as_image(tokens: torch.Tensor) -> torch.Tensor:
    """``(batch, freq, time, channel)`` tokens viewed as a channels-last image (no copy)."""
    return tokens.permute(0, 3, 1, 2)


def as_tokens(image: torch.Tensor) -> torch.Tensor:
    """A ``(batch, channel, freq, time)`` image as contiguous ``(batch, freq, time, channel)``."""
    return image.permute(0, 2, 3, 1).contiguous()


def pointwise(conv: nn.Conv2d, tokens: torch.Tensor) -> torch.Tensor:
    """Apply a 1x1 convolution to channels-last tokens as a matrix product."""
    return F.linear(tokens, conv.weight.flatten(1), conv.bias)


class ChannelLayerNorm(nn.Module):
    """Layer norm across the channels (last axis) of ``(batch, freq, time, channel)`` tokens.

    As in the checkpoints' training code, ``eps`` is added to the standard deviation rather than
    to the variance; the parameters keep the checkpoints' ``(1, dim, 1, 1)`` shape.
    """

    def __init__(self, dim: int, eps: float = 1e-5) -> None:
        super().__init__()
        self.eps = eps
        self.g = nn.Parameter(torch.ones(1, dim, 1, 1))
        self.b = nn.Parameter(torch.zeros(1, dim, 1, 1))

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        # two passes (mean, then mean square of the centred values) beat var_mean on CPU
        centred = tokens - tokens.mean(dim=-1, keepdim=True)
        std = centred.square().mean(dim=-1, keepdim=True).sqrt()
        return torch.addcmul(self.b.flatten(), centred, self.g.flatten() / (std + self.eps))


class SeparableProjection(nn.Module):
    """Depth-wise convolution, batch norm, then a 1x1 convolution to ``dim_out`` channels."""

    def __init__(self, dim_in: int, dim_out: int, kernel: int, stride: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(
                dim_in,
                dim_in,
                kernel,
                stride=stride,
                padding=kernel // 2,
                groups=dim_in,
                bias=False,
            ),
            nn.BatchNorm2d(dim_in),
            nn.Conv2d(dim_in, dim_out, 1, bias=False),
        )

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        depthwise, norm, mix = self.net
        return pointwise(mix, as_tokens(norm(depthwise(as_image(tokens)))))


class ConvAttention(nn.Module):
    """Multi-head self-attention over all (freq, time) positions of a token map.

    Queries keep the input resolution; keys and values are computed with stride ``kv_stride``.
    """

    def __init__(self, config: StageConfig) -> None:
        super().__init__()
        inner = config.heads * config.dim_head
        self.heads = config.heads
        self.scale = config.dim_head**-0.5
        self.proj_kernel = config.proj_kernel
        self.kv_stride = config.kv_stride
        self.to_q = SeparableProjection(config.dim, inner, config.proj_kernel, stride=1)
        self.to_kv = SeparableProjection(
            config.dim, 2 * inner, config.proj_kernel, stride=config.kv_stride
        )
        self.to_out = nn.Sequential(nn.Conv2d(inner, config.dim, 1))

    def _split_heads(self, t: torch.Tensor) -> torch.Tensor:
        """``(batch, freq, time, heads * d)`` to ``(batch, heads, freq * time, d)``."""
        b, f, n, _ = t.shape
        return t.reshape(b, f * n, self.heads, -1).transpose(1, 2)

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        b, f, n, _ = tokens.shape
        tokens = zero_padding(tokens, lengths, TIME_AXIS)
        q = self._split_heads(self.to_q(tokens)) * self.scale
        kv = self.to_kv(tokens)
        k, v = (self._split_heads(t) for t in kv.chunk(2, dim=-1))
        scores = torch.matmul(q, k.transpose(-1, -2))
        if lengths is not None:
            kv_lengths = conv_length(
                lengths, self.proj_kernel, self.kv_stride, self.proj_kernel // 2
            )
            _, kv_f, kv_n, _ = kv.shape
            padded = torch.arange(kv_n, device=kv.device) >= kv_lengths[:, None]  # (batch, time)
            padded = padded[:, None, :].expand(b, kv_f, kv_n).reshape(b, 1, 1, kv_f * kv_n)
            scores = scores.masked_fill(padded, float("-inf"))
        out = torch.matmul(scores.softmax(dim=-1), v)  # (batch, heads, freq * time, d)
        return pointwise(self.to_out[0], out.transpose(1, 2).reshape(b, f, n, -1))


class FeedForward(nn.Module):
    """Position-wise MLP as two 1x1 convolutions with a GELU between them."""

    def __init__(self, dim: int, mult: int) -> None:
        super().__init__()
        # index 2 held dropout in training; Identity keeps the checkpoint's numbering (net.3)
        self.net = nn.Sequential(
            nn.Conv2d(dim, dim * mult, 1), nn.GELU(), nn.Identity(), nn.Conv2d(dim * mult, dim, 1)
        )

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        expand, _, _, reduce = self.net
        return pointwise(reduce, F.gelu(pointwise(expand, tokens)))


class PreNorm(nn.Module):
    """Channel layer norm before ``fn``."""

    def __init__(self, dim: int, fn: nn.Module) -> None:
        super().__init__()
        self.norm = ChannelLayerNorm(dim)
        self.fn = fn


class Transformer(nn.Module):
    """``depth`` pre-norm blocks of attention then MLP, each with a residual connection."""

    def __init__(self, config: StageConfig) -> None:
        super().__init__()
        self.layers = nn.ModuleList(
            nn.ModuleList(
                [
                    PreNorm(config.dim, ConvAttention(config)),
                    PreNorm(config.dim, FeedForward(config.dim, config.mlp_mult)),
                ]
            )
            for _ in range(config.depth)
        )

    def forward(self, tokens: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        for attention, mlp in self.layers:
            tokens = attention.fn(attention.norm(tokens), lengths) + tokens
            tokens = mlp.fn(mlp.norm(tokens)) + tokens
        return tokens


class Stage(nn.Sequential):
    """Convolutional token embedding, channel layer norm and a transformer."""

    def __init__(self, dim_in: int, config: StageConfig) -> None:
        kernel = config.embed_kernel
        super().__init__(
            nn.Conv2d(dim_in, config.dim, kernel, stride=config.embed_stride, padding=kernel // 2),
            ChannelLayerNorm(config.dim),
            Transformer(config),
        )
        self.config = config

    def forward(
        self, image: torch.Tensor, lengths: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(batch, channel, freq, time)`` image to ``(batch, freq', time', dim)`` tokens."""
        embed, norm, transformer = self[0], self[1], self[2]
        tokens = norm(as_tokens(embed(zero_padding(image, lengths))))
        if lengths is not None:
            k = self.config.embed_kernel
            lengths = conv_length(lengths, k, self.config.embed_stride, k // 2)
        return transformer(tokens, lengths), lengths


class CvTEncoder(nn.Module):
    """Hybrid BYOL-S encoder: normalised log-mel ``(batch, 1, 64, frames)`` to ``(batch, 2048)``.

    ``lengths`` (frames per clip) is needed only when clips of different lengths are
    zero-padded into one batch; the result for each clip is then that of the clip alone.
    """

    sample_rate = 16000
    embedding_size = 2048

    def __init__(self, stages: tuple[StageConfig, ...] = HYBRID_BYOLS_STAGES) -> None:
        super().__init__()
        dims = [1] + [s.dim for s in stages]
        self.layers = nn.ModuleList(Stage(dims[i], s) for i, s in enumerate(stages))
        # channels-last kernels match the channels-last maps, so no re-layout on every call
        self.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor, lengths: torch.Tensor | None = None) -> torch.Tensor:
        if x.ndim != 4 or x.shape[1] != 1:
            raise ValueError(f"expected input (batch, 1, mels, frames), got {tuple(x.shape)}")
        image = x
        for stage in self.layers:
            tokens, lengths = stage(image, lengths)
            image = as_image(tokens)
        b, f, n, c = tokens.shape
        # (batch, time, freq * channel), features ordered band by band as in the checkpoints
        per_step = tokens.transpose(1, 2).reshape(b, n, f * c)
        return mean_plus_max_over_time(per_step, lengths)
