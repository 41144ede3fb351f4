"""The mlp classifier and regressor (serflow.mlp) and SUPERB's weighted sum of layers, without
Snakemake: determinism, early stopping on training speakers only, their grid and config checks,
their bundles (safetensors) and the identity that lets layer: weighted train from the stored
layer means."""

from __future__ import annotations

import copy

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import KFold
from test_config_check import demo_config

from serflow.bundle import BundleError, load_bundle, save_bundle
from serflow.classifiers import tune
from serflow.config_check import ConfigError, load, read_schemas
from serflow.cv_search import GroupedEstimatorSearch
from serflow.dimensional_bundle import refit_regressor, save_regressor_bundle
from serflow.grids import expand_grid, invalid_values
from serflow.layer_weighting import estimator_params, layer_count, pooled_weighted_sum
from serflow.leakage import LeakageError, check_early_stopping
from serflow.metrics import ccc
from serflow.mlp import MLPClassifier, MLPRegressor
from serflow.regression import grouped_folds, make_search, train_and_test
from serflow.ssl import embed_layers, load_encoder, save_random_encoder

from conftest import REPO

SCHEMAS = read_schemas(REPO / "workflow" / "schemas")


def _data(n_speakers: int = 8, per_speaker: int = 24, width: int = 12, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = np.tile(np.arange(4), n_speakers * per_speaker // 4)
    x = rng.normal(size=(len(y), width)).astype(np.float32)
    x[np.arange(len(y)), y] += 3.0  # each class lifts a feature of its own
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], per_speaker)
    return x, y, speakers


def test_two_fits_give_bit_identical_probabilities_and_stop_on_training_speakers():
    x, y, speakers = _data()
    params = dict(hidden_layers=[8], max_epochs=30, patience=3, learning_rate=0.01)
    first = MLPClassifier(**params, random_state=3).fit(x, y, groups=speakers)
    second = MLPClassifier(**params, random_state=3).fit(x, y, groups=speakers)
    assert np.array_equal(first.predict_proba(x), second.predict_proba(x))
    assert first.history_ == second.history_
    other = MLPClassifier(**params, random_state=4).fit(x, y, groups=speakers)
    assert not np.array_equal(first.predict_proba(x), other.predict_proba(x))
    record = first.training_record()
    assert set(record["validation_speakers"]) < set(speakers)
    assert len(record["validation_speakers"]) == 2  # 0.2 of 8 speakers, whole speakers
    assert record["best_epoch"] <= record["epochs_run"]
    assert record["stopped_early"] == (record["epochs_run"] < 30)
    assert first.score(x, y) > 0.5
    assert {"epoch", "train_loss", "validation_uar"} <= set(first.history_[0])
    balanced = MLPClassifier(**params, class_weight="balanced").fit(x, y, groups=speakers)
    assert balanced.predict_proba(x).shape == (len(y), 4)


def test_the_search_gives_each_fit_its_training_speakers_and_the_guard_fires():
    x, y, speakers = _data()
    folds = [
        (np.flatnonzero(~np.isin(speakers, held)), np.flatnonzero(np.isin(speakers, held)))
        for held in (["s0", "s1"], ["s2", "s3"], ["s4", "s5"])
    ]
    grid = [{"hidden_layers": [[]], "learning_rate": [0.01, 0.1], "max_epochs": [10]}]
    points = [{"hidden_layers": [], "learning_rate": lr, "max_epochs": 10} for lr in (0.01, 0.1)]
    assert invalid_values("mlp", grid) == []
    result = tune("mlp", points, x, y, folds=folds, groups=speakers)
    assert result.search.best_estimator_.validation_speakers_
    assert len(result.cv_results()) == 2
    with pytest.raises(ValueError, match="pass groups"):
        tune("mlp", points, x, y, folds=folds)
    with pytest.raises(LeakageError, match="early stopping used speaker"):
        check_early_stopping(["s1", "s7"], np.array(["s7", "s8"]), "fold holdout")
    check_early_stopping(["s1"], np.array(["s7"]), "fold holdout")


def test_bad_grid_values_are_named_at_parse_time():
    lines = invalid_values(
        "mlp",
        [{"hidden_layers": [[0]], "dropout": [1.5], "learning_rate": [0], "learning_rat": [0.1]}],
    )
    text = "\n".join(lines)
    assert "grids.mlp[0].hidden_layers: [0] is not a valid value" in text
    assert "grids.mlp[0].dropout: 1.5" in text and "grids.mlp[0].learning_rate: 0" in text
    assert "learning_rat is not a parameter of mlp; did you mean learning_rate?" in text


