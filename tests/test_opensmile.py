import numpy as np
import opensmile

from serflow.opensmile_features import extract_functionals


def _clips():
    rng = np.random.default_rng(0)
    t = np.arange(16000) / 16000
    return [
        (0.3 * np.sin(2 * np.pi * f * t) + 0.01 * rng.normal(size=t.size)).astype(np.float32)
        for f in (120, 180, 240)
    ]


def test_egemaps_functionals_match_opensmile_and_are_float32():
    clips = _clips()
    table = extract_functionals(["u1", "u2", "u3"], clips, "egemaps", progress=False)
    assert table.shape == (3, 89) and table.columns[0] == "utterance"
    assert table.drop(columns="utterance").dtypes.eq(np.float32).all()
    smile = opensmile.Smile(opensmile.FeatureSet.eGeMAPSv02, opensmile.FeatureLevel.Functionals)
    assert list(table.columns[1:]) == smile.feature_names
    expected = smile.process_signal(clips[1], 16000).to_numpy(dtype=np.float32)[0]
    np.testing.assert_array_equal(table.iloc[1, 1:].to_numpy(dtype=np.float32), expected)


def test_compare_on_two_workers_equals_one_worker():
    clips = _clips()
    one = extract_functionals(["u1", "u2", "u3"], clips, "compare", workers=1, progress=False)
    two = extract_functionals(["u1", "u2", "u3"], clips, "compare", workers=2, progress=False)
    assert one.shape == (3, 6374)
    assert one.equals(two)
