"""openSMILE functionals (ComParE_2016, eGeMAPSv02) over the cached 16 kHz clips, on all cores."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import opensmile
import pandas as pd
from tqdm import tqdm

#: serflow feature_set name -> openSMILE feature set (the notebook's names).
OPENSMILE_FEATURE_SETS = {
    "compare": opensmile.FeatureSet.ComParE_2016,
    "egemaps": opensmile.FeatureSet.eGeMAPSv02,
}

_smile: opensmile.Smile | None = None
_sample_rate: int = 16000


def make_smile(feature_set: str) -> opensmile.Smile:
    """An openSMILE extractor of functionals for a serflow ``feature_set`` name."""
    if feature_set not in OPENSMILE_FEATURE_SETS:
        raise ValueError(
            f"feature_set {feature_set!r} is not an openSMILE set; use one of "
            f"{sorted(OPENSMILE_FEATURE_SETS)}"
        )
    return opensmile.Smile(
        feature_set=OPENSMILE_FEATURE_SETS[feature_set],
        feature_level=opensmile.FeatureLevel.Functionals,
    )


def _start_worker(feature_set: str, sample_rate: int) -> None:
    global _smile, _sample_rate
    _smile = make_smile(feature_set)
    _sample_rate = sample_rate


def _functionals(clip: np.ndarray) -> np.ndarray:
    return _smile.process_signal(clip, _sample_rate).to_numpy(dtype=np.float32)[0]


def extract_functionals(
    utterances: list[str],
    clips: list[np.ndarray],
    feature_set: str,
    *,
    sample_rate: int = 16000,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """One row of functionals per clip: ``utterance`` then float32 columns named by openSMILE.

    Clips are spread over ``workers`` processes (openSMILE itself runs on one core); the
    longest go first so that the processes finish together.
    """
    names = make_smile(feature_set).feature_names
    order = sorted(range(len(clips)), key=lambda i: -len(clips[i]))
    rows = np.empty((len(clips), len(names)), dtype=np.float32)
    bar = tqdm(
        total=len(clips), desc=feature_set, unit="clip", file=sys.stderr, disable=not progress
    )
    if workers <= 1:
        _start_worker(feature_set, sample_rate)
        for i in order:
            rows[i] = _functionals(clips[i])
            bar.update()
    else:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_start_worker, initargs=(feature_set, sample_rate)
        ) as pool:
            results = pool.map(_functionals, (clips[i] for i in order), chunksize=4)
            for i, row in zip(order, results, strict=True):
                rows[i] = row
                bar.update()
    bar.close()
    table = pd.DataFrame(rows, columns=names)
    table.insert(0, "utterance", list(utterances))
    return table
