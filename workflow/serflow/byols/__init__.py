"""BYOL-S and hybrid BYOL-S speech encoders (serab-byols) re-implemented in plain PyTorch.

Typical use::

    model = load_encoder("hybrid_byols", checkpoint_path, device="cpu")
    mean, std = scene_stats(compute_logmels(clips))
    embeddings = embed_clips(clips, model, mean, std, threads=2)
"""

from serflow.byols.audiontt import AudioNTT2020Encoder
from serflow.byols.checkpoint import (
    ARCHITECTURES,
    CheckpointError,
    build_encoder,
    check_state_dict,
    load_encoder,
)
from serflow.byols.cvt import CvTEncoder
from serflow.byols.devices import resolve_device
from serflow.byols.embed import (
    compute_logmels,
    embed_clips,
    embed_logmels,
    scene_embeddings,
)
from serflow.byols.frontend import LogMelSpectrogram, log_mel, n_frames, scene_stats

ENCODER_NAMES = tuple(sorted(ARCHITECTURES))

__all__ = [
    "ARCHITECTURES",
    "ENCODER_NAMES",
    "AudioNTT2020Encoder",
    "CheckpointError",
    "CvTEncoder",
    "LogMelSpectrogram",
    "build_encoder",
    "check_state_dict",
    "compute_logmels",
    "embed_clips",
    "embed_logmels",
    "load_encoder",
    "log_mel",
    "n_frames",
    "resolve_device",
    "scene_embeddings",
    "scene_stats",
]
