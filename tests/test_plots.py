"""The heatmaps and the per-layer curve, read back from their matplotlib objects: colour range,
chance level and axis titles."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from serflow.plots import colour_limits, heatmap_figure, plot_heatmap
from serflow.ssl.report import layer_curve_figure

UAR_AXES = ("classifier", "feature set")


def _matrix(rows: list[list[float]], index: list[str] | None = None) -> pd.DataFrame:
    columns = ["Logistic Regression", "Support Vector Machine", "Random Forest Classification"]
    index = index or [f"set{i}" for i in range(len(rows))]
    return pd.DataFrame(rows, index=index, columns=columns[: len(rows[0])])


def _hatched(ax: plt.Axes) -> list[tuple[float, float]]:
    """Centres (column, row) of the hatched cells."""
    return sorted((p.get_x() + 0.5, p.get_y() + 0.5) for p in ax.patches if p.get_hatch() == "//")


def _red_lines(colour_bar: plt.Axes) -> list[float]:
    return [line.get_ydata()[0] for line in colour_bar.get_lines() if line.get_color() == "red"]


def test_colours_span_the_data_not_0_to_100_and_chance_below_it_is_said():
    # the demo's matrix: 51.2 and 69.0 get the ends of the colour map
    fig = heatmap_figure(
        _matrix([[53.6, 52.4, 51.2], [69.0, 64.3, 66.7]]),
        "demo",
        chance=100 / 7,
        axis_titles=UAR_AXES,
    )
    ax, colour_bar = fig.axes
    assert ax.images[0].get_clim() == (51.2, 69.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == UAR_AXES
    assert ax.get_title() == "chance level 14.3, below every cell; cells at or below it hatched"
    assert colour_bar.get_ylabel() == "test UAR (%)"
    assert _hatched(ax) == [] and _red_lines(colour_bar) == []
    plt.close(fig)


def test_chance_inside_the_range_is_a_line_on_the_colour_bar_and_cells_at_or_below_are_hatched():
    fig = heatmap_figure(
        _matrix([[20.0, 30.0], [25.0, 40.0]]), "loso", chance=25.0, axis_titles=UAR_AXES
    )
    ax, colour_bar = fig.axes
    assert ax.images[0].get_clim() == (20.0, 40.0)
    assert _hatched(ax) == [(0.0, 0.0), (0.0, 1.0)]  # 20 and 25, in the first column
    assert _red_lines(colour_bar) == [25.0]
    assert "chance level 25.0 (red line on the colour bar)" in ax.get_title()
    plt.close(fig)


def test_a_chance_level_per_dataset_is_given_in_the_row_labels():
    fig = heatmap_figure(
        _matrix([[60.0, 50.0], [20.0, 45.0]], index=["demo · egemaps", "tess · egemaps"]),
        "summary",
        chance=np.array([[100 / 7], [25.0]]),
        axis_titles=("classifier", "dataset · feature set"),
    )
    ax, colour_bar = fig.axes
    labels = [label.get_text() for label in ax.get_yticklabels()]
    assert labels == ["demo · egemaps\n(chance 14.3)", "tess · egemaps\n(chance 25.0)"]
    assert ax.get_ylabel() == "dataset · feature set"
    assert _hatched(ax) == [(0.0, 1.0)]  # tess's 20.0 only: 50.0 is above demo's 14.3
    assert _red_lines(colour_bar) == [25.0]  # 14.3 is below the range
    assert ax.get_title().startswith("chance level per row")
    plt.close(fig)


def test_cross_corpus_chance_per_test_dataset_and_missing_cells():
    matrix = pd.DataFrame([[40.0, 30.0], [np.nan, 45.0]], index=["a", "b"], columns=["a", "b"])
    chance = np.array([[25.0, 50.0], [np.nan, 50.0]])  # test dataset b has 2 classes
    fig = heatmap_figure(
        matrix, "cross", chance=chance, axis_titles=("test dataset", "train dataset")
    )
    ax, _ = fig.axes
    assert [label.get_text() for label in ax.get_xticklabels()] == [
        "a\n(chance 25.0)",
        "b\n(chance 50.0)",
    ]
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("test dataset", "train dataset")
    assert _hatched(ax) == [(1.0, 0.0), (1.0, 1.0)]
    plt.close(fig)


def test_ccc_heatmaps_mark_chance_at_zero_on_the_ccc_scale():
    matrix = pd.DataFrame(
        [[0.41, -0.05], [0.2, 0.33]], index=["egemaps", "compare"], columns=["Ridge", "SVR"]
    )
    fig = heatmap_figure(
        matrix,
        "ccc",
        chance=0.0,
        axis_titles=("regressor", "feature set"),
        bounds=(-1, 1),
        score="test CCC",
        digits=3,
    )
    ax, colour_bar = fig.axes
    assert ax.images[0].get_clim() == (-0.05, 0.41)
    assert _hatched(ax) == [(1.0, 0.0)]
    assert _red_lines(colour_bar) == [0.0]
    assert ax.get_title().startswith("chance level 0.000 (red line")
    assert colour_bar.get_ylabel() == "test CCC"
    plt.close(fig)


@pytest.mark.parametrize(
    ("values", "bounds", "limits"),
    [
        ([50.0, 50.0], (0, 100), (49.0, 51.0)),  # equal scores: 2 % of the scale around them
        ([99.5], (0, 100), (98.0, 100.0)),  # widened inside the bounds
        ([np.nan], (0, 100), (0, 100)),
        ([0.1, 0.3], (-1, 1), (0.1, 0.3)),
    ],
)
def test_colour_limits(values, bounds, limits):
    assert colour_limits(np.array(values), bounds) == pytest.approx(limits)


def test_heatmap_png_is_the_same_twice(tmp_path):
    matrix = _matrix([[48.8, 23.0]])
    labels = pd.DataFrame([["48.8 ± 1.4\n[47.8, 49.9]\n(2 folds: interval not meaningful)"] * 2])
    for name in ["a", "b"]:
        plot_heatmap(
            matrix, "t", tmp_path / f"{name}.png", labels, chance=25.0, axis_titles=UAR_AXES
        )
    assert (tmp_path / "a.png").read_bytes() == (tmp_path / "b.png").read_bytes()


def test_layer_curve_has_its_chance_line_axis_titles_and_a_range_that_shows_both():
    table = pd.DataFrame(
        {
            "layer": [0, 1, 2, 3],
            "inner_cv_uar": [30.0, 42.5, 51.0, 47.0],
            "test_uar": [28.0, 40.0, 44.0, 46.0],
            "folds_choosing": [0, 0, 1, 0],
        }
    )
    fig = layer_curve_figure(table, "w2v", chance=100 / 7)
    (ax,) = fig.axes
    chance = [line for line in ax.get_lines() if line.get_label().startswith("chance")]
    assert [line.get_label() for line in chance] == ["chance (14.3)"]
    assert list(chance[0].get_ydata()) == [100 / 7, 100 / 7]
    assert ax.get_ylim() == pytest.approx((100 / 7 - 5, 56.0))
    assert ax.get_xlabel().startswith("hidden state") and ax.get_ylabel() == "UAR (%)"
    plt.close(fig)
