"""Atomic writes of the workflow's tables: complete or absent, with the mode the umask gives."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from serflow.tables import NonFiniteFeatures, require_finite, write_parquet, write_text


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_atomic_write_gives_the_mode_the_umask_gives(tmp_path: Path, umask: int, mode: int):
    old = os.umask(umask)
    try:
        text = write_text("x\n", tmp_path / "results" / "a.txt")
        table = write_parquet(pd.DataFrame({"utterance": ["03a01Wa"]}), tmp_path / "t.parquet")
        plain = tmp_path / "plain.txt"
        plain.write_text("x\n")
    finally:
        os.umask(old)
    assert plain.stat().st_mode & 0o777 == mode
    assert text.stat().st_mode & 0o777 == mode
    assert table.stat().st_mode & 0o777 == mode


def test_non_finite_feature_rows_are_named():
    table = pd.DataFrame(
        {
            "utterance": ["03a01Wa", "03a01Wb", "08a01Na"],
            "f0": [1.0, np.nan, 2.0],
            "f1": [0, 1, np.inf],
        }
    )
    with pytest.raises(
        NonFiniteFeatures, match=r"egemaps: 2 utterance\(s\).*03a01Wb \(1 of 2\), 08a01Na"
    ):
        require_finite(table, "egemaps")
    require_finite(table.iloc[[0]], "egemaps")


def test_the_demo_corpus_folder_gets_the_mode_the_umask_gives(tmp_path: Path):
    from serflow.demo import generate_demo_corpus

    old = os.umask(0o022)
    try:
        wavs = generate_demo_corpus(
            tmp_path / "wav", speakers=["03"], clips_per_class=1, max_duration_s=0.3,
            min_duration_s=0.2,
        )  # fmt: skip
    finally:
        os.umask(old)
    assert (tmp_path / "wav").stat().st_mode & 0o777 == 0o755
    assert wavs[0].stat().st_mode & 0o777 == 0o644
