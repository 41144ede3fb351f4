"""What the results rules add for the protocol: the protocol card (JSON and a table for the
report), the speaker-level intervals and the breakdowns per speaker, per gender and of the
calibration, under ``results/{dataset}/evaluation/{scheme}/``."""

from __future__ import annotations

import json
import logging
from typing import Any

import pandas as pd

from serflow.breakdowns import calibration_table, recall_by, uar_intervals
from serflow.protocol_card import run_card
from serflow.results_matrix import chance_level
from serflow.tables import write_csv, write_text


def card_table(card: dict[str, Any]) -> pd.DataFrame:
    """The card as rows (item, value) for the report; nested values as compact JSON."""
    rows = [
        {"item": key, "value": value if isinstance(value, str | int | float) else json.dumps(value)}
        for key, value in card.items()
    ]
    return pd.DataFrame(rows, columns=["item", "value"])


def write_protocol_outputs(
    pooled: pd.DataFrame,
    scores: list[dict],
    metadata: pd.DataFrame,
    *,
    output: Any,
    params: Any,
    dataset: str,
    log: logging.Logger,
) -> dict[str, Any]:
    """Write the card, intervals and breakdowns to the rule's ``output`` (protocol_card,
    protocol_card_table, uar_interval, uar_per_speaker, uar_per_gender, calibration); return the
    card, whose line the caller puts into the results matrix caption and whose ``chance_uar``
    (:func:`~serflow.results_matrix.chance_level`) its heatmap marks."""
    feature_sets, classifiers = params.feature_sets, params.classifiers
    card = run_card(
        [score["protocol"] for score in scores],
        dataset=dataset,
        emotions=params.emotions,
        encoders={name: params.encoders[name] for name in feature_sets},
        disjoint=params.disjoint,
    )
    # the chance level that the heatmaps mark, here for the summary across datasets to read
    card["chance_uar"] = round(chance_level(scores), 4)
    write_text(json.dumps(card, indent=2) + "\n", output.protocol_card)
    write_csv(card_table(card), output.protocol_card_table, index=False)
    log.info("protocol card: %s", json.dumps({k: v for k, v in card.items() if k != "folds"}))
    intervals = uar_intervals(
        pooled,
        feature_sets,
        classifiers,
        confidence=params.confidence,
        resamples=params.bootstrap_resamples,
        seed=params.seed,
    )
    write_csv(intervals, output.uar_interval, index=False, float_format="%.2f")
    gender = metadata.set_index("utterance")["gender"]
    with_gender = pooled.assign(gender=pooled["utterance"].map(gender).fillna("unknown"))
    per_speaker = recall_by(with_gender, "speaker", feature_sets, classifiers)
    per_speaker.insert(
        3,
        "gender",
        per_speaker["speaker"].map(
            with_gender.drop_duplicates("speaker").set_index("speaker")["gender"]
        ),
    )
    write_csv(per_speaker, output.uar_per_speaker, index=False, float_format="%.1f")
    per_gender = recall_by(with_gender, "gender", feature_sets, classifiers)
    write_csv(per_gender, output.uar_per_gender, index=False, float_format="%.1f")
    write_csv(
        calibration_table(pooled, feature_sets, classifiers),
        output.calibration,
        index=False,
        float_format="%.2f",
    )
    return card
