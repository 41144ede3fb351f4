"""SUPERB's weighted sum of hidden layers (``layer: weighted``), trained from stored layers.

SUPERB's emotion task classifies the softmax-weighted sum of every hidden layer of a frozen
encoder, mean pooled. Mean pooling is linear, so that sum equals the weighted sum of each
layer's pooled mean, which ``{name}.layers.npz`` already holds: the head learns its layer weights
from an *all-layers table* without running the encoder again. The table has every layer's
columns, layer after layer (``l00_mean_0000``, …, ``l01_mean_0000``, …), each layer normalised
per speaker like a single-layer table, and the ``mlp`` (:mod:`serflow.mlp`) reads it with
``n_layers`` set to the number of layers. Standard library at import: the workflow's parse
reads :data:`WEIGHTED` and :data:`LAYER_WEIGHTING_CLASSIFIERS`.
"""

from __future__ import annotations

import re
from typing import Any

#: ``layer`` of an encoder whose layers the classifier weighs itself.
WEIGHTED = "weighted"
#: Classifiers that learn layer weights: those whose estimator takes ``n_layers``.
LAYER_WEIGHTING_CLASSIFIERS = ("mlp",)
_COLUMN = re.compile(r"l(\d{2})_(mean|std)_\d{4}")


def all_layers_table(utterances: list[str], embeddings: Any, pooling: str = "mean") -> Any:
    """Every layer's pooled embeddings (a :class:`~serflow.ssl.embed.LayerEmbeddings`) side by
    side: a table of ``utterance`` and ``l{layer}_{mean|std}_{i}`` columns."""
    import pandas as pd

    from serflow.ssl.layers import layer_table

    n_layers = embeddings.mean.shape[1]
    parts = []
    for layer in range(n_layers):
        table = layer_table(utterances, embeddings, layer, pooling).set_index("utterance")
        parts.append(table.add_prefix(f"l{layer:02d}_"))
    return pd.concat(parts, axis=1).reset_index()


def layer_count(columns: list[str]) -> int:
    """How many layers a table with feature ``columns`` stacks (1: not an all-layers table)."""
    found = [_COLUMN.fullmatch(str(column)) for column in columns]
    if not columns or not all(found):
        return 1
    layers = sorted({int(match.group(1)) for match in found if match})
    if layers != list(range(len(layers))):
        raise ValueError(f"an all-layers table must have layers 0..n, it has {layers}")
    return len(layers)


def estimator_params(classifier: str, columns: list[str]) -> dict[str, int]:
    """``{"n_layers": n}`` for a layer-weighting classifier on an all-layers table, else {}."""
    n_layers = layer_count(columns)
    if n_layers == 1:
        return {}
    if classifier not in LAYER_WEIGHTING_CLASSIFIERS:
        raise ValueError(
            f"{classifier} cannot learn layer weights; layer: weighted is for "
            f"{', '.join(LAYER_WEIGHTING_CLASSIFIERS)}"
        )
    return {"n_layers": n_layers}


def pooled_weighted_sum(pooled_means: Any, weights: Any) -> Any:
    """The weighted sum over layers of pooled means, ``(clips, layers, hidden)`` -> ``(clips,
    hidden)``: what the head computes from the stored layers."""
    import numpy as np

    return np.einsum("l,clh->ch", np.asarray(weights), np.asarray(pooled_means))
