"""Protocols beyond speaker independence: text-disjoint splits, published (EmoBox) folds, the
speaker-level bootstrap, the protocol card, breakdowns and the speaker probe.

The library parts run on generated corpora's names (EmoDB, RAVDESS); one real workflow run on a
small generated EmoDB corpus (egemaps, text-disjoint hold-out) and a second run on the same
working directory with EmoBox-layout folds check what the rules write.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from serflow.breakdowns import expected_calibration_error
from serflow.demo_layouts import plan_layout
from serflow.experiment import train_and_test
from serflow.fold_rows import part_rows
from serflow.folds_file import read_folds_file
from serflow.formats import read_entries
from serflow.leakage import LeakageError, check_fold, check_rows
from serflow.metrics import uar
from serflow.protocol_card import fold_card
from serflow.speaker_bootstrap import grouped_bootstrap_uar, paired_speaker_bootstrap
from serflow.split import SplitError, outer_split
from serflow.text_split import draw_test_texts, text_disjoint_split

from workflow_runner import SMALL_GRIDS, run_snakemake, write_config

EMODB_SPEAKERS = ["03", "08", "09", "10", "11", "12", "13", "14", "15", "16"]


def _metadata_of(fmt: str, root: Path, names: list[str]) -> pd.DataFrame:
    """The metadata fields a format reads from generated file names (no audio needed)."""
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).touch()
    entries = read_entries(fmt, root, {})
    rows = [{**entry.fields, "path": str(entry.path)} for entry in entries if not entry.problem]
    return pd.DataFrame(rows).sort_values("utterance", ignore_index=True)


@pytest.fixture(scope="module")
def emodb(tmp_path_factory) -> pd.DataFrame:
    clips = plan_layout("emodb", speakers=10, clips_per_class=3)
    return _metadata_of("emodb", tmp_path_factory.mktemp("emodb"), [c.relative for c in clips])


@pytest.fixture(scope="module")
def ravdess(tmp_path_factory) -> pd.DataFrame:
    clips = plan_layout("ravdess", speakers=6, clips_per_class=4)
    return _metadata_of("ravdess", tmp_path_factory.mktemp("ravdess"), [c.relative for c in clips])


def _no_test_text_in_training(metadata: pd.DataFrame, fold: dict) -> None:
    train, test = part_rows(metadata, fold, "train"), part_rows(metadata, fold, "test")
    assert not set(train["text"]) & set(test["text"])
    assert not set(train["speaker"]) & set(test["speaker"])
    # every utterance is in training, in the test or counted as left out
    left_out = fold["left_out_train"] + fold["left_out_test"]
    assert len(train) + len(test) + left_out == len(metadata)
    assert fold["left_out_train"] == int(
        (
            metadata["speaker"].isin(fold["train_speakers"])
            & metadata["text"].isin(fold["test_texts"])
        ).sum()
    )


@pytest.mark.parametrize("corpus", ["emodb", "ravdess"])
@pytest.mark.parametrize("scheme", ["holdout", "repeated_holdout"])
def test_text_disjoint_split_keeps_test_texts_out_of_training(request, corpus, scheme):
    metadata = request.getfixturevalue(corpus)
    settings = {"test_fraction": 0.34, "seed": 1, "cv_folds": 2}
    if scheme == "repeated_holdout":
        settings["repeats"] = 3
    split = outer_split(metadata, scheme, **settings)
    narrowed = text_disjoint_split(
        metadata, split, test_fraction=0.34, seed=1, cv_folds=2, dataset=corpus
    )
    assert len(narrowed["folds"]) == len(split["folds"])
    for fold in narrowed["folds"]:
        assert fold["test_texts"] and fold["left_out_train"] > 0
        _no_test_text_in_training(metadata, fold)
        # each fold draws its sentences with its own seed (a repeat's, or split.seed)
        texts = sorted(set(metadata["text"]))
        assert fold["test_texts"] == draw_test_texts(texts, 0.34, fold.get("seed", 1))


def test_loso_times_leave_one_text_out(ravdess):
    split = outer_split(ravdess, "loso", cv_folds=2)
    narrowed = text_disjoint_split(
        ravdess, split, test_fraction=0.3, seed=0, cv_folds=2, dataset="ravdess"
    )
    texts = sorted(set(ravdess["text"]))
    assert [f["fold"] for f in narrowed["folds"]] == [
        f"speaker-{s}-text-{t}" for s in sorted(set(ravdess["speaker"])) for t in texts
    ]
    tested = pd.concat(part_rows(ravdess, fold, "test") for fold in narrowed["folds"])
    assert sorted(tested["utterance"]) == sorted(ravdess["utterance"])  # every cell once
    for fold in narrowed["folds"]:
        _no_test_text_in_training(ravdess, fold)


def test_a_corpus_without_sentence_ids_is_refused_naming_dataset_and_key(emodb):
    split = outer_split(emodb, "holdout", test_fraction=0.3, seed=0, cv_folds=2)
    with pytest.raises(SplitError, match=r"datasets\.mine.*split\.disjoint.*text_column"):
        text_disjoint_split(
            emodb.drop(columns="text"), split, test_fraction=0.3, seed=0, cv_folds=2, dataset="mine"
        )
    with pytest.raises(SplitError, match=r"datasets\.mine: fold holdout.*emotion"):
        text_disjoint_split(emodb, split, test_fraction=0.3, seed=0, cv_folds=50, dataset="mine")


def test_leakage_guard_stops_a_planted_text_leak(emodb):
    split = outer_split(emodb, "holdout", test_fraction=0.3, seed=0, cv_folds=2)
    (fold,) = text_disjoint_split(
        emodb, split, test_fraction=0.34, seed=0, cv_folds=2, dataset="emodb"
    )["folds"]
    planted = {**fold, "train_texts": [*fold["train_texts"], fold["test_texts"][0]]}
    with pytest.raises(LeakageError, match="texts"):
        check_fold(planted)
    train, test = part_rows(emodb, fold, "train"), part_rows(emodb, fold, "test")
    leaked = pd.concat(
        [
            train,
            emodb[
                emodb["speaker"].isin(fold["train_speakers"])
                & emodb["text"].isin(fold["test_texts"])
            ].head(1),
        ]
    )
    with pytest.raises(LeakageError, match="text"):
        check_rows(leaked, test, ["utterance", "speaker", "text"])
    # the experiment runs the guard itself: a fold file edited to share a sentence stops it
    rng = np.random.default_rng(0)
    features = pd.DataFrame(rng.normal(size=(len(emodb), 4)), columns=list("abcd"))
    features.insert(0, "utterance", emodb["utterance"])
    with pytest.raises(LeakageError):
        train_and_test(features, emodb, planted, "lr", SMALL_GRIDS["lr"], cv_folds=2)


def test_card_counts_are_measured_for_each_scheme(emodb):
    for scheme, settings in [
        ("holdout", {"test_fraction": 0.3, "seed": 0}),
        ("repeated_holdout", {"test_fraction": 0.3, "seed": 0, "repeats": 2}),
        ("loso", {}),
    ]:
        split = outer_split(emodb, scheme, cv_folds=2, **settings)
        for fold in split["folds"]:
            card = fold_card(fold, part_rows(emodb, fold, "train"), part_rows(emodb, fold, "test"))
            assert card["shared_speakers"] == 0
            # a speaker split shares every sentence the test speakers say
            assert card["shared_texts"] == len(set(part_rows(emodb, fold, "test")["text"]))
        narrowed = text_disjoint_split(
            emodb, split, test_fraction=0.3, seed=0, cv_folds=2, dataset="emodb"
        )
        for fold in narrowed["folds"][:3]:
            train, test = part_rows(emodb, fold, "train"), part_rows(emodb, fold, "test")
            card = fold_card(fold, train, test)
            assert (card["shared_speakers"], card["shared_texts"]) == (0, 0)
            assert card["n_train"] + card["n_test"] + card["left_out_train"] + card[
                "left_out_test"
            ] == len(emodb)


def _speaker_effect_predictions(seed: int = 0) -> pd.DataFrame:
    """Test predictions with strong speaker effects: each speaker is mostly right or wrong."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(8):
        skill = 0.95 if s % 2 else 0.25
        for k in range(40):
            truth = "ab"[k % 2]
            right = rng.random() < skill
            rows.append((f"s{s}", truth, truth if right else "ba"[k % 2]))
    return pd.DataFrame(rows, columns=["speaker", "emotion", "predicted"])


