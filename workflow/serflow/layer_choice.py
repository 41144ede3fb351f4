"""The SSL layer behind a results matrix, in words: what the layer.json of each outer fold
(rule select_ssl_layer) says, for the matrix's caption and so for the run's closing summary.
Standard library only."""

from __future__ import annotations

from collections import Counter
from typing import Any

from serflow.layer_weighting import WEIGHTED

#: How rule select_ssl_layer comes to its layer, by the encoder's ``layer`` setting; any
#: other setting is a layer number fixed in config.
SELECTIONS = {
    "auto": "chosen by inner CV on the training speakers",
    WEIGHTED: "every layer, weighed by the classifier",
}


def selection_text(selection: str) -> str:
    """How the layer of an encoder with ``layer: <selection>`` was come to."""
    return SELECTIONS.get(str(selection), "fixed in config")


def _layers_text(layers: list[Any]) -> str:
    """``layer 2``, ``layer 2 in all 5 folds`` or ``layer 2 in 3 folds, layer 3 in 2 folds``."""
    counts = Counter(layers)
    if len(counts) == 1:
        (layer,) = counts
        return f"layer {layer}" + (f" in all {len(layers)} folds" if len(layers) > 1 else "")
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return ", ".join(f"layer {layer} in {count} fold{'s' * (count > 1)}" for layer, count in ranked)


def layer_choice_note(choices: list[dict[str, Any]]) -> str:
    """A caption's closing sentence naming each SSL feature set's layer over the outer folds,
    e.g. ``. SSL layer: w2v layer 2 (chosen by inner CV on the training speakers)``; empty
    without SSL feature sets. ``choices`` are layer.json records (feature_set, fold, layer,
    selection)."""
    by_feature_set: dict[str, list[dict[str, Any]]] = {}
    for choice in choices:
        by_feature_set.setdefault(choice["feature_set"], []).append(choice)
    parts = []
    for feature_set, records in by_feature_set.items():
        records = sorted(records, key=lambda record: record["fold"])
        selection = records[0]["selection"]
        if selection == WEIGHTED:
            parts.append(f"{feature_set} {selection_text(selection)}")
            continue
        layers = [record["layer"] for record in records]
        parts.append(f"{feature_set} {_layers_text(layers)} ({selection_text(selection)})")
    if not parts:
        return ""
    return f". SSL layer{'s' * (len(parts) > 1)}: " + "; ".join(parts)
