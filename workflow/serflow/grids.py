"""Hyper-parameter grids from config: expanded in a fixed order, without invalid points.

scikit-learn is imported only where a grid is checked against it (:func:`invalid_values`), so
that the workflow's parse, which checks grids through :func:`remembered_invalid_values`, does not
import it when the answer is remembered.
"""

from __future__ import annotations

import difflib
import hashlib
import importlib.metadata
import itertools
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from serflow.classifier_registry import spec

GridSpec = dict[str, list[Any]] | list[dict[str, list[Any]]]


def rejection(classifier: str, point: dict[str, Any], n_classes: int = 7) -> str | None:
    """Why current scikit-learn rejects a grid point, or ``None`` when it is valid (each
    classifier's rule is in :mod:`serflow.classifier_registry`)."""
    return spec(classifier).rejection(point, n_classes)


def grid_points(grid: GridSpec) -> list[dict[str, Any]]:
    """Every distinct point of a grid (a dict of lists or a list of them), unchecked and
    unsorted; cheap enough for parse time (a one-point grid needs no model selection)."""
    points: list[dict[str, Any]] = []
    for part in [grid] if isinstance(grid, dict) else list(grid):
        part_keys = sorted(part)
        for combination in itertools.product(*(part[key] for key in part_keys)):
            point = dict(zip(part_keys, combination, strict=True))
            if point not in points:
                points.append(point)
    return points


def expand_grid(
    classifier: str, grid: GridSpec, n_classes: int = 7
) -> tuple[list[dict[str, Any]], list[str]]:
    """All valid grid points in scikit-learn's ParameterGrid order, and the rejected ones.

    A grid is a dict of lists or a list of such dicts. Points are ordered as ParameterGrid
    orders the product of all values (keys sorted, last key fastest), so that ties in the
    cross-validated score are broken as they are for the notebook's single-dict grids.
    Duplicates are dropped.
    """
    parts = [grid] if isinstance(grid, dict) else list(grid)
    keys = sorted({key for part in parts for key in part})
    values: dict[str, list[Any]] = {key: [] for key in keys}
    for part in parts:
        for key, options in part.items():
            for option in options:
                if option not in values[key]:
                    values[key].append(option)
    points = grid_points(grid)

    def position(point: dict[str, Any]) -> tuple:
        return tuple(values[key].index(point[key]) if key in point else -1 for key in keys)

    points.sort(key=position)
    valid, rejected = [], []
    for point in points:
        reason = rejection(classifier, point, n_classes)
        if reason is None:
            valid.append(point)
        else:
            rejected.append(f"{point}: {reason}")
    if not valid:
        raise ValueError(f"grids.{classifier} has no valid point: {rejected}")
    return valid, rejected


def as_param_grid(points: list[dict[str, Any]]) -> list[dict[str, list[Any]]]:
    """Points as a list of single-point dicts, GridSearchCV's form for an arbitrary set."""
    return [{key: [value] for key, value in point.items()} for point in points]


def invalid_values(classifier: str, grid: GridSpec) -> list[str]:
    """One line per grid value that scikit-learn's own parameter constraints reject.

    Each value is set on a fresh estimator, which then checks its ``_parameter_constraints``
    without fitting; a name that is not a parameter is caught first. Values that
    :func:`rejection` knows (``max_features: auto``) are left to :func:`expand_grid`. Lines name
    ``grids.<classifier>[i].<param>`` and the value, so that the workflow can stop at parse time.
    """
    from sklearn.utils._param_validation import InvalidParameterError

    from serflow.classifiers import make_estimator

    parts = [grid] if isinstance(grid, dict) else list(grid)
    lines = []
    for i, part in enumerate(parts):
        for param, values in part.items():
            where = f"grids.{classifier}[{i}].{param}"
            known = sorted(make_estimator(classifier, 0).get_params(deep=False))
            if param not in known:
                nearest = difflib.get_close_matches(param, known, n=1)
                hint = f"did you mean {nearest[0]}?" if nearest else f"use one of {known}"
                lines.append(f"{where}: {param} is not a parameter of {classifier}; {hint}")
                continue
            for value in values:
                if rejection(classifier, {param: value}) is not None:
                    continue  # a value that expand_grid leaves out with a warning
                estimator = make_estimator(classifier, 0).set_params(**{param: value})
                try:
                    estimator._validate_params()
                except InvalidParameterError as error:
                    lines.append(f"{where}: {value!r} is not a valid value ({error})")
    return lines


def grid_check_key(classifier: str, grid: GridSpec) -> str:
    """A digest of what :func:`invalid_values` answers from: the grid, the installed
    scikit-learn and serflow's code that makes and checks the estimators."""
    code = b"".join(
        Path(__file__).with_name(name).read_bytes()
        for name in ("grids.py", "classifiers.py", "classifier_registry.py", "xgb_classifier.py")
    )
    facts = [classifier, grid, importlib.metadata.version("scikit-learn")]
    digest = hashlib.sha256(json.dumps(facts, sort_keys=True).encode())
    digest.update(code)
    return digest.hexdigest()


def remembered_invalid_values(classifier: str, grid: GridSpec, cache_dir: Path) -> list[str]:
    """:func:`invalid_values`, remembered in ``cache_dir`` under :func:`grid_check_key`.

    Importing scikit-learn takes about a second, longer than the rest of the workflow's parse;
    a grid already checked with the same scikit-learn and serflow is answered from its file.
    A cache that cannot be read or written is ignored.
    """
    path = cache_dir / f"{grid_check_key(classifier, grid)}.json"
    try:
        remembered = json.loads(path.read_text())
    except (OSError, ValueError):
        remembered = None
    if isinstance(remembered, list):
        return remembered
    lines = invalid_values(classifier, grid)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=cache_dir, delete=False) as stream:
            json.dump(lines, stream)
        os.replace(stream.name, path)
    except OSError:
        pass
    return lines