def test_layer_weighted_needs_a_classifier_that_learns_layer_weights(tmp_path):
    config = demo_config()
    config["ssl"] = {"encoders": {"w2v": {"model": str(tmp_path), "layer": "weighted"}}}
    config["feature_sets"] = ["egemaps", "w2v"]
    config["classifiers"] = ["mlp", "svm"]
    with pytest.raises(ConfigError, match=r"ssl.encoders.w2v.layer is weighted.*\['svm'\]"):
        load(copy.deepcopy(config), SCHEMAS)
    config["classifiers"] = ["mlp"]
    assert load(config, SCHEMAS).classifiers == ["mlp"]
    columns = [f"l{k:02d}_mean_{i:04d}" for k in range(3) for i in range(5)]
    assert layer_count(columns) == 3 and layer_count(["mean_0000"]) == 1
    assert estimator_params("mlp", columns) == {"n_layers": 3}
    with pytest.raises(ValueError, match="svm cannot learn layer weights"):
        estimator_params("svm", columns)


def test_the_bundle_holds_the_weights_as_safetensors(tmp_path):
    x, y, speakers = _data()
    model = MLPClassifier(hidden_layers=[8], max_epochs=5).fit(x, y, groups=speakers)
    names = [f"f{i}" for i in range(x.shape[1])]
    mean, std = np.zeros(x.shape[1]), np.ones(x.shape[1])
    manifest = save_bundle(
        tmp_path, model, names, mean, std, {"feature_set": "egemaps"}, list("abcd")
    )
    assert manifest["weights_file"] == "model.safetensors"
    assert hasattr(model, "weights_")  # the fitted model itself is left whole
    loaded = load_bundle(tmp_path)
    assert np.array_equal(loaded.classifier.predict_proba(x), model.predict_proba(x))
    with open(tmp_path / "model.safetensors", "r+b") as stream:
        stream.seek(-4, 2)
        stream.write(b"\0\0\0\0")
    with pytest.raises(BundleError, match="model.safetensors is damaged"):
        load_bundle(tmp_path)


