"""A look at a dataset before any model: how its emotions, ratings and clip durations spread over
its speakers, and a 2-D PCA embedding of a normalised feature table coloured by emotion and by
speaker (after per-speaker normalisation the speakers should be mixed, the emotions less so).
The tables here are what the figures show; the figures are drawn with serflow.plots' setup."""

from __future__ import annotations

import os

import numpy as np
import pandas as pd
from sklearn.decomposition import PCA

from serflow.plots import plt, save_png
from serflow.regression import target_column

#: Speakers beyond this many get no legend entry each in the embedding (colours repeat).
MAX_SPEAKER_LEGEND = 24


def labelled(metadata: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``metadata`` that have an emotion label (a dimensional corpus may have none)."""
    emotion = metadata["emotion"]
    return metadata[emotion.notna() & (emotion.astype(str) != "")]


def emotions_of(metadata: pd.DataFrame) -> list[str]:
    """The dataset's emotion labels, sorted."""
    return sorted(labelled(metadata)["emotion"].astype(str).unique())


def target_columns(metadata: pd.DataFrame) -> list[str]:
    """The metadata columns of the dataset's rated dimensions (``target_<dimension>``)."""
    prefix = target_column("")
    return [column for column in metadata.columns if column.startswith(prefix)]


def speaker_table(metadata: pd.DataFrame) -> pd.DataFrame:
    """One row per speaker (sorted): gender, number of utterances, the utterances of each emotion
    and the clip durations (total, mean, min, max, in s), then a row ``all`` for the dataset."""
    emotions = emotions_of(metadata)
    rows = []
    groups = [(str(name), part) for name, part in metadata.groupby("speaker", sort=True)]
    for speaker, part in [*groups, ("all", metadata)]:
        genders = sorted(part["gender"].dropna().astype(str).unique())
        counts = labelled(part)["emotion"].astype(str).value_counts()
        durations = part["duration_s"]
        rows.append(
            {
                "speaker": speaker,
                "gender": genders[0] if len(genders) == 1 else "/".join(genders),
                "utterances": len(part),
                **{emotion: int(counts.get(emotion, 0)) for emotion in emotions},
                "duration_total_s": durations.sum(),
                "duration_mean_s": durations.mean(),
                "duration_min_s": durations.min(),
                "duration_max_s": durations.max(),
            }
        )
    return pd.DataFrame(rows).set_index("speaker")


def pca_embedding(features: pd.DataFrame, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    """The first two principal components of a feature table (``utterance`` then one column per
    feature), keyed by utterance in the table's order, and the share of the variance each
    explains. Each component's sign is fixed by the data (sklearn's svd_flip) and any solver it
    picks is seeded, so the same table gives the same embedding."""
    values = features.drop(columns="utterance").to_numpy(dtype=np.float64)
    components = min(2, values.shape[1], max(len(values) - 1, 1))
    pca = PCA(n_components=components, random_state=seed)
    points = pca.fit_transform(values)
    if components < 2:  # one feature (or two utterances): the second axis is flat
        points = np.column_stack([points, np.zeros(len(points))])
    ratios = np.zeros(2)
    ratios[:components] = pca.explained_variance_ratio_
    embedding = pd.DataFrame(
        {"utterance": features["utterance"].to_numpy(), "pc1": points[:, 0], "pc2": points[:, 1]}
    )
    return embedding, ratios


def colour(k: int, n: int) -> tuple:
    """The colour of the ``k``-th of ``n`` values (emotions, speakers): tab10, tab20 beyond 10."""
    return plt.cm.tab10(k % 10) if n <= 10 else plt.cm.tab20(k % 20)


def _speaker_height(speakers: int) -> float:
    """Figure height (in) for panels with one row per speaker."""
    return min(3.0 + 0.28 * speakers, 24.0)


def plot_label_distributions(metadata: pd.DataFrame, title: str, path: str | os.PathLike) -> None:
    """Save the utterances per emotion (dataset, then stacked per speaker) and a histogram of
    each rated dimension; a panel says so when the dataset has no emotion labels."""
    table = speaker_table(metadata)
    emotions = emotions_of(metadata)
    targets = target_columns(metadata)
    speakers = table.drop(index="all")
    target_rows = -(-len(targets) // 2)
    heights = [_speaker_height(len(speakers))] + [3.0] * target_rows
    fig, axes = plt.subplots(
        1 + target_rows,
        2,
        figsize=(10.0, sum(heights)),
        height_ratios=heights,
        squeeze=False,
    )
    overall, per_speaker = axes[0, 0], axes[0, 1]
    colours = {emotion: colour(k, len(emotions)) for k, emotion in enumerate(emotions)}
    if emotions:
        counts = table.loc["all", emotions].astype(int)
        overall.barh(emotions, counts, color=[colours[e] for e in emotions])
        for k, count in enumerate(counts):
            overall.text(count, k, f" {count}", va="center", fontsize=8)
        overall.invert_yaxis()
        overall.set_xlabel("utterances")
        overall.set_title("per emotion", fontsize=10)
        left = np.zeros(len(speakers))
        for emotion in emotions:
            values = speakers[emotion].to_numpy(dtype=float)
            per_speaker.barh(
                speakers.index, values, left=left, color=colours[emotion], label=emotion
            )
            left += values
        per_speaker.invert_yaxis()
        per_speaker.set_xlabel("utterances")
        per_speaker.set_ylabel("speaker")
        per_speaker.set_title("per speaker", fontsize=10)
        per_speaker.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.0, 0.5))
    else:
        for ax in (overall, per_speaker):
            ax.text(0.5, 0.5, "no emotion labels", ha="center", va="center")
            ax.set_axis_off()
    histograms = list(axes[1:].flat)
    for ax in histograms[len(targets) :]:
        ax.set_axis_off()
    for ax, column in zip(histograms, targets, strict=False):
        ax.hist(metadata[column].dropna(), bins=20, color="tab:blue")
        ax.set_xlabel(column.removeprefix(target_column("")))
        ax.set_ylabel("utterances")
        ax.set_title(f"{column.removeprefix(target_column(''))} ratings", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_png(fig, path)


def plot_duration_distributions(
    metadata: pd.DataFrame, title: str, path: str | os.PathLike
) -> None:
    """Save a histogram of the clip durations and their box plot per speaker."""
    speakers = sorted(metadata["speaker"].astype(str).unique())
    durations = metadata.assign(speaker=metadata["speaker"].astype(str))
    fig, (overall, per_speaker) = plt.subplots(1, 2, figsize=(10.0, _speaker_height(len(speakers))))
    overall.hist(durations["duration_s"], bins=30, color="tab:blue")
    overall.set_xlabel("duration (s)")
    overall.set_ylabel("utterances")
    overall.set_title(
        f"{len(durations)} clips, {durations['duration_s'].sum() / 60:.1f} min", fontsize=10
    )
    grouped = [durations.loc[durations["speaker"] == s, "duration_s"] for s in speakers]
    per_speaker.boxplot(grouped, orientation="horizontal", tick_labels=speakers)
    per_speaker.invert_yaxis()
    per_speaker.set_xlabel("duration (s)")
    per_speaker.set_ylabel("speaker")
    per_speaker.set_title("per speaker", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_png(fig, path)


def _scatter_by(ax, embedding: pd.DataFrame, column: str, legend: bool) -> None:
    """One embedding panel, a colour per value of ``column`` (values sorted)."""
    values = sorted(embedding[column].astype(str).unique())
    for k, value in enumerate(values):
        part = embedding[embedding[column].astype(str) == value]
        ax.scatter(part["pc1"], part["pc2"], s=9, color=colour(k, len(values)), label=value)
    if legend:
        ax.legend(fontsize=7, markerscale=1.5, loc="center left", bbox_to_anchor=(1.0, 0.5))


def plot_embedding(
    embedding: pd.DataFrame,
    ratios: np.ndarray,
    metadata: pd.DataFrame,
    title: str,
    path: str | os.PathLike,
) -> None:
    """Save the 2-D embedding twice: coloured by emotion, and by speaker."""
    rows = embedding.merge(
        metadata[["utterance", "speaker", "emotion"]], on="utterance", how="left", validate="1:1"
    )
    rows["emotion"] = rows["emotion"].fillna("").astype(str).replace("", "(none)")
    speakers = rows["speaker"].nunique()
    fig, axes = plt.subplots(1, 2, figsize=(12.0, 4.8))
    for ax, column in zip(axes, ["emotion", "speaker"], strict=True):
        legend = column == "emotion" or speakers <= MAX_SPEAKER_LEGEND
        _scatter_by(ax, rows, column, legend)
        ax.set_xlabel(f"PC 1 ({100 * ratios[0]:.1f}% of the variance)")
        ax.set_ylabel(f"PC 2 ({100 * ratios[1]:.1f}%)")
        shown = "" if legend else f" ({speakers} speakers, no legend)"
        ax.set_title(f"by {column}{shown}", fontsize=10)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    save_png(fig, path)
