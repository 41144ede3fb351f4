"""Self-supervised speech encoders (wav2vec 2.0, HuBERT, WavLM) as serflow feature sets."""

from serflow.ssl.embed import LayerEmbeddings, chunk_bounds, embed_layers, plan_batches
from serflow.ssl.models import (
    Encoder,
    EncoderLoadError,
    load_encoder,
    padding_mode,
    save_random_encoder,
)

__all__ = [
    "Encoder",
    "EncoderLoadError",
    "LayerEmbeddings",
    "chunk_bounds",
    "embed_layers",
    "load_encoder",
    "padding_mode",
    "plan_batches",
    "save_random_encoder",
]
