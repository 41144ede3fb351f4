"""A trained model bundle: the refit best classifier of a benchmark, saved to apply to new audio.

A bundle is a folder of two files (three for a PyTorch head):

* ``model.skops``: the classifier and the training rows' feature statistics, in skops' format,
  which, unlike pickle, runs no code from the file and loads only types that are trusted;
* ``model.safetensors``: the network weights of a PyTorch head (``mlp``; a regressor bundle's
  ``mlp_regressor``, each dimension's tensors named ``<dimension>/<tensor>``), which the model
  in ``model.skops`` is stored without: safetensors holds tensors only, no code;
* ``manifest.json``: what a user (or :mod:`serflow.predict`) needs to know to apply it, readable:
  labels, feature set and extractor settings, normalisation, training speakers, serflow version,
  config digest, grid point, and the SHA-256 of each model file (a damaged file is detected).

The classifier is refitted from the grid search's best point on the same training rows, with the
operations the search's refit uses, so that it predicts exactly what the benchmark predicted.
"""

from __future__ import annotations

import copy
import io
import json
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sklearn
import skops
import skops.io
from sklearn.base import BaseEstimator, clone
from threadpoolctl import threadpool_limits

import serflow
from serflow.balance import oversample
from serflow.classifier_registry import spec
from serflow.classifiers import make_estimator, uses_precomputed_kernels
from serflow.fingerprint import file_sha256
from serflow.grids import expand_grid
from serflow.kernel_memory import (
    KernelMemoryError,
    MemoryBudget,
    over_budget_message,
    search_memory,
    within_budget,
)
from serflow.kernel_svm import KernelSVM
from serflow.tables import atomic_write, write_json

#: Version of the bundle layout; a bundle of another layout is refused.
BUNDLE_FORMAT = 1
MODEL_FILE = "model.skops"
WEIGHTS_FILE = "model.safetensors"
MANIFEST_FILE = "manifest.json"
#: Types besides skops' defaults that a serflow bundle may contain, trusted when loading one.
#: XGBoost's are its scikit-learn wrapper and its Booster, whose state skops restores as bytes
#: that XGBoost's own (C++) model reader parses: no Python object is unpickled.
TRUSTED_TYPES = [
    "serflow.kernel_svm.KernelSVM",
    "serflow.linear_svm.CappedLinearSVC",
    "serflow.xgb_classifier.LabelledXGBClassifier",
    "xgboost.sklearn.XGBClassifier",
    "xgboost.core.Booster",
    "serflow.kernel_svr.KernelSVR",
    "serflow.mlp.MLPClassifier",
    "serflow.mlp.MLPRegressor",
]


class BundleError(Exception):
    """A bundle that cannot be used: the message names the file and what to do."""


def refit_best(
    classifier: str,
    grid: Any,
    best_params: dict[str, Any],
    features: np.ndarray,
    labels: np.ndarray,
    seed: int,
    memory_budget: MemoryBudget | None = None,
    balance: str = "none",
    groups: np.ndarray | None = None,
) -> BaseEstimator:
    """The best grid point fitted on all training rows, as :func:`serflow.classifiers.tune`
    refits it, as an estimator that predicts from feature rows.

    ``grid`` decides, as in the search, whether an SVM goes through precomputed kernels (every
    point of the expanded grid supported): then a :class:`KernelSVM`, otherwise the scikit-learn
    estimator itself. The fit runs on one BLAS thread, as the search's refit does. A kernel SVM
    whose refit (and prediction of the training rows) would exceed ``memory_budget`` raises
    :class:`~serflow.kernel_memory.KernelMemoryError` before anything is allocated. With
    ``balance: oversample`` the rows are oversampled as the search's refit oversamples them
    (``class_weight`` is in ``best_params`` already). A classifier that fits on speakers
    (``mlp``) gets the training rows' speakers ``groups`` (oversampled with their rows).
    """
    points, _ = expand_grid(classifier, grid, n_classes=len(np.unique(labels)))
    if balance == "oversample":
        rows = oversample(np.arange(len(labels)), np.asarray(labels), seed)
        features, labels = np.asarray(features)[rows], np.asarray(labels)[rows]
        groups = None if groups is None else np.asarray(groups)[rows]
    with threadpool_limits(limits=1):
        if uses_precomputed_kernels(classifier, points):
            n_rows = len(labels)
            memory = search_memory([best_params], n_rows, [], n_predict=n_rows)
            if not within_budget(memory, memory_budget):
                raise KernelMemoryError(
                    over_budget_message("export_model", memory, n_rows, memory_budget)
                )
            return KernelSVM(best_params, seed=seed).fit(features, labels)
        estimator = clone(make_estimator(classifier, seed)).set_params(**best_params)
        if spec(classifier).speaker_groups:
            if groups is None:
                raise ValueError(f"{classifier} is refitted on the training rows' speakers")
            return estimator.fit(np.asarray(features), labels, groups=np.asarray(groups))
        return estimator.fit(np.asarray(features), labels)


