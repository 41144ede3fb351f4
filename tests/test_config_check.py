"""serflow.config_check.load: the workflow's parse-time checks, without Snakemake."""

from __future__ import annotations

import copy

import pytest
import yaml

from serflow import classifier_registry
from serflow.config_check import ConfigError, load, read_schemas
from serflow.dataset_config import results_settings

from conftest import REPO

SCHEMAS = read_schemas(REPO / "workflow" / "schemas")


def demo_config() -> dict:
    """config/config.yaml with config/demo.yaml's datasets, as Snakemake would merge them."""
    config = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    demo = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    config.update(demo)
    return config


def test_defaults_come_from_the_schemas_and_the_settings_name_what_the_rules_read():
    config = demo_config()
    settings = load(config, SCHEMAS, command_line={"datasets": config["datasets"]})
    assert list(settings.datasets) == ["demo"]
    demo = settings.datasets["demo"]
    # every dataset key got its default, also the nested ones (workflow/schemas)
    assert demo["verify_checksums"] is False and demo["path"] == ""
    assert demo["demo"]["seed"] == 0 and demo["demo"]["max_duration_s"] == 4.0
    assert settings.config["evaluation"]["scheme"] == "holdout"
    assert settings.classifiers == config["classifiers"]
    assert settings.ssl_models == {} and settings.exported_models == []


def test_a_minimal_config_gets_every_default_and_loading_twice_changes_nothing():
    config = {"datasets": {"demo": {"format": "emodb", "source": "demo"}}}
    first = load(config, SCHEMAS)
    snapshot = copy.deepcopy(first.config)
    again = load(copy.deepcopy(snapshot), SCHEMAS)
    assert again.config == snapshot
    assert set(first.config["grids"]) == set(classifier_registry.REGISTRY)
    assert first.config["classifiers"] == ["lr", "svm", "rf"]


def test_a_dataset_s_results_settings_are_its_entry_and_what_changes_its_results():
    config = {
        "datasets": {
            "one": {"format": "emodb", "source": "demo"},
            "two": {"format": "emodb", "source": "demo", "demo": {"seed": 1}},
        },
        "threads": {"tune": 4},
        "audio": {"shard_minutes": 5},
    }
    load(config, SCHEMAS)
    settings = results_settings(config, "two")
    assert (
        list(settings["datasets"]) == ["two"] and settings["datasets"]["two"]["demo"]["seed"] == 1
    )
    assert not {"threads", "export", "predict", "cross_corpus"} & set(settings)
    assert "shard_minutes" not in settings["audio"] and settings["audio"]["sample_rate"] == 16000
    assert settings["grids"] == config["grids"] and settings["evaluation"] == config["evaluation"]
    # what a results rule writes as YAML is the same whatever the shards or threads
    other = copy.deepcopy(config) | {"threads": {"tune": 1}}
    other["audio"]["shard_minutes"] = 60
    assert yaml.safe_dump(results_settings(other, "two")) == yaml.safe_dump(settings)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"classifiers": ["lr", "xgboost"]}, r"classifiers: 'xgboost' is not a classifier"),
        ({"feature_sets": ["egemap"]}, r"feature_sets: .*egemap"),
        ({"evaluation": {"scheme": "losoo"}}, r"config key evaluation\.scheme: 'losoo'"),
        ({"grids": {"svm": [{"C": [1.0], "kernel": ["foo"]}]}}, r"grids\.svm\[0\]\.kernel"),
        ({"cross_corpus": {"emotions": ["anger", "happiness"]}}, r"at least two datasets"),
        (
            {"export": {"models": [{"feature_set": "compare", "classifier": "lr"}]}},
            r"export\.models names \(compare, lr\)",
        ),
        ({"export": {"train_on": "everyone"}}, r"config key export\.train_on: 'everyone'"),
        ({"balance": "smote"}, r"config key balance: 'smote' is not one of"),
        (
            {"balance": "class_weight", "classifiers": ["lr", "knn"]},
            r"balance: class_weight, but classifier 'knn' takes no class weights",
        ),
    ],
)
def test_a_bad_value_is_named_by_its_key(change, message):
    config = {"datasets": {"demo": {"format": "emodb", "source": "demo"}}, **change}
    config.setdefault("feature_sets", ["egemaps"])
    with pytest.raises(ConfigError, match=message):
        load(config, SCHEMAS)


def test_a_bad_dataset_value_names_the_dataset():
    config = {"datasets": {"mine": {"format": "emodb", "source": "folder", "path": "/nowhere"}}}
    with pytest.raises(ConfigError, match=r"datasets\.mine\.path '/nowhere' does not exist"):
        load(config, SCHEMAS)
    config = {"datasets": {"mine": {"format": "emodb", "source": "demo", "demo": {"seed": "x"}}}}
    with pytest.raises(ConfigError, match=r"config key datasets\.mine\.demo\.seed"):
        load(config, SCHEMAS)