def test_speaker_bootstrap_is_wider_than_the_utterance_one_with_speaker_effects():
    table = _speaker_effect_predictions()
    truth, predicted = table["emotion"].to_numpy(), table["predicted"].to_numpy()
    speaker = grouped_bootstrap_uar(truth, predicted, table["speaker"], resamples=4000)
    utterance = grouped_bootstrap_uar(truth, predicted, np.arange(len(table)), resamples=4000)
    assert speaker[0] < uar(truth, predicted) < speaker[1]
    assert (speaker[1] - speaker[0]) > 2 * (utterance[1] - utterance[0])


def test_speaker_bootstrap_equals_a_hand_computation_on_two_speakers():
    # speaker A: 3 of 4 right (UAR 0.75); speaker B: 1 of 4 right (UAR 0.25)
    truth = np.array(list("aabbaabb"))
    predicted = np.array(list("abbbbbab"))
    speakers = np.array(["A"] * 4 + ["B"] * 4)
    assert uar(truth[:4], predicted[:4]) == 0.75 and uar(truth[4:], predicted[4:]) == 0.25
    # resamples are AA, AB or BB: 2.5% and 97.5% quantiles are B's and A's UAR
    assert grouped_bootstrap_uar(truth, predicted, speakers, resamples=5000) == (0.25, 0.75)
    # the paired difference of a system with itself is 0 in every resample
    assert paired_speaker_bootstrap(truth, predicted, predicted, speakers)[:2] == (0.0, 0.0)
    # against an always-right system: A's difference -0.25, B's -0.75, both -0.5
    low, high, p = paired_speaker_bootstrap(truth, predicted, truth, speakers, resamples=5000)
    assert (low, high, p) == (-0.75, -0.25, 0.0)