def export_fold(fold: dict, all_speakers: list[str], train_on: str) -> dict:
    """The outer fold an exported model is refitted on (``export.train_on``).

    ``split_training``: the hold-out split's ``fold`` as the benchmark ran it, so that the
    bundle predicts its test rows exactly as the benchmark did; ``all_speakers``: every
    speaker of the dataset (sorted) and every one of their clips, none left to test on: the
    model to deploy.
    """
    if train_on == "split_training":
        return fold
    if train_on == "all_speakers":
        return {"fold": "all_speakers", "train_speakers": sorted(all_speakers), "test_speakers": []}
    raise ValueError(f"export.train_on {train_on!r}: use split_training or all_speakers")


def export_description(train_on: str, scheme: str) -> str:
    """A sentence for the log and the manifest: which fit the bundle is, under which scheme."""
    chosen = "the hold-out split's grid search chose its point"
    if train_on == "all_speakers":
        what = f"refitted on every speaker of the dataset ({chosen}); no test speaker is left"
    else:
        what = f"refitted on the hold-out split's training speakers ({chosen}), as benchmarked"
    if scheme != "holdout":
        what += (
            f"; evaluation.scheme {scheme} measured the UARs with its own folds, which the "
            "bundle does not use (its numbers are the hold-out's)"
        )
    return what


def score_kind(estimator: BaseEstimator) -> str:
    """``probability`` when the classifier gives class probabilities, else ``decision``."""
    return "probability" if hasattr(estimator, "predict_proba") else "decision"


