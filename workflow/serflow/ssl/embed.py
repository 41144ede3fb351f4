"""Pooled embeddings of every hidden layer of an SSL encoder, from one pass per clip.

Each clip is normalised as its checkpoint's feature extractor says, cut into chunks of at most
``max_chunk_s`` seconds, and the chunks of similar length share a zero-padded batch. Padding
never changes a result (see :func:`serflow.ssl.models.padding_mode`): with a layer-norm feature
encoder the attention mask hides it; with a group-norm one the first convolution is normalised
over each clip's own frames; unknown architectures batch only chunks of identical length. Each
layer's frames are pooled over the whole clip (all its chunks): mean and standard deviation.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn
from torch.nn.utils import parametrize
from tqdm import tqdm

from serflow.batching import plan_batches
from serflow.ssl.models import Encoder, padding_mode
from serflow.torch_runtime import check_mono_clips, resolve_device, torch_threads

#: Default longest chunk a clip is cut into, in seconds (attention cost grows with its square).
MAX_CHUNK_S = 30.0
#: Default budget of padded audio per batch, in seconds. Batching pays on a GPU; on a CPU it
#: gains nothing (docs/benchmarks.md) and larger batches only take more memory.
MAX_BATCH_S = 10.0
#: Largest share of a batch's samples that may be padding.
MAX_PADDING = 0.1


@dataclass
class LayerEmbeddings:
    """Per clip and hidden layer (0: the projected CNN features), the frames' mean and
    standard deviation (population, ddof=0): two float32 arrays ``(clips, layers, hidden)``."""

    mean: np.ndarray
    std: np.ndarray


def chunk_bounds(n_samples: int, max_chunk: int) -> list[tuple[int, int]]:
    """(start, end) of the fewest chunks of at most ``max_chunk`` samples, of near equal size.

    Equal sizes avoid a short last chunk with too few frames for the model.
    """
    if max_chunk < 1:
        raise ValueError(f"max_chunk must be at least 1 sample, got {max_chunk}")
    n_chunks = max(1, -(-n_samples // max_chunk))
    edges = np.linspace(0, n_samples, n_chunks + 1).round().astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:], strict=True)]


class _PerClipGroupNorm(nn.Module):
    """A group-norm convolution layer that normalises each batch row over its own frames.

    ``frames`` (set per batch) holds each row's number of real output frames; the padded
    frames come out as zeros. With ``frames`` None it is the wrapped layer unchanged.
    """

    def __init__(self, layer: nn.Module):
        super().__init__()
        self.layer = layer
        self.frames: list[int] | None = None

    def forward(self, hidden_states: torch.Tensor) -> torch.Tensor:
        hidden_states = self.layer.conv(hidden_states)
        if self.frames is None:
            return self.layer.activation(self.layer.layer_norm(hidden_states))
        # in place, so that a batch's largest activation is not copied
        for row, n in enumerate(self.frames):
            hidden_states[row, :, :n] = self.layer.layer_norm(hidden_states[row : row + 1, :, :n])[
                0
            ]
            hidden_states[row, :, n:] = 0.0
        return self.layer.activation(hidden_states)


@contextmanager
def _per_clip_group_norm(model: nn.Module) -> Iterator[_PerClipGroupNorm | None]:
    """Swap the model's first (group-norm) convolution layer for a per-clip one inside the
    block; yields None, changing nothing, when the model is not built that way."""
    layers = getattr(getattr(model, "feature_extractor", None), "conv_layers", None)
    first = layers[0] if layers is not None and len(layers) else None
    if first is None or not isinstance(getattr(first, "layer_norm", None), nn.GroupNorm):
        yield None
        return
    wrapper = _PerClipGroupNorm(first)
    layers[0] = wrapper
    try:
        yield wrapper
    finally:
        layers[0] = first


def normalised_input(encoder: Encoder, clip: np.ndarray) -> np.ndarray:
    """The model input of one clip, as the checkpoint's feature extractor makes it."""
    values = encoder.feature_extractor(
        clip, sampling_rate=encoder.sampling_rate, return_tensors="np"
    )["input_values"]
    return np.asarray(values, dtype=np.float32).reshape(-1)


def _min_samples(model: nn.Module) -> int:
    """Fewest input samples that give the model one frame (its CNN's receptive field)."""
    config = model.config
    samples = 1
    for kernel, stride in reversed(list(zip(config.conv_kernel, config.conv_stride, strict=True))):
        samples = (samples - 1) * stride + kernel
    return samples


