"""Config checks that give a one-line message where the schema's own error would not help."""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


class ConfigError(ValueError):
    """A config value that cannot work; the message names the key and what to write instead."""


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the definition its ``$ref`` points at."""
    ref = node.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return schema["definitions"][ref.rsplit("/", 1)[-1]]
    return node


def unknown_keys(
    config: dict[str, Any], schema: dict[str, Any], node: dict[str, Any] | None = None, prefix=""
) -> list[str]:
    """One line per config key that the schema does not know, naming the nearest valid key."""
    node = _resolve(schema if node is None else node, schema)
    known = node.get("properties", {})
    if not known or not isinstance(config, dict):
        return []
    lines = []
    for key, value in config.items():
        if key not in known:
            if node.get("additionalProperties", True) is False:
                nearest = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
                hint = (
                    f"did you mean {prefix}{nearest[0]}?"
                    if nearest
                    else f"the keys here are {', '.join(known)}"
                )
                lines.append(f"unknown config key {prefix}{key}: {hint} (see config/README.md)")
            continue
        lines += unknown_keys(value, schema, known[key], f"{prefix}{key}.")
    return lines


def check_config(config: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> None:
    """Raise :class:`ConfigError` for an unknown key or a speaker id that YAML read as a number.

    Run before the schema validation, whose message for these prints the whole schema.
    """
    lines = unknown_keys(config, schema, prefix=prefix)
    for speaker in (config.get("split") or {}).get("test_speakers") or []:
        if isinstance(speaker, int | float):
            lines.append(
                f"{prefix}split.test_speakers: {speaker!r} is a number, but speaker ids are "
                "strings: quote them, e.g. test_speakers: ['03', '08'] (YAML reads 03 as 3)"
            )
    if lines:
        raise ConfigError("\n".join(lines))


# --- the whole config, as the workflow's parse reads it ------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the rule files read from a checked config (every default filled in).

    ``ssl_models`` maps each SSL feature set of the run to its hub id or its local directory
    (absolute); ``exported_models`` lists the (feature set, classifier) pairs of
    ``export.models``.
    """

    config: dict[str, Any]
    datasets: dict[str, dict[str, Any]]
    feature_sets: list[str]
    classifiers: list[str]
    ssl_encoders: dict[str, dict[str, Any]]
    ssl_models: dict[str, str]
    cross_corpus_emotions: list[str]
    exported_models: list[tuple[str, str]]
    tasks: tuple[str, ...] = ("categorical",)
    regressors: tuple[str, ...] = ()
    dimensions: dict[str, list[str]] | None = None

    @property
    def dimensional_datasets(self) -> list[str]:
        """The datasets with targets, which task dimensional runs on."""
        return [name for name, targets in (self.dimensions or {}).items() if targets]


#: The schemas :func:`load` checks a config with, by name (workflow/schemas/<name>.schema.yaml).
SCHEMA_NAMES = ("config", "dataset", "ssl_encoder")


