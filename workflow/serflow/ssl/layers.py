"""The all-layers embedding file of an SSL feature set, per-layer feature tables derived from
it, and the choice of a layer on a training set's speakers only."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from serflow.fold_rows import part_rows
from serflow.metrics import uar
from serflow.normalise import normalise_per_speaker
from serflow.split import inner_folds
from serflow.ssl.embed import LayerEmbeddings
from serflow.tables import atomic_write

POOLINGS = ("mean", "mean_std")


def write_layers(
    path: str | os.PathLike, utterances: list[str], embeddings: LayerEmbeddings
) -> Path:
    """Store every layer's pooled embeddings, keyed by utterance (an uncompressed npz)."""
    if len(utterances) != len(embeddings.mean):
        raise ValueError(f"{len(utterances)} utterances but {len(embeddings.mean)} embeddings")

    def write(temp: Path) -> None:
        with open(temp, "wb") as stream:
            np.savez(
                stream,
                utterance=np.asarray(utterances, dtype=str),
                mean=embeddings.mean,
                std=embeddings.std,
            )

    return atomic_write(path, write)


def read_layers(path: str | os.PathLike) -> tuple[list[str], LayerEmbeddings]:
    """The utterance ids and embeddings that :func:`write_layers` stored."""
    with np.load(path, allow_pickle=False) as npz:
        return npz["utterance"].tolist(), LayerEmbeddings(mean=npz["mean"], std=npz["std"])


def merge_layers(
    parts: list[tuple[list[str], LayerEmbeddings]],
) -> tuple[list[str], LayerEmbeddings]:
    """Shards joined into one, sorted by utterance id."""
    utterances = [u for ids, _ in parts for u in ids]
    if len(set(utterances)) != len(utterances):
        raise ValueError("the shards overlap: an utterance is in more than one")
    mean = np.concatenate([e.mean for _, e in parts])
    std = np.concatenate([e.std for _, e in parts])
    order = np.argsort(np.asarray(utterances, dtype=str), kind="stable")
    return [utterances[i] for i in order], LayerEmbeddings(mean=mean[order], std=std[order])


def check_layer(layer: int, n_layers: int, name: str) -> int:
    """``layer`` if the encoder has it, else an error naming ssl.encoders.<name>.layer."""
    if not 0 <= layer < n_layers:
        raise ValueError(
            f"ssl.encoders.{name}.layer is {layer}, but the encoder has hidden states 0.."
            f"{n_layers - 1} (0: the CNN features, k: transformer layer k); pick one or use auto"
        )
    return layer


def layer_table(
    utterances: list[str], embeddings: LayerEmbeddings, layer: int, pooling: str = "mean"
) -> pd.DataFrame:
    """The feature table of one layer: ``utterance``, ``mean_0000``… (and ``std_0000``…)."""
    if pooling not in POOLINGS:
        raise ValueError(f"pooling {pooling!r} is unknown; use one of {POOLINGS}")
    parts = {"mean": embeddings.mean[:, layer]}
    if pooling == "mean_std":
        parts["std"] = embeddings.std[:, layer]
    columns, blocks = [], []
    for kind, block in parts.items():
        columns += [f"{kind}_{i:04d}" for i in range(block.shape[1])]
        blocks.append(block)
    table = pd.DataFrame(np.concatenate(blocks, axis=1).astype(np.float32), columns=columns)
    table.insert(0, "utterance", list(utterances))
    return table


def _rows(table: pd.DataFrame, metadata: pd.DataFrame, fold: dict, part: str):
    """Features, emotions and speakers of the fold's ``part`` (train or test), sorted by id."""
    rows = part_rows(metadata, fold, part)[["utterance", "speaker", "emotion"]]
    rows = rows.merge(table, on="utterance", how="inner", validate="one_to_one")
    rows = rows.sort_values("utterance", ignore_index=True)
    values = rows.drop(columns=["utterance", "speaker", "emotion"]).to_numpy(dtype=np.float64)
    return values, rows["emotion"].to_numpy(), rows["speaker"].to_numpy()


def layer_scores(
    utterances: list[str],
    embeddings: LayerEmbeddings,
    metadata: pd.DataFrame,
    fold: dict,
    *,
    pooling: str = "mean",
    cv_folds: int = 5,
    probe_c: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """UAR of a probe classifier on every layer: speaker-grouped inner CV and test.

    The probe is logistic regression (``C=probe_c``) on per-speaker normalised features.
    ``inner_cv_uar`` is the mean UAR over ``cv_folds`` folds grouped by speaker within the
    fold's training speakers: it reads nothing of the test speakers, and alone chooses the
    layer. ``test_uar`` (the probe fitted on all training speakers, scored on the test
    speakers) is reported for the curve only.
    """
    speakers = metadata.set_index("utterance")["speaker"]
    records = []
    for layer in range(embeddings.mean.shape[1]):
        table = normalise_per_speaker(layer_table(utterances, embeddings, layer, pooling), speakers)
        x, y, groups = _rows(table, metadata, fold, "train")
        scores = []
        for train, validation in inner_folds(y, groups, "group", cv_folds):
            probe = _probe(probe_c, seed).fit(x[train], y[train])
            scores.append(uar(y[validation], probe.predict(x[validation])))
        x_test, y_test, _ = _rows(table, metadata, fold, "test")
        test = (
            uar(y_test, _probe(probe_c, seed).fit(x, y).predict(x_test)) if len(y_test) else np.nan
        )
        records.append({"layer": layer, "inner_cv_uar": float(np.mean(scores)), "test_uar": test})
    return pd.DataFrame(records)


def _probe(c: float, seed: int) -> LogisticRegression:
    return LogisticRegression(C=c, max_iter=2000, random_state=seed)


def choose_layer(scores: pd.DataFrame) -> int:
    """The layer with the best inner-CV UAR (the lowest such layer on ties)."""
    best = scores["inner_cv_uar"].max()
    return int(scores.loc[scores["inner_cv_uar"] == best, "layer"].min())