def test_expected_calibration_error_by_hand():
    # bin 0.9: 2 rows, 1 right (|0.5 - 0.9| = 0.4); bin 0.6: 2 rows, both right (0.4)
    confidence = np.array([0.9, 0.9, 0.6, 0.6])
    correct = np.array([True, False, True, True])
    assert expected_calibration_error(confidence, correct) == pytest.approx(0.4)
    assert expected_calibration_error(np.array([1.0, 1.0]), np.array([True, True])) == 0.0


def write_emobox_folds(folder: Path, metadata: pd.DataFrame, folds: int = 2) -> Path:
    """EmoBox's published-fold layout for a corpus: fold_N/<name>_{train,test}_fold_N.jsonl,
    one JSON object a line (key, wav path, emotion, ...), utterances split at random so that
    every speaker is on both sides (speaker-dependent, as EmoBox's EmoDB folds are)."""
    rng = np.random.default_rng(0)
    order = rng.permutation(len(metadata))
    for n in range(1, folds + 1):
        test = set(order[n - 1 :: folds])
        (folder / f"fold_{n}").mkdir(parents=True, exist_ok=True)
        for part in ("train", "test"):
            lines = [
                json.dumps(
                    {
                        "key": f"emodb-{row.utterance}",
                        "dataset": "emodb",
                        "wav": f"downloads/EmoDB/wav/{Path(row.path).name}",
                        "type": "raw",
                        "sample_rate": 16000,
                        "emo": row.emotion,
                        "channel": 1,
                    }
                )
                for i, row in enumerate(metadata.itertuples())
                if (i in test) == (part == "test")
            ]
            (folder / f"fold_{n}" / f"emodb_{part}_fold_{n}.jsonl").write_text(
                "\n".join(lines) + "\n"
            )
    return folder


def test_emobox_folds_reproduce_their_lists_and_are_speaker_dependent(emodb, tmp_path):
    folder = write_emobox_folds(tmp_path / "emobox", emodb)
    split = read_folds_file(emodb, folder)
    assert [f["fold"] for f in split["folds"]] == ["fold-1", "fold-2"]
    for fold in split["folds"]:
        n = fold["fold"].split("-")[1]
        for part in ("train", "test"):
            listed = [
                Path(json.loads(line)["wav"]).stem
                for line in (folder / f"fold_{n}" / f"emodb_{part}_fold_{n}.jsonl")
                .read_text()
                .splitlines()
            ]
            assert sorted(part_rows(emodb, fold, part)["utterance"]) == sorted(listed)
        assert fold["speaker_dependent"] and fold["shared_speakers"] == sorted(EMODB_SPEAKERS)
        check_fold(fold)  # speakers may be shared; utterances not
    # a CSV utterance,fold,partition gives the same folds
    csv = tmp_path / "folds.csv"
    pd.DataFrame(
        [
            {"utterance": u, "fold": f["fold"].split("-")[1], "partition": part}
            for f in split["folds"]
            for part in ("train", "test")
            for u in f[f"{part}_utterances"]
        ]
    ).to_csv(csv, index=False)
    assert read_folds_file(emodb, csv)["folds"] == split["folds"]
    # a listed file the corpus lacks is named with its list and line
    extra = folder / "fold_1" / "emodb_test_fold_1.jsonl"
    extra.write_text(extra.read_text() + json.dumps({"wav": "x/99z99Zz.wav"}) + "\n")
    with pytest.raises(SplitError, match=r"emodb_test_fold_1\.jsonl, line \d+ lists '99z99Zz'"):
        read_folds_file(emodb, folder)


# --- the real workflow: one text-disjoint hold-out run, then the published folds ---------------