def embed_layers(
    clips: Sequence[np.ndarray],
    encoder: Encoder,
    *,
    max_chunk_s: float = MAX_CHUNK_S,
    max_batch_s: float = MAX_BATCH_S,
    max_padding: float = MAX_PADDING,
    device: str | torch.device = "auto",
    threads: int | None = None,
    progress: bool = False,
) -> LayerEmbeddings:
    """Mean and std over time of every hidden layer, per clip, in the order given.

    Parameters
    ----------
    clips : mono float clips at the encoder's sample rate (16 kHz).
    encoder : from :func:`serflow.ssl.load_encoder`; its model is moved to ``device``.
    max_chunk_s : clips longer than this are cut into near-equal chunks, each run alone
        through the model (normalised by itself) and pooled together over all their frames.
    max_batch_s : padded seconds of audio per batch; 0 runs every chunk alone.
    max_padding : largest share of a batch that may be padding (wasted work).
        Neither batching setting changes the result beyond float32 rounding.
    device : ``"auto"`` (CUDA if available, else CPU), ``"cpu"``, ``"cuda"``, ...
    threads : torch intra-op threads during the call (restored afterwards); None leaves it.
    """
    model = encoder.model
    device = resolve_device(device)
    model.to(device).eval()
    rate = encoder.sampling_rate
    clips = check_mono_clips(clips, _min_samples(model))
    mode = padding_mode(model)
    # every chunk of every clip, normalised as the model's input
    chunks: list[tuple[int, np.ndarray]] = []
    for i, clip in enumerate(clips):
        for start, end in chunk_bounds(len(clip), max(1, int(max_chunk_s * rate))):
            chunks.append((i, normalised_input(encoder, clip[start:end])))
    lengths = [len(values) for _, values in chunks]
    if any(n < _min_samples(model) for n in lengths):
        raise ValueError(
            f"ssl.max_chunk_s {max_chunk_s} cuts chunks shorter than the encoder's receptive "
            f"field ({_min_samples(model)} samples); raise it"
        )
    batches = plan_batches(lengths, int(max_batch_s * rate), max_padding, equal=mode == "equal")
    n_layers, hidden = encoder.n_layers, encoder.hidden_size
    sums = torch.zeros((len(clips), n_layers, hidden), dtype=torch.float64, device=device)
    squares = torch.zeros_like(sums)
    counts = np.zeros(len(clips), dtype=np.int64)
    with (
        torch_threads(threads),
        _strict_float32(device),
        torch.inference_mode(),
        # weight-normed convolutions (the positional one) compute their weight once, not per batch
        parametrize.cached(),
        _per_clip_group_norm(model) if mode == "group_norm" else _no_patch() as group_norm,
        tqdm(total=len(chunks), desc="SSL", disable=not progress, file=sys.stderr) as bar,
    ):
        for batch in batches:
            longest = lengths[batch[0]]
            x = torch.zeros(len(batch), longest)
            mask = torch.zeros(len(batch), longest, dtype=torch.long)
            for row, k in enumerate(batch):
                x[row, : lengths[k]] = torch.from_numpy(chunks[k][1])
                mask[row, : lengths[k]] = 1
            padded = any(lengths[k] != longest for k in batch)
            frames = model._get_feat_extract_output_lengths(
                torch.tensor([lengths[k] for k in batch])
            ).tolist()
            if group_norm is not None:
                group_norm.frames = _first_layer_frames(model, batch, lengths) if padded else None
            kwargs = {"attention_mask": mask.to(device)} if padded else {}
            hidden_states = model(
                input_values=x.to(device), output_hidden_states=True, **kwargs
            ).hidden_states
            if len(hidden_states) != n_layers:
                raise RuntimeError(f"the model returned {len(hidden_states)} hidden states")
            for row, k in enumerate(batch):
                clip, n = chunks[k][0], int(frames[row])
                _accumulate(hidden_states, row, n, sums[clip], squares[clip])
                counts[clip] += n
            bar.update(len(batch))
    counts3 = counts[:, None, None].astype(np.float64)
    sums, squares = sums.cpu().numpy(), squares.cpu().numpy()
    mean = sums / counts3
    std = np.sqrt(np.maximum(squares / counts3 - mean * mean, 0.0))
    return LayerEmbeddings(mean=mean.astype(np.float32), std=std.astype(np.float32))


def _accumulate(
    hidden_states: Sequence[torch.Tensor],
    row: int,
    frames: int,
    sums: torch.Tensor,
    squares: torch.Tensor,
) -> None:
    """Add one batch row's first ``frames`` frames of every layer to ``sums`` and ``squares``
    (``(layers, hidden)``, float64, on the model's device): no copy of all layers' frames."""
    for layer, states in enumerate(hidden_states):
        part = states[row, :frames].double()
        sums[layer] += part.sum(dim=0)
        squares[layer] += (part * part).sum(dim=0)


@contextmanager
def _strict_float32(device: torch.device) -> Iterator[None]:
    """On CUDA, plain float32 matrix products and convolutions (no TF32) inside the block, then
    the previous settings; elsewhere nothing changes."""
    if device.type != "cuda":
        yield
        return
    previous = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    try:
        yield
    finally:
        torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = previous


def _first_layer_frames(model: nn.Module, batch: list[int], lengths: Sequence[int]) -> list[int]:
    """Output frames of the first convolution for each row of the batch."""
    kernel, stride = model.config.conv_kernel[0], model.config.conv_stride[0]
    return [(lengths[k] - kernel) // stride + 1 for k in batch]


@contextmanager
def _no_patch() -> Iterator[None]:
    yield None
