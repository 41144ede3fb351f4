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


def plot_layer_curve(table: pd.DataFrame, feature_set: str, path: str | os.PathLike) -> None:
    """Inner-CV and test UAR (%) against the layer; the layers that folds chose are marked."""
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
    ax.set_xlabel("hidden state (0: CNN features, k: transformer layer k)")
    ax.set_ylabel("UAR (%)")
    ax.set_ylim(0, 100)
    ax.set_xticks(table["layer"])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(f"{feature_set}: UAR per layer (logistic-regression probe)", fontsize=10)
    fig.tight_layout()
    save_png(fig, path)