def read_schema(path: str | Path) -> dict[str, Any]:
    """A schema file, read with libyaml's loader where PyYAML has it (ten times faster than the
    pure-Python one; the parse reads every schema)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path) as stream:
        return yaml.load(stream, Loader=loader)


def read_schemas(folder: str | Path) -> dict[str, dict[str, Any]]:
    """Every schema of :data:`SCHEMA_NAMES` in ``folder`` (workflow/schemas)."""
    return {name: read_schema(Path(folder) / f"{name}.schema.yaml") for name in SCHEMA_NAMES}


def fill_defaults(instance: dict[str, Any], schema: dict[str, Any], where: str = "") -> None:
    """Validate ``instance`` against ``schema``, setting every missing key that has a default.

    The defaults are set as the schema is walked (jsonschema's documented way, and what
    Snakemake's ``validate`` does), so nested objects get theirs too. An invalid value raises
    :class:`ConfigError` naming its key (``where`` prefixes it, e.g. ``datasets.emodb.``).
    """
    import jsonschema
    from jsonschema import validators

    base = jsonschema.Draft202012Validator
    properties = base.VALIDATORS["properties"]

    def set_defaults(validator, subschemas, node, subschema):
        for key, prop in subschemas.items():
            if "default" in prop and isinstance(node, dict):
                node.setdefault(key, copy.deepcopy(prop["default"]))
        yield from properties(validator, subschemas, node, subschema)

    filling = validators.extend(base, {"properties": set_defaults})
    error = jsonschema.exceptions.best_match(filling(schema).iter_errors(instance))
    if error is not None:
        key = ".".join(str(part) for part in error.absolute_path)
        raise ConfigError(
            f"config key {where}{key or '(top level)'}: {error.message} (see config/README.md)"
        )


def _checked(instance: dict[str, Any], schema: dict[str, Any], where: str) -> None:
    """Unknown keys first (one line each, the nearest known key named), then the schema."""
    check_config(instance, schema, prefix=where)
    fill_defaults(instance, schema, where)


def tasks_of(config: dict[str, Any]) -> tuple[str, ...]:
    """The config's ``task`` as a tuple, categorical first (one name or a list of them)."""
    task = config["task"]
    chosen = {task} if isinstance(task, str) else set(task)
    return tuple(name for name in ("categorical", "dimensional") if name in chosen)


def _grid_problems(config: dict[str, Any], grid_checks: Path | None) -> list[str]:
    """Classifiers (and, for task dimensional, regressors) that are unknown or have no grid,
    classifiers that ``balance: class_weight`` cannot weight, and grid values scikit-learn
    rejects."""
    from serflow.classifier_registry import unknown_classifiers, unweighted_classifiers
    from serflow.grids import invalid_values, remembered_invalid_values

    tasks = tasks_of(config)
    classifiers = config["classifiers"] if "categorical" in tasks else []
    regressors = config["regressors"] if "dimensional" in tasks else []
    problems = unknown_classifiers(classifiers) + unknown_classifiers(regressors, "dimensional")
    if problems:
        return problems
    problems = unweighted_classifiers(classifiers, config["balance"])
    if problems:
        return problems
    classifiers = [*classifiers, *regressors]
    missing = sorted(set(classifiers) - set(config["grids"]))
    if missing:
        return [f"classifiers {missing} have no grid: add them under grids:"]
    return [
        line
        for classifier in classifiers
        for line in (
            remembered_invalid_values(classifier, config["grids"][classifier], grid_checks)
            if grid_checks is not None
            else invalid_values(classifier, config["grids"][classifier])
        )
    ]


def _layer_weighting_problems(config: dict[str, Any]) -> list[str]:
    """Encoders with ``layer: weighted`` among the feature sets need classifiers that learn
    layer weights (the others would get every layer's features side by side)."""
    from serflow.layer_weighting import LAYER_WEIGHTING_CLASSIFIERS, WEIGHTED

    encoders = config["ssl"]["encoders"]
    weighted = [n for n in config["feature_sets"] if encoders.get(n, {}).get("layer") == WEIGHTED]
    others = [c for c in config["classifiers"] if c not in LAYER_WEIGHTING_CLASSIFIERS]
    if not weighted or not others:
        return []
    learners = ", ".join(LAYER_WEIGHTING_CLASSIFIERS)
    return [
        f"ssl.encoders.{name}.layer is weighted, which only {learners} can learn, but "
        f"classifiers also lists {others}: set classifiers to "
        f"{list(LAYER_WEIGHTING_CLASSIFIERS)}, or give {name} layer auto or a number"
        for name in weighted
    ]


def _dataset_problems(config: dict[str, Any]) -> list[str]:
    """Each dataset entry's source and emotions, the test speakers and the cross-corpus set."""
    from serflow import dataset_config
    from serflow.emotions import EmotionError, check_selection

    datasets = config["datasets"]
    for name, settings in datasets.items():
        dataset_config.expand_path(settings)
        problems = dataset_config.source_problems(name, settings)
        try:
            check_selection(settings["emotions"], f"datasets.{name}.emotions")
        except EmotionError as error:
            problems.append(str(error))
        if problems:
            return problems
    problems = dataset_config.test_speaker_problems(datasets, config["split"]["test_speakers"])
    emotions = config["cross_corpus"]["emotions"]
    try:
        check_selection(emotions, "cross_corpus.emotions")
    except EmotionError as error:
        problems.append(str(error))
    if emotions and len(datasets) < 2:
        problems.append("cross_corpus.emotions needs at least two datasets under datasets:")
    return problems


def _target_problems(config: dict[str, Any]) -> list[str]:
    """Targets on a format without continuous labels, empty or reversed ranges, and task
    dimensional without any dataset that has targets."""
    problems = []
    for name, settings in config["datasets"].items():
        where = f"datasets.{name}.targets"
        targets = settings["targets"]
        if targets and settings["format"] not in ("csv", "audformat"):
            problems.append(
                f"{where}: a {settings['format']} corpus has no continuous labels; targets are "
                "read from a csv manifest's columns or an audformat table's"
            )
        for dimension, target in targets.items():
            low, high = target["range"]
            if not low < high:
                problems.append(
                    f"{where}.{dimension}.range {target['range']}: give [low, high] with low < "
                    "high, the scale the corpus rates the dimension on (e.g. [1, 5])"
                )
    for dimension in config["cross_corpus"]["dimensions"]:
        having = [n for n, d in config["datasets"].items() if dimension in d["targets"]]
        if "dimensional" not in tasks_of(config) or len(having) < 2:
            problems.append(
                f"cross_corpus.dimensions: {dimension!r} is a target of {having or 'no dataset'}"
                "; list dimensions that at least two datasets have under targets:, with task "
                "dimensional"
            )
    if "dimensional" in tasks_of(config) and not any(
        settings["targets"] for settings in config["datasets"].values()
    ):
        problems.append(
            "task dimensional needs targets: give a csv or audformat dataset its targets, e.g. "
            "targets: {arousal: {column: arousal, range: [1, 5]}} (see config/README.md)"
        )
    return problems


def local_model_or_hub_id(feature_set: str, model: str) -> str:
    """The hub id, or the local directory (made absolute, checked to exist), of an encoder."""
    path = Path(model).expanduser()
    if path.is_absolute() or model.startswith((".", "~")):
        if not path.is_dir():
            raise ConfigError(
                f"ssl.encoders.{feature_set}.model {model!r} is not a directory; give "
                "a folder written by save_pretrained / hf download, or a hub id"
            )
        return str(path.resolve())
    return model


def _export_problems(config: dict[str, Any]) -> list[str]:
    """Exported models the benchmark does not run, and a predict.input that cannot work."""
    from serflow import feature_sets as registry

    tasks = tasks_of(config)
    feature_sets = config["feature_sets"]
    classifiers = [
        *(config["classifiers"] if "categorical" in tasks else []),
        *(config["regressors"] if "dimensional" in tasks else []),
    ]
    problems = [
        f"export.models names ({m['feature_set']}, {m['classifier']}), which the benchmark "
        f"does not run: choose a feature set of feature_sets {feature_sets} and a classifier "
        f"of classifiers {classifiers}"
        for m in config["export"]["models"]
        if m["feature_set"] not in feature_sets or m["classifier"] not in classifiers
    ]
    problems += [
        f"export.models names {m['feature_set']}, a fused feature set: serflow predict "
        "extracts one feature set from audio; export one of its parts instead"
        for m in config["export"]["models"]
        if registry.is_fused(m["feature_set"])
    ]
    source = config["predict"]["input"]
    if source and not config["export"]["models"]:
        problems.append(
            "predict.input is set but export.models is empty: name the model(s) to predict with"
        )
    elif source and not Path(source).exists():
        problems.append(
            f"predict.input {source!r} does not exist: give an audio file, a folder of them "
            "(sub-folders: one per speaker) or a CSV with a 'file' column"
        )
    return problems


def load(
    config: dict[str, Any],
    schemas: dict[str, dict[str, Any]],
    *,
    command_line: dict[str, Any] | None = None,
    grid_checks: Path | None = None,
) -> Settings:
    """Check ``config`` (in place: defaults are filled in) and return what the rules read.

    ``schemas`` holds the schemas of :data:`SCHEMA_NAMES` (:func:`read_schemas`);
    ``command_line`` the config given with --configfile / --config
    (its ``datasets`` replace the default ones whole); ``grid_checks`` a folder that remembers
    grids already checked against scikit-learn (see :func:`serflow.grids.remembered_invalid_values`;
    ``None`` checks every time). Raises :class:`ConfigError` whose message names each bad key
    and what to write instead. Nothing here reads a corpus or runs a job.
    """
    from serflow import dataset_config
    from serflow import feature_sets as registry

    if "dataset" in config or "corpus" in config:
        raise ConfigError(dataset_config.OLD_KEYS)
    dataset_config.command_line_datasets(config, command_line or {})
    main, dataset_schema, encoder_schema = (schemas[name] for name in SCHEMA_NAMES)
    check_config(config, main)
    for name, settings in (config.get("datasets") or {}).items():
        check_config(settings or {}, dataset_schema, prefix=f"datasets.{name}.")
        try:
            dataset_config.fill_source(name, settings, dataset_schema)
        except dataset_config.DatasetConfigError as error:
            raise ConfigError(str(error)) from None
    fill_defaults(config, main)
    encoders = config["ssl"]["encoders"]
    for name in encoders:
        encoders[name] = encoders[name] or {}
        _checked(encoders[name], encoder_schema, f"ssl.encoders.{name}.")
    unknown = registry.unknown_feature_sets(config["feature_sets"], encoders)
    if unknown:
        raise ConfigError(f"feature_sets: {'; '.join(unknown)}")
    problems = _grid_problems(config, grid_checks) or _layer_weighting_problems(config)
    if problems:
        raise ConfigError("\n".join(problems))
    for name, settings in config["datasets"].items():
        fill_defaults(settings, dataset_schema, f"datasets.{name}.")
    problems = _dataset_problems(config) or _target_problems(config) or _export_problems(config)
    if problems:
        raise ConfigError("\n".join(problems))
    ssl_models = {
        name: local_model_or_hub_id(name, encoders[name]["model"])
        for name in config["feature_sets"]
        if name in encoders
    }
    return Settings(
        config=config,
        datasets=config["datasets"],
        feature_sets=config["feature_sets"],
        classifiers=config["classifiers"],
        ssl_encoders=encoders,
        ssl_models=ssl_models,
        cross_corpus_emotions=config["cross_corpus"]["emotions"],
        exported_models=[(m["feature_set"], m["classifier"]) for m in config["export"]["models"]],
        tasks=tasks_of(config),
        regressors=tuple(config["regressors"]),
        dimensions={
            name: list(settings["targets"]) if "dimensional" in tasks_of(config) else []
            for name, settings in config["datasets"].items()
        },
    )