def test_weighted_sum_of_pooled_means_equals_pooling_the_weighted_frames(tmp_path):
    """SUPERB sums the frame-level layers, then pools; serflow weighs the stored pooled means."""
    encoder = load_encoder(str(save_random_encoder(tmp_path / "tiny", "wav2vec2")))
    rng = np.random.default_rng(0)
    clip = (0.1 * rng.standard_normal(16000)).astype(np.float32)
    stored = embed_layers([clip], encoder, device="cpu").mean  # (1, layers, hidden)
    inputs = encoder.feature_extractor(clip, sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        hidden = encoder.model(inputs["input_values"], output_hidden_states=True).hidden_states
    frames = torch.stack(hidden, 1)[0].double().numpy()  # (layers, frames, hidden)
    weights = np.exp(rng.normal(size=len(frames)))
    weights /= weights.sum()
    frame_level = np.einsum("l,lth->th", weights, frames).mean(0)
    np.testing.assert_allclose(pooled_weighted_sum(stored, weights)[0], frame_level, atol=1e-5)
    # the mlp's first stage is that same sum: a linear head on it gives its probabilities
    x = stored.reshape(1, -1).repeat(8, 0) + rng.normal(size=(8, stored[0].size)) * 0.1
    y, groups = np.arange(8) % 2, np.repeat(["a", "b", "c", "d"], 2)
    head = MLPClassifier(hidden_layers=[], n_layers=len(frames), max_epochs=3).fit(
        x, y, groups=groups
    )
    learned = head.layer_weights_
    summed = pooled_weighted_sum(x.reshape(8, len(frames), -1), learned)
    logits = summed @ head.weights_["head.0.weight"].T + head.weights_["head.0.bias"]
    expected = np.exp(logits - logits.max(1, keepdims=True))
    expected /= expected.sum(1, keepdims=True)
    np.testing.assert_allclose(head.predict_proba(x), expected, atol=1e-5)


# -- the mlp_regressor (task dimensional) ---------------------------------------------------

REGRESSOR_PARAMS = dict(hidden_layers=[16], max_epochs=60, patience=8, learning_rate=0.01)


def _linear_data(n_speakers: int = 8, per_speaker: int = 30, width: int = 10, seed: int = 0):
    """A target linear in two features plus noise, on a 1-5 scale, and each row's speaker."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n_speakers * per_speaker, width)).astype(np.float32)
    y = 3.0 + 0.8 * x[:, 0] - 0.5 * x[:, 1] + 0.2 * rng.normal(size=len(x))
    speakers = np.repeat([f"s{i}" for i in range(n_speakers)], per_speaker)
    return x, y, speakers


def test_the_regressor_learns_a_linear_target_of_unseen_speakers_deterministically():
    x, y, speakers = _linear_data()
    train, test = ~np.isin(speakers, ["s6", "s7"]), np.isin(speakers, ["s6", "s7"])
    first = MLPRegressor(**REGRESSOR_PARAMS, random_state=3)
    first.fit(x[train], y[train], groups=speakers[train])
    predicted = first.predict(x[test])
    assert ccc(y[test], predicted) > 0.5
    # better than predicting the training mean, on the target's own 1-5 scale
    mean_error = np.mean((y[test] - y[train].mean()) ** 2)
    assert np.mean((y[test] - predicted) ** 2) < 0.5 * mean_error
    second = MLPRegressor(**REGRESSOR_PARAMS, random_state=3)
    second.fit(x[train], y[train], groups=speakers[train])
    assert np.array_equal(second.predict(x[test]), predicted)
    assert first.history_ == second.history_
    other = MLPRegressor(**REGRESSOR_PARAMS, random_state=4)
    other.fit(x[train], y[train], groups=speakers[train])
    assert not np.array_equal(other.predict(x[test]), predicted)
    # early stopping by the CCC of whole training speakers, none of them a test speaker
    record = first.training_record()
    assert len(record["validation_speakers"]) == 1  # round(0.2 * 6 speakers)
    assert set(record["validation_speakers"]) < set(speakers[train])
    assert {"epoch", "train_loss", "validation_ccc"} <= set(first.history_[0])
    best = max(epoch["validation_ccc"] for epoch in first.history_)
    assert first.history_[record["best_epoch"] - 1]["validation_ccc"] == best
    # the standardisation comes from the training rows the network learns from
    held = np.isin(speakers, record["validation_speakers"])
    assert first.target_mean_ == pytest.approx(y[train & ~held].mean())
    with pytest.raises(ValueError, match="one dimension at a time"):
        MLPRegressor().fit(x, np.column_stack([y, y]), groups=speakers)


def _regression_tables(x, y, speakers):
    features = pd.DataFrame(x, columns=[f"f{i}" for i in range(x.shape[1])])
    features.insert(0, "utterance", [f"u{i:03d}" for i in range(len(y))])
    metadata = pd.DataFrame(
        {"utterance": features["utterance"], "speaker": speakers, "target_arousal": y}
    )
    return features, metadata


def test_the_regressor_search_stops_on_training_speakers_only_and_the_guard_fires():
    x, y, speakers = _linear_data()
    features, metadata = _regression_tables(x, y, speakers)
    fold = {"fold": "holdout", "train_speakers": [f"s{i}" for i in range(6)],
            "test_speakers": ["s6", "s7"]}  # fmt: skip
    grid = {"learning_rate": [0.01, 0.03], **{k: [v] for k, v in REGRESSOR_PARAMS.items()
                                             if k != "learning_rate"}}  # fmt: skip
    [outcome] = train_and_test(
        features, metadata, fold, "mlp_regressor", grid, ["arousal"], cv_folds=3
    )
    search = outcome.tuning.search
    assert isinstance(search, GroupedEstimatorSearch) and search.n_splits_ == 3
    refit = search.best_estimator_.validation_speakers_
    assert refit and set(refit) < set(fold["train_speakers"])
    predictions = outcome.predictions
    assert set(predictions["speaker"]) == {"s6", "s7"}
    assert ccc(predictions["true"], predictions["predicted"]) > 0.5
    # folds that split speakers' rows: a fit's validation speakers are also scored on, and the
    # guard stops the search
    points, _ = expand_grid("mlp_regressor", grid)
    row_folds = list(KFold(3).split(x))
    leaky = make_search("mlp_regressor", points[:1], speakers, folds=row_folds, seed=0)
    with pytest.raises(LeakageError, match="early stopping used speaker"):
        leaky.fit(x, y)
    with pytest.raises(ValueError, match="pass speakers"):
        make_search("mlp_regressor", points, folds=grouped_folds(speakers, 3), seed=0)
    lines = invalid_values("mlp_regressor", [{"patience": [0], "class_weight": ["balanced"]}])
    assert "grids.mlp_regressor[0].patience: 0 is not a valid value" in lines[0]
    assert "class_weight is not a parameter of mlp_regressor" in lines[1]


def test_a_regressor_bundle_holds_each_dimensions_weights_as_safetensors(tmp_path):
    x, y, speakers = _linear_data(per_speaker=12)
    point = {**REGRESSOR_PARAMS, "max_epochs": 5}
    models = {
        dimension: refit_regressor("mlp_regressor", [], point, x, target, 0, groups=speakers)
        for dimension, target in (("arousal", y), ("valence", -y))
    }
    names = [f"f{i}" for i in range(x.shape[1])]
    manifest = save_regressor_bundle(
        tmp_path, models, {"arousal": [1, 5], "valence": [-5, 5]}, names,
        np.zeros(len(names)), np.ones(len(names)), {"feature_set": "egemaps"},
    )  # fmt: skip
    assert manifest["weights_file"] == "model.safetensors"
    assert all(hasattr(model, "weights_") for model in models.values())  # left whole
    from safetensors.numpy import load_file

    stored = load_file(tmp_path / "model.safetensors")
    assert {name.split("/")[0] for name in stored} == {"arousal", "valence"}
    loaded = load_bundle(tmp_path)
    outputs = loaded.outputs(x)
    assert list(outputs.columns) == ["arousal", "valence"]
    for dimension, model in models.items():
        assert np.array_equal(outputs[dimension].to_numpy(), model.predict(x))
    with pytest.raises(ValueError, match="refitted on the training rows' speakers"):
        refit_regressor("mlp_regressor", [], point, x, y, 0)
