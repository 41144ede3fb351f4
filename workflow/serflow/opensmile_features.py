"""openSMILE functionals (ComParE_2016, eGeMAPSv02) over the cached 16 kHz clips, on all cores."""

from __future__ import annotations

import sys
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import opensmile
import pandas as pd
from tqdm import tqdm

from serflow.feature_sets import OPENSMILE, spec_of

_smile: opensmile.Smile | None = None


def make_smile(feature_set: str) -> opensmile.Smile:
    """An openSMILE extractor of functionals for a serflow ``feature_set`` name."""
    spec = spec_of(feature_set, OPENSMILE)
    return opensmile.Smile(
        feature_set=opensmile.FeatureSet[spec.setting],
        feature_level=opensmile.FeatureLevel.Functionals,
    )


def _start_worker(feature_set: str) -> None:
    global _smile
    _smile = make_smile(feature_set)


def _functionals(task: tuple[np.ndarray, int]) -> np.ndarray:
    """One clip's functionals: openSMILE's raw output, without the DataFrame (with its time
    index) that ``process_signal`` builds around it for every clip."""
    clip, sample_rate = task
    return _smile(clip, sample_rate).reshape(-1).astype(np.float32, copy=False)


class FunctionalsExtractor:
    """openSMILE over ``workers`` processes (openSMILE itself runs on one core).

    The processes start when the extractor is made: made before the audio is read, they do not
    inherit the parent's copy of it (a forked worker maps, and is counted for, every page of its
    parent). Use it as a context manager, which stops the processes.
    """

    def __init__(self, feature_set: str, *, workers: int = 1) -> None:
        self.feature_set = feature_set
        self.feature_names = make_smile(feature_set).feature_names
        self._pool = None
        if workers > 1:
            self._pool = ProcessPoolExecutor(
                max_workers=workers, initializer=_start_worker, initargs=(feature_set,)
            )
            self._pool.submit(int).result()  # the first task starts every process
        else:
            _start_worker(feature_set)

    def __enter__(self) -> FunctionalsExtractor:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown()

    def extract(
        self,
        utterances: list[str],
        clips: list[np.ndarray],
        *,
        sample_rate: int = 16000,
        progress: bool = True,
    ) -> pd.DataFrame:
        """One row of functionals per clip: ``utterance`` then float32 columns named by openSMILE.

        The longest clips go first, so that the processes finish together.
        """
        order = sorted(range(len(clips)), key=lambda i: -len(clips[i]))
        rows = np.empty((len(clips), len(self.feature_names)), dtype=np.float32)
        tasks = ((clips[i], sample_rate) for i in order)
        results = (
            map(_functionals, tasks)
            if self._pool is None
            else self._pool.map(_functionals, tasks, chunksize=4)
        )
        bar = tqdm(
            total=len(clips),
            desc=self.feature_set,
            unit="clip",
            file=sys.stderr,
            disable=not progress,
        )
        for i, row in zip(order, results, strict=True):
            rows[i] = row
            bar.update()
        bar.close()
        table = pd.DataFrame(rows, columns=self.feature_names)
        table.insert(0, "utterance", list(utterances))
        return table


def extract_functionals(
    utterances: list[str],
    clips: list[np.ndarray],
    feature_set: str,
    *,
    sample_rate: int = 16000,
    workers: int = 1,
    progress: bool = True,
) -> pd.DataFrame:
    """One row of functionals per clip, on ``workers`` processes (see FunctionalsExtractor)."""
    with FunctionalsExtractor(feature_set, workers=workers) as extractor:
        return extractor.extract(utterances, clips, sample_rate=sample_rate, progress=progress)
