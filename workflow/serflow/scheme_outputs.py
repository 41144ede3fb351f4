"""What the results rules of every evaluation scheme write besides the matrix: pooled test
predictions, per-class recall, the paired feature-set comparison, the config and a confusion
matrix figure per (feature set, classifier)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from serflow.classifier_registry import CLASSIFIER_NAMES
from serflow.evaluation import (
    compare_feature_sets,
    confusion_table,
    pool_predictions,
    recall_table,
    rows_of,
)
from serflow.plots import plot_confusion
from serflow.tables import read_json, read_parquet, write_csv, write_parquet, write_text


def read_fold_results(
    score_paths: list[str], prediction_paths: list[str]
) -> tuple[list[dict], pd.DataFrame]:
    """The scores.json of every tune job, and their test predictions pooled into one table."""
    scores = [read_json(path) for path in score_paths]
    pooled = pool_predictions(scores, [read_parquet(path) for path in prediction_paths])
    return scores, pooled


def write_scheme_outputs(
    pooled: pd.DataFrame, *, output: Any, params: Any, heading: str, log: logging.Logger
) -> None:
    """Write the recall table, comparison, pooled predictions, config and confusion figures to
    the rule's ``output`` (recall, comparison, predictions, config, confusion), with the rule's
    ``params`` (feature_sets, classifiers, permutations, seed, config); ``heading`` (dataset
    and scheme) ends each figure's title."""
    feature_sets, classifiers, config = params.feature_sets, params.classifiers, params.config
    recall = recall_table(pooled, feature_sets, classifiers)
    write_csv(recall, output.recall, float_format="%.1f")
    comparison = compare_feature_sets(
        pooled,
        feature_sets,
        classifiers,
        permutations=params.permutations,
        seed=params.seed,
        confidence=params.confidence,
        resamples=params.bootstrap_resamples,
    )
    log.info("paired comparison of feature sets:\n%s", comparison.to_string())
    comparison = comparison.round(
        {
            "uar_a": 2,
            "uar_b": 2,
            "difference": 2,
            "mcnemar_p": 4,
            "permutation_p": 4,
            "speaker_ci_low": 2,
            "speaker_ci_high": 2,
            "speaker_p": 4,
        }
    )
    write_csv(comparison, output.comparison, index=False)
    write_parquet(pooled, output.predictions)
    settings = {key: value for key, value in config.items() if key != "threads"}
    write_text(yaml.safe_dump(settings, sort_keys=False), output.config)
    plots = {Path(path).name: path for path in output.confusion}
    pooled_over = " pooled over the folds" if pooled["fold"].nunique() > 1 else ""
    for feature_set in feature_sets:
        for classifier in classifiers:
            pooled_uar = recall.loc[(feature_set, classifier), "uar"]
            plot_confusion(
                confusion_table(rows_of(pooled, feature_set, classifier)),
                f"{feature_set} · {CLASSIFIER_NAMES[classifier]}: UAR {pooled_uar:.1f}%"
                f"{pooled_over}\n{heading}",
                plots[f"{feature_set}.{classifier}.png"],
            )