def training_statistics(raw_features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and standard deviation (ddof=0; 1 where constant) of the raw training features:
    the normalisation of new audio whose speakers have too few utterances of their own."""
    values = np.asarray(raw_features, dtype=np.float64)
    mean, std = values.mean(axis=0), values.std(axis=0)
    std[std == 0.0] = 1.0
    return mean, std


def extractor_record(
    extractor: dict[str, Any],
    feature_set: str,
    logmel_stats: str | None = None,
    checkpoint: str | None = None,
) -> dict[str, Any]:
    """The manifest's ``extractor``: the rule's extractor settings with what predict needs to
    run the same extractor (openSMILE's feature set and version; BYOL-S' torch version,
    log-mel statistics and checkpoint path and digest)."""
    record = dict(extractor)
    if record["name"] == "opensmile":
        import opensmile

        from serflow.feature_sets import FEATURE_SETS

        record["opensmile_feature_set"] = FEATURE_SETS[feature_set].setting
        record["opensmile_version"] = opensmile.__version__
        return record
    import torch

    record["torch_version"] = torch.__version__
    with open(logmel_stats) as stream:
        record["logmel_stats"] = json.load(stream)
    record["checkpoint"] = {
        "path": str(Path(checkpoint).resolve()),
        "sha256": file_sha256(checkpoint),
    }
    return record


def normalisation_record(min_utterances: int, train_speakers: pd.Series) -> dict[str, Any]:
    """The manifest's ``normalisation``: trained per speaker (``train_speakers``: the speaker
    of each training row), and how predict normalises new speakers."""
    per_speaker = train_speakers.value_counts().sort_index()
    return {
        "trained_with": "per_speaker",
        "min_utterances": min_utterances,
        "fallback": "training_statistics",
        "training_utterances_per_speaker": {
            str(speaker): int(count) for speaker, count in per_speaker.items()
        },
    }


#: Names skops gives the files of an archive: an object's id (arrays) or a random UUID (bytes,
#: such as an XGBoost Booster's model).
_GENERATED = re.compile(r"(\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.\w+")


def canonical_skops(data: bytes) -> bytes:
    """skops' archive ``data`` made byte-identical for identical content.

    skops names the archive's array files and tags its schema nodes with ``id()`` of the objects
    (memory addresses, different in every process), names its bytes files with random UUIDs and
    stamps the files with the current time.
    Here ids and file names are numbered in schema order (equal ids stay equal, so shared
    objects stay shared) and every file gets the same time stamp.
    """
    ids: dict[int, int] = {}
    files: dict[str, str] = {}

    def renumber(node: Any) -> Any:
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                if key == "__id__" and isinstance(value, int):
                    out[key] = ids.setdefault(value, len(ids) + 1)
                elif key == "file" and isinstance(value, str) and _GENERATED.fullmatch(value):
                    suffix = value.split(".", 1)[1]
                    out[key] = files.setdefault(value, f"{len(files) + 1:06d}.{suffix}")
                else:
                    out[key] = renumber(value)
            return out
        if isinstance(node, list):
            return [renumber(value) for value in node]
        return node

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        schema = renumber(json.loads(archive.read("schema.json")))
        members = {info.filename: info for info in archive.infolist()}
        unknown = set(members) - set(files) - {"schema.json"}
        if unknown:
            raise ValueError(f"skops archive has files its schema does not name: {sorted(unknown)}")
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w") as canonical:
            entries = [("schema.json", "schema.json", json.dumps(schema, indent=2).encode())]
            entries += [(old, new, archive.read(old)) for old, new in files.items()]
            for old, new, content in entries:
                info = zipfile.ZipInfo(new, date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = members[old].compress_type
                info.external_attr = members[old].external_attr
                canonical.writestr(info, content)
    return out.getvalue()


def save_bundle(
    folder: str | Path,
    estimator: BaseEstimator,
    feature_names: list[str],
    training_mean: np.ndarray,
    training_std: np.ndarray,
    manifest: dict[str, Any],
    labels: list[str],
) -> dict[str, Any]:
    """Write ``model.skops`` then ``manifest.json`` (each atomically) into ``folder``.

    The classifier was fitted on class numbers: class ``i`` is ``labels[i]`` (the order the
    benchmark numbers emotions in, :func:`serflow.experiment.class_order`).

    ``manifest`` holds what the caller knows (dataset, feature set, extractor, normalisation,
    training speakers, config digest, best params); versions, labels, the score kind and the
    model file's digest are added here. Returns the manifest written.
    """
    fields = {
        **manifest,
        "labels": [str(labels[int(code)]) for code in estimator.classes_],
        "scores": score_kind(estimator),
    }
    return write_bundle(folder, estimator, feature_names, training_mean, training_std, fields)


def write_bundle(
    folder: str | Path,
    model: Any,
    feature_names: list[str],
    training_mean: np.ndarray,
    training_std: np.ndarray,
    manifest: dict[str, Any],
) -> dict[str, Any]:
    """Write ``model.skops`` (``model``: an estimator, or one per dimension in a dict) then
    ``manifest.json`` (each atomically) into ``folder``; the manifest gains the bundle format,
    versions, feature count and the model file's digest. Returns the manifest written."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    stored, weights = _without_weights(model)
    files = {}
    if weights:  # a PyTorch head: its weights as safetensors, the rest in skops
        from safetensors.numpy import save

        tensors = save({name: np.ascontiguousarray(value) for name, value in weights.items()})
        weights_path = folder / WEIGHTS_FILE
        atomic_write(weights_path, lambda temp: Path(temp).write_bytes(tensors))
        files = {"weights_file": WEIGHTS_FILE, "weights_sha256": file_sha256(weights_path)}
    payload = {
        "classifier": stored,
        "feature_names": list(feature_names),
        "training_mean": np.asarray(training_mean, dtype=np.float64),
        "training_std": np.asarray(training_std, dtype=np.float64),
    }
    model_path = folder / MODEL_FILE
    data = canonical_skops(skops.io.dumps(payload))
    atomic_write(model_path, lambda temp: Path(temp).write_bytes(data))
    full = {
        "bundle_format": BUNDLE_FORMAT,
        "serflow_version": serflow.__version__,
        **manifest,
        "n_features": len(feature_names),
        "versions": {"scikit-learn": sklearn.__version__, "skops": skops.__version__},
        "model_file": MODEL_FILE,
        "model_sha256": file_sha256(model_path),
        **files,
    }
    write_json(full, folder / MANIFEST_FILE)
    return full


