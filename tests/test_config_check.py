"""serflow.config_check.load: the workflow's parse-time checks, without Snakemake."""

from __future__ import annotations

import copy

import pytest
import yaml

from serflow import classifier_registry
from serflow.config_check import ConfigError, load, read_schemas

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
        assert estimator.get_params().get("random_state") == (3 if spec.seeded else None)
        assert classifier_registry.CLASSIFIER_NAMES[name] == spec.display_name
    assert classifier_registry.spec("linear_svm").make(0).__class__.__name__ == "LinearSVC"
    assert classifier_registry.CLASSIFIER_NAMES["xgb"] == "XGBoost"
    with pytest.raises(ValueError, match="unknown"):
        classifier_registry.spec("naive_bayes")
