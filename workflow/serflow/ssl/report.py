"""UAR per layer of an SSL feature set over the outer folds: table and curve."""

from __future__ import annotations

import os

import matplotlib.pyplot as plt
import pandas as pd

from serflow.plots import save_png


def layer_curve_table(folds: list[pd.DataFrame]) -> pd.DataFrame:
    """Per layer: mean inner-CV and test UAR (%) over folds, and how many folds chose it.

    Each frame is one fold's layer_scores.csv (layer, inner_cv_uar, test_uar, chosen).
    """
    if not folds:
        raise ValueError("no layer scores to summarise")
    joined = pd.concat(folds, ignore_index=True)
    table = joined.groupby("layer", sort=True).agg(
        inner_cv_uar=("inner_cv_uar", "mean"),
        test_uar=("test_uar", "mean"),
        folds_choosing=("chosen", "sum"),
    )
    table[["inner_cv_uar", "test_uar"]] = (100 * table[["inner_cv_uar", "test_uar"]]).round(2)
    table["folds_choosing"] = table["folds_choosing"].astype(int)
    return table.reset_index()


def layer_curve_figure(table: pd.DataFrame, feature_set: str, chance: float) -> plt.Figure:
    """Inner-CV and test UAR (%) against the layer, the layers that folds chose marked, and
    the chance level ``chance`` (100 / classes) as a dashed line. The UAR axis spans the
    curves and the chance level with a margin of 5 points, within 0-100."""
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    ax.plot(table["layer"], table["inner_cv_uar"], marker="o", label="inner CV (training speakers)")
    ax.plot(table["layer"], table["test_uar"], marker="s", label="test speakers (reported only)")
    chosen = table[table["folds_choosing"] > 0]
    ax.scatter(
        chosen["layer"],
        chosen["inner_cv_uar"],
        s=160,
        facecolors="none",
        edgecolors="black",
        label="chosen layer",
    )
    ax.axhline(chance, color="grey", linestyle="--", linewidth=1, label=f"chance ({chance:.1f})")
    shown = pd.concat([table["inner_cv_uar"], table["test_uar"]]).dropna().tolist() + [chance]
    ax.set_ylim(max(0.0, min(shown) - 5), min(100.0, max(shown) + 5))
    ax.set_xlabel("hidden state (0: CNN features, k: transformer layer k)")
    ax.set_ylabel("UAR (%)")
    ax.set_xticks(table["layer"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{feature_set}: UAR per layer (logistic-regression probe)", fontsize=10)
    fig.tight_layout()
    return fig


def plot_layer_curve(
    table: pd.DataFrame, feature_set: str, path: str | os.PathLike, chance: float
) -> None:
    """Save :func:`layer_curve_figure` as a PNG."""
    save_png(layer_curve_figure(table, feature_set, chance), path)


def layer_weights_table(records: list[dict]) -> pd.DataFrame:
    """Per layer and classifier: the learned layer weight, mean, min and max over outer folds.

    Each record is one fold's ``best_params.json`` with ``classifier`` and ``fold`` added; its
    ``training.layer_weights`` are the softmax weights that the refitted head learned.
    """
    rows = []
    for record in records:
        weights = record.get("training", {}).get("layer_weights")
        if weights is None:
            raise ValueError(
                f"{record['classifier']} fold {record['fold']}: best_params.json has no layer "
                "weights; was it trained with layer: weighted?"
            )
        rows += [
            {"classifier": record["classifier"], "fold": record["fold"], "layer": k, "weight": w}
            for k, w in enumerate(weights)
        ]
    if not rows:
        raise ValueError("no layer weights to summarise")
    table = pd.DataFrame(rows).groupby(["classifier", "layer"], sort=True)["weight"]
    out = table.agg(weight="mean", weight_min="min", weight_max="max", folds="count")
    return out.round(6).reset_index()


def plot_layer_weights(
    table: pd.DataFrame, feature_set: str, path: str | os.PathLike, curve: pd.DataFrame
) -> None:
    """The learned layer weights as bars, beside the probe's UAR per layer (``curve``: the
    table of :func:`layer_curve_table`) on a second axis."""
    classifiers = list(dict.fromkeys(table["classifier"]))
    fig, ax = plt.subplots(figsize=(6.5, 3.6))
    width = 0.8 / len(classifiers)
    for i, classifier in enumerate(classifiers):
        part = table[table["classifier"] == classifier]
        ax.bar(
            part["layer"] + (i - (len(classifiers) - 1) / 2) * width,
            part["weight"],
            width=width,
            yerr=[part["weight"] - part["weight_min"], part["weight_max"] - part["weight"]],
            capsize=2,
            label=f"{classifier}: learned weight (mean, min-max over folds)",
        )
    n_layers = table["layer"].nunique()
    ax.axhline(1 / n_layers, color="grey", linestyle=":", label="equal weights")
    ax.set_xlabel("hidden state (0: CNN features, k: transformer layer k)")
    ax.set_ylabel("softmax layer weight")
    ax.set_xticks(sorted(table["layer"].unique()))
    probe = ax.twinx()
    probe.plot(curve["layer"], curve["inner_cv_uar"], color="black", marker="o", linewidth=1)
    probe.set_ylabel("probe inner-CV UAR (%), line")
    probe.set_ylim(0, 100)
    ax.legend(fontsize=7, loc="upper left")
    ax.set_title(f"{feature_set}: SUPERB layer weights and UAR per layer", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