def _config(tmp: Path, **evaluation) -> dict:
    return {
        "datasets": {
            "emodb": {
                "format": "emodb",
                "source": "demo",
                "demo": {"clips_per_class": 3, "min_duration_s": 0.6, "max_duration_s": 0.9},
                "split": {"folds_file": evaluation.pop("folds_file", "")},
            }
        },
        "feature_sets": ["egemaps"],
        "classifiers": ["lr", "svm"],
        "grids": SMALL_GRIDS,
        "cv_folds": 3,
        "split": {"test_speakers": ["03", "13", "16"], "disjoint": evaluation.pop("disjoint")},
        "evaluation": {"bootstrap_resamples": 500, "permutations": 200, **evaluation},
    }


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> Path:
    workdir = tmp_path_factory.mktemp("protocols")
    write_config(workdir, _config(workdir, disjoint=["speaker", "text"]))
    run_snakemake(workdir, "--cores", "2")
    metadata = pd.read_parquet(workdir / "results/emodb/metadata.parquet")
    folds = write_emobox_folds(workdir / "emobox", metadata)
    config = _config(workdir, disjoint=["speaker"], scheme="folds", folds_file=str(folds))
    write_config(workdir, config, "folds.yaml")
    run_snakemake(workdir, "--cores", "2", configfile="folds.yaml")
    return workdir


@pytest.mark.workflow
def test_workflow_text_disjoint_holdout_card_and_breakdowns(runs):
    results = runs / "results/emodb"
    metadata = pd.read_parquet(results / "metadata.parquet")
    (fold,) = json.loads((results / "split.json").read_text())["folds"]
    predictions = pd.read_parquet(results / "classification/egemaps/lr/predictions.parquet")
    text_of = metadata.set_index("utterance")["text"]
    assert set(predictions["utterance"].map(text_of)) == set(fold["test_texts"])
    scores = json.loads((results / "classification/egemaps/lr/scores.json").read_text())
    card = scores["protocol"]
    assert (card["shared_speakers"], card["shared_texts"], card["shared_utterances"]) == (0, 0, 0)
    assert card["left_out_train"] == fold["left_out_train"] > 0
    assert card["n_test"] == len(predictions) and card["encoder"].startswith("openSMILE eGeMAPSv02")
    run = json.loads((results / "evaluation/holdout/protocol_card.json").read_text())
    assert (run["speakers"], run["texts"]) == ("speaker-independent", "text-independent")
    assert run["disjoint_asked"] == ["speaker", "text"] and len(run["split_sha256"]) == 64
    caption = (results / "results_matrix.md").read_text().splitlines()[0]
    assert "speaker-independent, text-independent" in caption
    assert f"{fold['left_out_train']} training utterance(s) left out" in caption
    per_speaker = pd.read_csv(
        results / "evaluation/holdout/uar_per_speaker.csv", dtype={"speaker": str}
    )
    assert sorted(per_speaker["speaker"].unique()) == ["03", "13", "16"]
    lr = per_speaker[per_speaker["classifier"] == "lr"].set_index("speaker")
    own = predictions[predictions["speaker"] == "03"]
    assert lr.loc["03", "uar"] == pytest.approx(
        100 * uar(own["emotion"], own["predicted"]), abs=0.05
    )
    genders = pd.read_csv(results / "evaluation/holdout/uar_per_gender.csv")
    assert set(genders["gender"]) == {"male", "female"}
    calibration = pd.read_csv(results / "evaluation/holdout/calibration.csv")
    assert list(calibration["classifier"]) == ["lr"]  # the SVM gives no probabilities
    assert 0 <= calibration.loc[0, "ece"] <= 100
    intervals = pd.read_csv(results / "evaluation/holdout/uar_interval.csv")
    assert (intervals["speaker_ci_low"] <= intervals["uar"] + 0.01).all()
    comparison = pd.read_csv(results / "evaluation/holdout/comparison.csv")
    assert {"speaker_ci_low", "speaker_ci_high", "speaker_p"} <= set(comparison.columns)


@pytest.mark.workflow
def test_workflow_probe_shows_normalisation_removes_speaker_information(runs):
    probe = pd.read_csv(runs / "results/emodb/evaluation/speaker_probe/egemaps.csv")
    (row,) = probe.itertuples()
    assert row.feature_set == "egemaps" and row.n_speakers == 10
    assert row.accuracy_raw > row.accuracy_normalised + 20


@pytest.mark.workflow
def test_workflow_published_folds_say_speaker_dependent(runs):
    results = runs / "results/emodb"
    split = json.loads((results / "split.folds.json").read_text())
    for fold in split["folds"]:
        n = fold["fold"].split("-")[1]
        listed = (runs / f"emobox/fold_{n}/emodb_test_fold_{n}.jsonl").read_text().splitlines()
        scores = json.loads(
            (results / f"classification/egemaps/lr/folds/{fold['fold']}/scores.json").read_text()
        )
        assert scores["protocol"]["n_test"] == len(listed)
        assert scores["protocol"]["shared_speakers"] == 10
    card = json.loads((results / "evaluation/folds/protocol_card.json").read_text())
    assert card["speakers"] == "speaker-dependent" and card["n_folds"] == 2
    assert "speaker-dependent" in (results / "results_matrix.folds.md").read_text()
