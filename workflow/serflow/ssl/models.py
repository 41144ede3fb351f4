"""Loading a self-supervised speech encoder (wav2vec 2.0, HuBERT, WavLM, ...) with transformers.

An encoder is given by a Hugging Face hub id (``facebook/wav2vec2-base``) or by a local
directory written with ``save_pretrained`` (or ``hf download``). Its feature
extractor settings (``preprocessor_config.json``) say how the audio must be normalised.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import torch
from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, PreTrainedModel
from transformers.feature_extraction_utils import FeatureExtractionMixin

from serflow.torch_runtime import resolve_device

#: Model types whose feature encoder and attention masking serflow knows (see padding_mode).
KNOWN_MODEL_TYPES = ("wav2vec2", "hubert", "wavlm", "data2vec-audio", "unispeech", "unispeech-sat")
#: Architectures that serflow can write as random-weight models (tests, demos, benchmarks).
ARCHITECTURES = ("wav2vec2", "hubert", "wavlm")


class EncoderLoadError(RuntimeError):
    """An SSL encoder could not be loaded; the message says which config key and what to do."""


@dataclass
class Encoder:
    """A loaded encoder: the model (eval mode, on ``device``) and its feature extractor."""

    model: PreTrainedModel
    feature_extractor: FeatureExtractionMixin
    source: str

    @property
    def sampling_rate(self) -> int:
        """The sample rate the checkpoint was trained on."""
        return int(getattr(self.feature_extractor, "sampling_rate", 16000))

    @property
    def n_layers(self) -> int:
        """Number of hidden states the model returns: the CNN projection and each layer."""
        return int(self.model.config.num_hidden_layers) + 1

    @property
    def hidden_size(self) -> int:
        """Width of each hidden state."""
        return int(self.model.config.hidden_size)


def _offline_message(source: str, config_key: str, error: Exception) -> str:
    local = Path(source).expanduser()
    looks_local = source.startswith((".", "/", "~")) or local.exists()
    if looks_local:
        return (
            f"{config_key}: cannot load the encoder from the local directory {source!r} ({error}). "
            "It must hold what save_pretrained writes: config.json, the weights "
            "(model.safetensors or pytorch_model.bin) and preprocessor_config.json."
        )
    return (
        f"{config_key}: cannot load the encoder {source!r} from the Hugging Face hub (offline, or "
        f"no such model): {error}\n"
        "Give a local copy instead: on a machine with internet run\n"
        f"  hf download {source} --local-dir /path/to/{source.split('/')[-1]}\n"
        "(huggingface-cli download with huggingface_hub before 1.0)\n"
        "or, in Python, AutoModel.from_pretrained(...).save_pretrained(dir) and "
        "AutoFeatureExtractor.from_pretrained(...).save_pretrained(dir); then set "
        f"{config_key} to that directory. A model already in the Hugging Face cache "
        "(HF_HOME, ~/.cache/huggingface) also works offline: keep the hub id and set "
        "HF_HUB_OFFLINE=1."
    )


def load_encoder(
    source: str, *, name: str = "encoder", device: str | torch.device = "cpu"
) -> Encoder:
    """The encoder and feature extractor at ``source`` (hub id or local directory).

    ``name`` is the feature set, used to name the config key ``ssl.encoders.<name>.model`` in
    errors. Only the encoder is kept: a checkpoint with a task head (e.g. CTC) loads its base.
    """
    config_key = f"ssl.encoders.{name}.model"
    try:
        config = AutoConfig.from_pretrained(source)
        feature_extractor = AutoFeatureExtractor.from_pretrained(source)
        # float32 whatever dtype the weights were saved in (transformers 5 keeps the saved one)
        model = AutoModel.from_pretrained(source, config=config, dtype=torch.float32)
    except (OSError, ValueError) as error:
        raise EncoderLoadError(_offline_message(source, config_key, error)) from error
    if not hasattr(model.config, "num_hidden_layers") or not hasattr(
        model, "_get_feat_extract_output_lengths"
    ):
        raise EncoderLoadError(
            f"{config_key}: {source!r} is a {type(model).__name__}, not a speech encoder with a "
            "convolutional feature encoder (wav2vec 2.0, HuBERT, WavLM, ...)"
        )
    model = model.to(resolve_device(device)).eval()
    return Encoder(model=model, feature_extractor=feature_extractor, source=source)


def padding_mode(model: PreTrainedModel) -> str:
    """How clips of different lengths can share a batch with exact results.

    ``"mask"``: a layer-norm feature encoder; zero padding plus the attention mask leaves each
    clip's frames as they are alone. ``"group_norm"``: a group-norm feature encoder (e.g.
    wav2vec2-base, hubert-base); its first layer normalises over time, so zero padding changes
    it, and serflow normalises each clip over its own frames (see embed). ``"equal"``: an
    architecture serflow does not know; only clips of identical length share a batch.
    """
    config = model.config
    if config.model_type not in KNOWN_MODEL_TYPES:
        return "equal"
    norm = getattr(config, "feat_extract_norm", None)
    if norm == "layer":
        return "mask"
    if norm == "group":
        return "group_norm"
    return "equal"


def random_config(architecture: str, size: str = "tiny", feat_extract_norm: str = "group"):
    """A config of ``architecture`` (wav2vec2, hubert, wavlm): ``tiny`` for tests, ``base`` the
    base model's (the defaults, the compute of facebook/wav2vec2-base and its kin)."""
    from transformers import HubertConfig, Wav2Vec2Config, WavLMConfig

    classes = {"wav2vec2": Wav2Vec2Config, "hubert": HubertConfig, "wavlm": WavLMConfig}
    if architecture not in classes:
        raise ValueError(f"architecture {architecture!r} is unknown; use one of {ARCHITECTURES}")
    if feat_extract_norm not in ("group", "layer"):
        raise ValueError(f"feat_extract_norm must be group or layer, got {feat_extract_norm!r}")
    settings = {"feat_extract_norm": feat_extract_norm}
    # the large checkpoints pair a layer-norm feature encoder with pre-norm transformer layers
    settings["do_stable_layer_norm"] = feat_extract_norm == "layer"
    if size == "tiny":
        settings |= {
            "hidden_size": 32,
            "num_hidden_layers": 3,
            "num_attention_heads": 2,
            "intermediate_size": 64,
            "conv_dim": (16, 16, 16),
            "conv_kernel": (10, 3, 3),
            "conv_stride": (5, 2, 2),
            "num_conv_pos_embeddings": 16,
            "num_conv_pos_embedding_groups": 2,
        }
        if architecture == "wavlm":
            settings["num_buckets"] = 32
    elif size != "base":
        raise ValueError(f"size must be tiny or base, got {size!r}")
    return classes[architecture](**settings)


def save_random_encoder(
    directory: str | os.PathLike,
    architecture: str = "wav2vec2",
    *,
    size: str = "tiny",
    feat_extract_norm: str = "group",
    seed: int = 0,
) -> Path:
    """Write a randomly initialised encoder and its feature extractor with save_pretrained.

    For tests, demos and benchmarks only: random weights give meaningless features but cost
    what the pretrained ones do. The feature extractor is configured as the real checkpoints
    are: group norm without an attention mask (base), layer norm with one (large).
    """
    from transformers import Wav2Vec2FeatureExtractor

    config = random_config(architecture, size, feat_extract_norm)
    torch.manual_seed(seed)
    model = AutoModel.from_config(config)
    directory = Path(directory)
    model.save_pretrained(directory)
    Wav2Vec2FeatureExtractor(
        feature_size=1,
        sampling_rate=16000,
        padding_value=0.0,
        do_normalize=True,
        return_attention_mask=feat_extract_norm == "layer",
    ).save_pretrained(directory)
    return directory
