"""Which classifiers exist: the one place that names them, builds them and checks their grids.

Each entry says a classifier's config id, the name the results give it, the estimator class that
fits it (imported only when asked for: a job tunes one classifier, and scikit-learn's ensemble
and linear_model modules take tenths of a second each), how its grid search groups fits, and
which grid points current scikit-learn would reject. Standard library only, so that the process
that parses the workflow and the results rules read it without importing scikit-learn.

A new classifier is one more :class:`ClassifierSpec` in :data:`REGISTRY` (and its grid's
default in workflow/schemas/config.schema.yaml).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: Why a grid point is refused (or ``None``): (point, number of classes) -> reason.
Rejection = Callable[[dict[str, Any], int], "str | None"]

#: LogisticRegression solvers that support each penalty in current scikit-learn.
_LR_SOLVERS = {
    "l1": {"liblinear", "saga"},
    "l2": {"lbfgs", "liblinear", "newton-cg", "newton-cholesky", "sag", "saga"},
    "elasticnet": {"saga"},
    None: {"lbfgs", "newton-cg", "newton-cholesky", "sag", "saga"},
}


def _lr_rejection(point: dict[str, Any], n_classes: int) -> str | None:
    """Emotion recognition has more than two classes, and scikit-learn no longer fits the
    liblinear solver to those (it did one-vs-rest until 1.7)."""
    penalty, solver = point.get("penalty", "l2"), point.get("solver", "lbfgs")
    if penalty in _LR_SOLVERS and solver not in _LR_SOLVERS[penalty]:
        return f"solver {solver} does not support penalty {penalty}"
    if solver == "liblinear" and n_classes > 2:
        return f"solver liblinear does not fit {n_classes} classes in current scikit-learn"
    return None


def _rf_rejection(point: dict[str, Any], n_classes: int) -> str | None:
    if point.get("max_features") == "auto":
        return "max_features 'auto' was removed (it meant 'sqrt' for classifiers)"
    return None


def _accept(point: dict[str, Any], n_classes: int) -> str | None:
    return None


@dataclass(frozen=True)
class ClassifierSpec:
    """One classifier of the benchmark.

    ``estimator`` is ``module:Class`` of a scikit-learn-style estimator; ``search`` names how
    :func:`serflow.classifiers.tune` searches its grid (``estimator``: each point fitted as
    GridSearchCV would; ``forest``: one fit of the largest forest scores the smaller ones;
    ``kernel_svm``: kernels from one Gram matrix; ``kernel_svr``: the same for SVR).
    ``seeded`` says whether it takes a ``random_state``; ``class_weight`` whether it takes
    ``class_weight="balanced"`` (``balance: class_weight``, :mod:`serflow.balance`).
    ``speaker_groups`` says whether its ``fit`` takes the training rows' speakers
    (``fit(X, y, groups=speakers)``: early stopping on speakers of its own). ``task`` is what it
    predicts: ``categorical`` (emotion classes, scored by UAR) or ``dimensional`` (one
    continuous dimension such as arousal, scored by CCC).
    """

    id: str
    display_name: str
    estimator: str
    search: str = "estimator"
    seeded: bool = True
    class_weight: bool = True
    speaker_groups: bool = False
    rejection: Rejection = field(default=_accept, compare=False)
    task: str = "categorical"

    def make(self, seed: int) -> Any:
        """A new estimator with default settings, seeded where it has randomness."""
        module, name = self.estimator.split(":")
        cls = getattr(importlib.import_module(module), name)
        return cls(random_state=seed) if self.seeded else cls()


#: Every classifier a config may name, in the order the results show them.
REGISTRY: dict[str, ClassifierSpec] = {
    spec.id: spec
    for spec in [
        ClassifierSpec(
            "lr",
            "Logistic Regression",
            "sklearn.linear_model:LogisticRegression",
            rejection=_lr_rejection,
        ),
        ClassifierSpec("svm", "Support Vector Machine", "sklearn.svm:SVC", search="kernel_svm"),
        ClassifierSpec(
            "rf",
            "Random Forest Classification",
            "sklearn.ensemble:RandomForestClassifier",
            search="forest",
            rejection=_rf_rejection,
        ),
        ClassifierSpec(
            "mlp", "Multi-Layer Perceptron", "serflow.mlp:MLPClassifier", speaker_groups=True
        ),
        ClassifierSpec(
            "knn",
            "k-Nearest Neighbours",
            "sklearn.neighbors:KNeighborsClassifier",
            seeded=False,
            class_weight=False,
        ),
        ClassifierSpec("xgb", "XGBoost", "serflow.xgb_classifier:LabelledXGBClassifier"),
        # dimensional: regressors of one continuous dimension each (serflow/regression.py)
        ClassifierSpec(
            "ridge",
            "Ridge Regression",
            "sklearn.linear_model:Ridge",
            class_weight=False,
            task="dimensional",
        ),
        ClassifierSpec(
            "svr",
            "Support Vector Regression",
            "sklearn.svm:SVR",
            search="kernel_svr",
            seeded=False,
            class_weight=False,
            task="dimensional",
        ),
        ClassifierSpec(
            "rf_regressor",
            "Random Forest Regression",
            "sklearn.ensemble:RandomForestRegressor",
            search="forest",
            rejection=_rf_rejection,
            class_weight=False,
            task="dimensional",
        ),
        ClassifierSpec(
            "mlp_regressor",
            "Multi-Layer Perceptron Regression",
            "serflow.mlp:MLPRegressor",
            class_weight=False,
            speaker_groups=True,
            task="dimensional",
        ),
    ]
}

#: The id of what an SVM beyond ``svm_memory.budget_mb`` fits with ``svm_memory.fallback: linear``.
LINEAR_FALLBACK = "linear_svm"

#: What an SVR beyond ``svm_memory.budget_mb`` fits with ``svm_memory.fallback: linear``.
LINEAR_SVR_FALLBACK = "linear_svr"

#: Estimators that serflow fits in a benchmark classifier's place but a config cannot name:
#: ``linear_svm`` is what an SVM beyond ``svm_memory.budget_mb`` fits with
#: ``svm_memory.fallback: linear`` (:mod:`serflow.kernel_memory`).
SUBSTITUTES: dict[str, ClassifierSpec] = {
    LINEAR_FALLBACK: ClassifierSpec(
        LINEAR_FALLBACK, "Linear Support Vector Machine", "sklearn.svm:LinearSVC"
    ),
    LINEAR_SVR_FALLBACK: ClassifierSpec(
        LINEAR_SVR_FALLBACK,
        "Linear Support Vector Regression",
        "sklearn.svm:LinearSVR",
        task="dimensional",
    ),
}

#: classifier id -> the name the results matrix gives it (the notebook's table headings).
CLASSIFIER_NAMES = {name: spec.display_name for name, spec in REGISTRY.items()}


def spec(classifier: str) -> ClassifierSpec:
    """The entry of ``classifier`` (a benchmark classifier or a substitute)."""
    found = REGISTRY.get(classifier) or SUBSTITUTES.get(classifier)
    if found is None:
        raise ValueError(f"classifier {classifier!r} is unknown; use one of {sorted(REGISTRY)}")
    return found


def of_task(task: str) -> list[str]:
    """The ids of the entries that predict ``task`` (categorical or dimensional), in order."""
    return [name for name, entry in REGISTRY.items() if entry.task == task]


def unknown_classifiers(classifiers: list[str], task: str = "categorical") -> list[str]:
    """One line per configured id that no entry of ``task`` has, naming the known ones
    (``classifiers:`` lists the categorical ones, ``regressors:`` the dimensional ones)."""
    key, what = (
        ("classifiers", "classifier") if task == "categorical" else ("regressors", "regressor")
    )
    known = of_task(task)
    return [
        f"{key}: {name!r} is not a {what}; use one of {', '.join(known)}"
        for name in classifiers
        if name not in known
    ]


def unweighted_classifiers(classifiers: list[str], balance: str) -> list[str]:
    """One line per configured classifier that ``balance: class_weight`` cannot weight."""
    if balance != "class_weight":
        return []
    return [
        f"balance: class_weight, but classifier {name!r} takes no class weights: use "
        "balance: oversample, or leave it out of classifiers"
        for name in classifiers
        if not REGISTRY[name].class_weight
    ]
