"""The audio shard plan: bounded shards, named by their clips, that stay put when a corpus grows."""

from __future__ import annotations

import numpy as np
import pytest

from serflow.shards import MAX_SHARD_FACTOR, plan_shards, shard_name


def _corpus(n: int, seed: int = 0) -> tuple[list[str], list[float]]:
    """``n`` EmoDB-like ids with durations between 1.2 and 9 s."""
    rng = np.random.default_rng(seed)
    ids = [f"{speaker:02d}a{i:04d}Wa" for i, speaker in enumerate(rng.integers(3, 17, n))]
    return ids, rng.uniform(1.2, 9.0, n).tolist()


def test_every_clip_in_exactly_one_shard_in_order_and_bounded():
    ids, durations = _corpus(3000)
    shards = plan_shards(ids, durations, shard_minutes=10)
    flat = [u for shard in shards for u in shard.utterances]
    assert flat == sorted(ids)
    longest_clip = max(durations)
    assert all(shard.duration_s <= MAX_SHARD_FACTOR * 600 + longest_clip for shard in shards)
    total = sum(durations)
    # about the target on average (content-defined cuts: a loose bound)
    assert 0.5 * total / 600 < len(shards) < 2.0 * total / 600
    assert all(shard.name == shard_name(shard.utterances) for shard in shards)


def test_plan_is_the_same_whatever_the_input_order():
    ids, durations = _corpus(500)
    order = np.random.default_rng(1).permutation(len(ids))
    shuffled = plan_shards([ids[i] for i in order], [durations[i] for i in order], 5)
    assert shuffled == plan_shards(ids, durations, 5)


def test_adding_a_clip_changes_only_the_shards_around_it():
    ids, durations = _corpus(3000)
    before = {shard.name for shard in plan_shards(ids, durations, 10)}
    for new in ("07a0001Xa", "12b9999Xa", "15a1500Xa"):
        after = {shard.name for shard in plan_shards([*ids, new], [*durations, 3.0], 10)}
        assert len(before - after) <= 2 and len(after - before) <= 2, new
        assert len(before & after) >= len(before) - 2


def test_a_corpus_shorter_than_a_quarter_of_the_target_is_one_shard():
    ids, durations = _corpus(40)
    (shard,) = plan_shards(ids, durations, shard_minutes=30)
    assert shard.utterances == tuple(sorted(ids))


def test_a_bad_target_is_refused():
    with pytest.raises(ValueError, match="audio.shard_minutes"):
        plan_shards(["a"], [1.0], 0)