def test_a_local_ssl_model_must_be_a_folder(tmp_path):
    config = {
        "datasets": {"demo": {"format": "emodb", "source": "demo"}},
        "feature_sets": ["tiny"],
        "ssl": {"encoders": {"tiny": {"model": str(tmp_path / "missing")}}},
    }
    with pytest.raises(ConfigError, match=r"ssl\.encoders\.tiny\.model .* is not a directory"):
        load(config, SCHEMAS)
    (tmp_path / "missing").mkdir()
    assert load(config, SCHEMAS).ssl_models == {"tiny": str((tmp_path / "missing").resolve())}


def test_the_registry_names_builds_and_checks_every_classifier():
    for name, spec in classifier_registry.REGISTRY.items():
        estimator = spec.make(seed=3)
        if spec.seeded:
            assert estimator.get_params()["random_state"] == 3
        assert classifier_registry.CLASSIFIER_NAMES[name] == spec.display_name
    assert classifier_registry.spec("linear_svm").make(0).__class__.__name__ == "LinearSVC"
    assert classifier_registry.CLASSIFIER_NAMES["xgb"] == "XGBoost"
    with pytest.raises(ValueError, match="unknown"):
        classifier_registry.spec("naive_bayes")


RIDGE_EXPORT = {"feature_set": "egemaps", "classifier": "ridge"}


def dimensional_config(**targets) -> dict:
    return {
        "task": ["categorical", "dimensional"],
        "datasets": {"dim": {"format": "csv", "source": "demo", "targets": targets}},
    }


def test_a_dimensional_config_names_its_dimensions_and_regressors():
    settings = load(dimensional_config(arousal={"range": [1, 5]}), SCHEMAS)
    assert settings.tasks == ("categorical", "dimensional")
    assert settings.regressors == ("ridge", "svr", "rf_regressor")
    assert settings.dimensions == {"dim": ["arousal"]}
    assert settings.dimensional_datasets == ["dim"]
    assert classifier_registry.of_task("dimensional") == [
        "ridge",
        "svr",
        "rf_regressor",
        "mlp_regressor",
    ]
    config = dimensional_config(arousal={"range": [1, 5]}) | {"regressors": ["mlp_regressor"]}
    settings = load(config, SCHEMAS)
    assert settings.regressors == ("mlp_regressor",)
    assert config["grids"]["mlp_regressor"] == config["grids"]["mlp"]  # the same default


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda c: c["datasets"]["dim"].update(format="emodb"), "has no continuous labels"),
        (lambda c: c["datasets"]["dim"]["targets"]["arousal"].update(range=[5, 1]), "low < high"),
        (lambda c: c["datasets"]["dim"].update(targets={}), "task dimensional needs targets"),
        (lambda c: c.update(regressors=["lasso"]), "regressors: 'lasso' is not a regressor"),
        (lambda c: c.update(regressors=["svm"]), "regressors: 'svm' is not a regressor"),
        (lambda c: c.update(grids={"ridge": {"alpha": [-1.0]}}), r"grids.ridge\[0\].alpha"),
        (lambda c: c.update(grids={"svr": {"epsilon": ["x"]}}), r"grids.svr\[0\].epsilon"),
        (lambda c: c.update(regressors=["mlp"]), "'mlp' is not a regressor; .*mlp_regressor"),
        (
            lambda c: c.update(
                regressors=["mlp_regressor"], grids={"mlp_regressor": {"dropout": [1.5]}}
            ),
            r"grids.mlp_regressor\[0\].dropout: 1.5",
        ),
        (
            lambda c: c.update(cross_corpus={"dimensions": ["arousal"]}),
            r"cross_corpus.dimensions: 'arousal' is a target of \['dim'\]",
        ),
        (
            lambda c: c.update(cross_corpus={"dimensions": ["valence"]}),
            "cross_corpus.dimensions: 'valence' is a target of no dataset",
        ),
        (
            lambda c: c.update(task="categorical", export={"models": [RIDGE_EXPORT]}),
            r"export.models names \(egemaps, ridge\)",
        ),
    ],
)
def test_a_bad_dimensional_setting_is_named_at_parse_time(change, message):
    config = dimensional_config(arousal={"range": [1, 5]})
    change(config)
    with pytest.raises(ConfigError, match=message):
        load(config, SCHEMAS)


def test_cross_corpus_dimensions_and_a_regressor_export_of_two_datasets_are_accepted():
    config = dimensional_config(arousal={"range": [1, 5]})
    config["datasets"]["dim2"] = {
        "format": "csv", "source": "demo", "targets": {"arousal": {"range": [0, 10]}}
    }  # fmt: skip
    config |= {"cross_corpus": {"dimensions": ["arousal"]}, "export": {"models": [RIDGE_EXPORT]}}
    settings = load(config, SCHEMAS)
    assert settings.dimensional_datasets == ["dim", "dim2"]
    assert settings.exported_models == [("egemaps", "ridge")]
    assert config["cross_corpus"]["dimensions"] == ["arousal"]
