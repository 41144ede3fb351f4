import numpy as np
import pandas as pd
import pytest
from sklearn.preprocessing import StandardScaler

from serflow.normalise import normalise_per_speaker
from serflow.tables import NonFiniteFeatures


def _table(rng):
    features = pd.DataFrame(
        rng.normal(3.0, 2.0, size=(12, 4)).astype(np.float32), columns=["f0", "f1", "f2", "const"]
    )
    features["const"] = 5.0
    features.insert(0, "utterance", [f"u{i:02d}" for i in range(12)])
    speakers = pd.Series(["03"] * 5 + ["08"] * 7, index=features["utterance"])
    return features, speakers


def test_each_speaker_gets_zero_mean_unit_std_and_constant_columns_become_zero():
    features, speakers = _table(np.random.default_rng(0))
    out = normalise_per_speaker(features, speakers)
    assert list(out.columns) == list(features.columns)
    assert out.drop(columns="utterance").dtypes.eq(np.float32).all()
    for speaker in ["03", "08"]:
        block = out[speakers.to_numpy() == speaker].drop(columns="utterance").to_numpy()
        np.testing.assert_allclose(block[:, :3].mean(axis=0), 0, atol=1e-6)
        np.testing.assert_allclose(block[:, :3].std(axis=0), 1, atol=1e-5)
        assert (block[:, 3] == 0).all()
    assert not out.isna().any().any()


def test_matches_the_notebooks_standardscaler_per_speaker():
    features, speakers = _table(np.random.default_rng(1))
    out = normalise_per_speaker(features, speakers).drop(columns="utterance").to_numpy()
    values = features.drop(columns="utterance").to_numpy()
    for speaker in ["03", "08"]:
        rows = speakers.to_numpy() == speaker
        np.testing.assert_allclose(
            out[rows], StandardScaler().fit_transform(values[rows]), atol=1e-5
        )


def test_non_finite_features_never_reach_normalisation():
    features = pd.DataFrame(
        {"utterance": ["03a01Wa", "03a01Wb", "03a01Na"], "f0": [1.0, np.nan, 2.0]}
    )
    speakers = pd.Series({"03a01Wa": "03", "03a01Wb": "03", "03a01Na": "03"})
    with pytest.raises(NonFiniteFeatures, match="03a01Wb"):
        normalise_per_speaker(features, speakers)