def _without_weights(model: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """``model`` without the network weights of its PyTorch heads, and those weights by
    tensor name: a head's own names, or for one model per dimension (a dict)
    ``<dimension>/<name>`` of each dimension's head. The models given are left whole."""
    if isinstance(model, dict):
        stored, weights = {}, {}
        for dimension, member in model.items():
            stored[dimension], own = _without_weights(member)
            weights.update({f"{dimension}/{name}": value for name, value in own.items()})
        return stored, weights
    weights = getattr(model, "weights_", None)
    if weights is None:
        return model, {}
    stored = copy.copy(model)
    del stored.weights_
    return stored, dict(weights)


def _put_weights(model: Any, weights: dict[str, np.ndarray]) -> None:
    """Give the heads of a loaded ``model`` their weights back (see :func:`_without_weights`)."""
    if not isinstance(model, dict):
        model.weights_ = weights
        return
    by_dimension: dict[str, dict[str, np.ndarray]] = {}
    for name, value in weights.items():
        dimension, _, tensor = name.rpartition("/")
        by_dimension.setdefault(dimension, {})[tensor] = value
    for dimension, own in by_dimension.items():
        model[dimension].weights_ = own


@dataclass
class Bundle:
    """A loaded bundle: its manifest, classifier and the training feature statistics."""

    folder: Path
    manifest: dict[str, Any]
    classifier: BaseEstimator
    feature_names: list[str]
    training_mean: np.ndarray
    training_std: np.ndarray

    @property
    def feature_set(self) -> str:
        return self.manifest["feature_set"]

    @property
    def labels(self) -> list[str]:
        return self.manifest["labels"]

    def class_scores(self, features: np.ndarray) -> np.ndarray:
        """Per-class probabilities or decision scores (``manifest["scores"]``), columns in the
        order of ``labels``."""
        if self.manifest["scores"] == "probability":
            return self.classifier.predict_proba(features)
        scores = self.classifier.decision_function(features)
        if scores.ndim == 1:  # scikit-learn's two-class SVC: positive for the second class
            scores = np.column_stack([-scores, scores])
        return scores

    def predict(self, features: np.ndarray) -> np.ndarray:
        """Predicted labels of normalised feature rows."""
        return np.asarray(self.labels, dtype=object)[self.classifier.predict(features)].astype(str)

    @property
    def dimensions(self) -> list[str]:
        """The dimensions a regressor bundle (task dimensional) predicts; none for a
        classifier's."""
        if self.manifest.get("task") != "dimensional":
            return []
        return list(self.manifest["dimensions"])

    def outputs(self, features: np.ndarray) -> pd.DataFrame:
        """What the bundle says of normalised feature rows: a classifier's ``predicted``
        label and per-class score columns (``<scores>_<label>``); a regressor bundle's one
        column per dimension, on the dimension's own rating scale (not clipped to it)."""
        if self.dimensions:
            return pd.DataFrame(
                {d: np.asarray(self.classifier[d].predict(features)) for d in self.dimensions}
            )
        columns = [f"{self.manifest['scores']}_{label}" for label in self.labels]
        table = pd.DataFrame(self.class_scores(features), columns=columns)
        table.insert(0, "predicted", self.predict(features))
        return table

    def output_columns(self) -> list[str]:
        """The columns of :meth:`outputs`."""
        if self.dimensions:
            return self.dimensions
        return ["predicted", *(f"{self.manifest['scores']}_{label}" for label in self.labels)]


def read_manifest(folder: str | Path) -> dict[str, Any]:
    """The manifest of a bundle folder, checked for its format and serflow version."""
    path = Path(folder) / MANIFEST_FILE
    if not path.is_file():
        raise BundleError(
            f"{path} does not exist: give the folder of a model bundle, e.g. "
            "results/{dataset}/models/{feature_set}/{classifier} (made by the export_model rule)"
        )
    try:
        manifest = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise BundleError(f"{path} is damaged ({error}); export the bundle again") from error
    if not isinstance(manifest, dict) or "serflow_version" not in manifest:
        raise BundleError(f"{path} is not a serflow bundle manifest; export the bundle again")
    if manifest["serflow_version"] != serflow.__version__:
        raise BundleError(
            f"{path} was made by serflow {manifest['serflow_version']} and this is serflow "
            f"{serflow.__version__}: use serflow {manifest['serflow_version']} to apply it, or "
            "export the model again with this version"
        )
    if manifest.get("bundle_format") != BUNDLE_FORMAT:
        raise BundleError(
            f"{path} has bundle format {manifest.get('bundle_format')!r}, not {BUNDLE_FORMAT}; "
            "export the model again"
        )
    return manifest


def load_bundle(folder: str | Path) -> Bundle:
    """Load a bundle, refusing a manifest of another serflow version, a model file whose digest
    differs from the manifest's (damaged or replaced), and types outside skops' defaults and
    :data:`TRUSTED_TYPES`."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    model_path = folder / manifest.get("model_file", MODEL_FILE)
    if not model_path.is_file():
        raise BundleError(f"{model_path} does not exist; export the bundle again")
    if file_sha256(model_path) != manifest.get("model_sha256"):
        raise BundleError(
            f"{model_path} is damaged: its SHA-256 differs from the one in {folder / MANIFEST_FILE}"
            "; copy the bundle again or export it again"
        )
    try:
        untrusted = skops.io.get_untrusted_types(file=model_path)
        unexpected = sorted(set(untrusted) - set(TRUSTED_TYPES))
        if unexpected:
            raise BundleError(
                f"{model_path} holds types serflow does not trust: {unexpected}; "
                "it was not made by serflow's export_model"
            )
        payload = skops.io.load(model_path, trusted=untrusted)
    except BundleError:
        raise
    except Exception as error:  # skops raises many kinds on a bad file
        raise BundleError(f"{model_path} cannot be loaded ({error}); export it again") from error
    classifier = payload["classifier"]
    if "weights_file" in manifest:
        _put_weights(classifier, _load_weights(folder, manifest))
    return Bundle(
        folder=folder,
        manifest=manifest,
        classifier=classifier,
        feature_names=list(payload["feature_names"]),
        training_mean=np.asarray(payload["training_mean"]),
        training_std=np.asarray(payload["training_std"]),
    )


def _load_weights(folder: Path, manifest: dict[str, Any]) -> dict[str, np.ndarray]:
    """The network weights of a PyTorch head, checked against the manifest's digest."""
    from safetensors import SafetensorError
    from safetensors.numpy import load_file

    path = folder / manifest["weights_file"]
    if not path.is_file():
        raise BundleError(f"{path} does not exist; export the bundle again")
    if file_sha256(path) != manifest.get("weights_sha256"):
        raise BundleError(
            f"{path} is damaged: its SHA-256 differs from the one in {folder / MANIFEST_FILE}; "
            "copy the bundle again or export it again"
        )
    try:
        return load_file(path)
    except SafetensorError as error:
        raise BundleError(f"{path} cannot be loaded ({error}); export it again") from error
