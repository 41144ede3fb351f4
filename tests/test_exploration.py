"""The exploration tables and figures (serflow/exploration.py): counts per emotion and speaker,
durations, and the 2-D PCA embedding of a feature table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from serflow.exploration import (
    pca_embedding,
    plot_duration_distributions,
    plot_embedding,
    plot_label_distributions,
    speaker_table,
)

EMOTIONS = ["anger", "happiness", "neutral", "sadness"]


@pytest.fixture
def metadata() -> pd.DataFrame:
    """An uneven corpus: 5 speakers, emotions drawn at random (a speaker may lack one), a few
    clips without a label, durations from 0.5 to 4 s, and ratings of arousal."""
    rng = np.random.default_rng(3)
    n = 90
    emotion = rng.choice(EMOTIONS, size=n, p=[0.4, 0.3, 0.2, 0.1]).astype(object)
    emotion[[5, 17, 40]] = None
    speaker = rng.choice(["s1", "s2", "s3", "s4", "s5"], size=n)
    return pd.DataFrame(
        {
            "utterance": [f"u{k:03d}" for k in range(n)],
            "path": [f"/corpus/u{k:03d}.wav" for k in range(n)],
            "speaker": speaker,
            "gender": np.where(np.isin(speaker, ["s1", "s2"]), "female", "male"),
            "label": emotion,
            "emotion": emotion,
            "duration_s": rng.uniform(0.5, 4.0, size=n),
            "sample_rate": 16000,
            "target_arousal": rng.uniform(1, 5, size=n),
        }
    )


def test_speaker_table_counts_and_durations_are_the_metadata_s(metadata):
    table = speaker_table(metadata)
    counts = pd.crosstab(metadata["speaker"], metadata["emotion"])
    speakers = sorted(metadata["speaker"].unique())
    assert list(table.index) == [*speakers, "all"]
    present = sorted(metadata["emotion"].dropna().unique())
    for emotion in present:
        expected = counts[emotion].reindex(speakers, fill_value=0).tolist()
        assert table.loc[speakers, emotion].tolist() == expected
        assert table.loc["all", emotion] == (metadata["emotion"] == emotion).sum()
    assert table.loc[speakers, "utterances"].tolist() == (
        metadata["speaker"].value_counts().reindex(speakers).tolist()
    )
    assert table.loc["all", "utterances"] == len(metadata)
    durations = metadata.groupby("speaker")["duration_s"]
    np.testing.assert_allclose(table.loc[speakers, "duration_total_s"], durations.sum())
    np.testing.assert_allclose(table.loc[speakers, "duration_max_s"], durations.max())
    assert table.loc["s1", "gender"] == "female" and table.loc["all", "gender"] == "female/male"


def _features(metadata: pd.DataFrame, columns: int = 12) -> pd.DataFrame:
    """A feature table keyed by utterance whose first direction carries the emotion."""
    rng = np.random.default_rng(5)
    values = rng.normal(size=(len(metadata), columns))
    values[:, 0] += 4 * (metadata["emotion"] == "anger").to_numpy()
    table = pd.DataFrame(values.astype(np.float32), columns=[f"f{k}" for k in range(columns)])
    return pd.concat([metadata[["utterance"]], table], axis=1)


def test_pca_embedding_is_two_deterministic_principal_components(metadata):
    features = _features(metadata)
    embedding, ratios = pca_embedding(features, seed=0)
    assert embedding.shape == (len(features), 3)
    assert list(embedding.columns) == ["utterance", "pc1", "pc2"]
    assert embedding["utterance"].tolist() == features["utterance"].tolist()
    again, ratios_again = pca_embedding(features.copy(), seed=0)
    pd.testing.assert_frame_equal(embedding, again)
    np.testing.assert_array_equal(ratios, ratios_again)
    # the projections onto the two leading right-singular vectors of the centred table
    values = features.drop(columns="utterance").to_numpy(dtype=np.float64)
    centred = values - values.mean(axis=0)
    u, s, _ = np.linalg.svd(centred, full_matrices=False)
    for k, column in enumerate(["pc1", "pc2"]):
        np.testing.assert_allclose(np.abs(embedding[column]), np.abs(u[:, k] * s[k]), atol=1e-8)
    np.testing.assert_allclose(ratios, s[:2] ** 2 / (s**2).sum())
    assert ratios[0] > ratios[1] > 0


def test_pca_embedding_of_a_single_feature_has_a_flat_second_axis(metadata):
    embedding, ratios = pca_embedding(_features(metadata, columns=1))
    assert embedding.shape == (len(metadata), 3)
    assert (embedding["pc2"] == 0).all() and ratios[1] == 0


def test_figures_are_drawn_the_same_twice(metadata, tmp_path):
    embedding, ratios = pca_embedding(_features(metadata))
    unlabelled = metadata.assign(emotion=None).drop(columns="target_arousal")
    drawings = {
        "labels": lambda path: plot_label_distributions(metadata, "test corpus", path),
        "no_labels": lambda path: plot_label_distributions(unlabelled, "test corpus", path),
        "durations": lambda path: plot_duration_distributions(metadata, "test corpus", path),
        "embedding": lambda path: plot_embedding(embedding, ratios, metadata, "test", path),
    }
    for name, draw in drawings.items():
        first, second = tmp_path / f"{name}.png", tmp_path / f"{name}.again.png"
        draw(first)
        draw(second)
        assert first.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
        assert first.read_bytes() == second.read_bytes(), name
    assert not list(tmp_path.glob(".*"))  # no temporary file left
