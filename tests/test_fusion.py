"""Fused feature sets: named in the one feature-set list, joined on utterance id, prefixed."""

from __future__ import annotations

import pandas as pd
import pytest

from serflow.feature_sets import parts_of, unknown_feature_sets, with_parts
from serflow.fusion import fuse


def test_fused_names_are_checked_part_by_part():
    assert parts_of("egemaps+compare") == ["egemaps", "compare"]
    assert with_parts(["egemaps+compare", "egemaps"]) == ["egemaps+compare", "egemaps", "compare"]
    assert unknown_feature_sets(["egemaps+compare", "egemaps+byols"]) == []
    (message,) = unknown_feature_sets(["egemaps+compar"])
    assert "'compar' is not a feature set (did you mean 'compare'?)" in message
    (message,) = unknown_feature_sets(["egemaps+egemaps"])
    assert "twice" in message
    (message,) = unknown_feature_sets(["egemaps+wavlm"], {"wavlm": {}})
    assert "SSL feature set(s) ['wavlm']" in message


def test_tables_are_joined_on_utterance_with_prefixed_columns():
    a = pd.DataFrame({"utterance": ["u2", "u1"], "f0": [2.0, 1.0]})
    b = pd.DataFrame({"utterance": ["u1", "u2"], "f0": [10.0, 20.0], "f1": [0.1, 0.2]})
    fused = fuse({"egemaps": a, "compare": b})
    assert list(fused.columns) == ["utterance", "egemaps.f0", "compare.f0", "compare.f1"]
    assert fused["utterance"].tolist() == ["u1", "u2"]
    assert fused["egemaps.f0"].tolist() == [1.0, 2.0] and fused["compare.f0"].tolist() == [10, 20]


def test_tables_of_different_clips_are_refused_naming_them():
    a = pd.DataFrame({"utterance": ["u1", "u2"], "f0": [1.0, 2.0]})
    b = pd.DataFrame({"utterance": ["u1"], "f0": [1.0]})
    with pytest.raises(ValueError, match=r"the compare and egemaps tables .*\['u2'\]"):
        fuse({"egemaps": a, "compare": b})


def test_a_fused_set_names_the_encoders_of_its_parts_on_the_protocol_card():
    from serflow.protocol_card import encoder_ids

    ids = encoder_ids(["egemaps+compare"], {})
    assert ids["egemaps+compare"].startswith("openSMILE eGeMAPSv02")
    assert " + openSMILE ComParE_2016" in ids["egemaps+compare"]
