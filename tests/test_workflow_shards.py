"""Decoding and openSMILE extraction in audio shards (audio.shard_minutes), through the real
workflow: the merged tables equal an unsharded run's byte for byte, and a corpus that grows
redoes only the shards around the new clip. Generated clips (serflow.demo), not recordings."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile as sf

from workflow_runner import emodb_named_corpus, planned_jobs, run_snakemake, write_config

pytestmark = pytest.mark.workflow

FEATURES = "results/sharded/features/egemaps.parquet"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """56 EmoDB-named clips of 0.8-1.6 s: speakers 03, 08, 09, 10, every emotion twice."""
    folder = tmp_path_factory.mktemp("corpus") / "wav"
    return emodb_named_corpus(folder, ["03", "08", "09", "10"], 0.8, 1.6)


def sharded_config(folder: Path, shard_minutes: float) -> dict:
    return {
        "datasets": {"sharded": {"format": "emodb", "source": "folder", "path": str(folder)}},
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": {"lr": [{"C": [1.0], "solver": ["lbfgs"]}]},
        "split": {"test_speakers": ["03"]},
        "audio": {"shard_minutes": shard_minutes},
    }


def shard_files(workdir: Path, folder: str = "audio") -> dict[str, int]:
    """Shard name -> mtime (ns) of the audio shards, or of another folder's shard tables."""
    return {p.stem: p.stat().st_mtime_ns for p in (workdir / "results/sharded" / folder).glob("*")}


def test_sharded_features_equal_the_unsharded_run_byte_for_byte(corpus, tmp_path):
    for name, minutes in (("one", 30), ("many", 0.2)):
        write_config(tmp_path / name, sharded_config(corpus, minutes))
        run_snakemake(tmp_path / name, "--cores", "2", FEATURES)
    assert len(shard_files(tmp_path / "one")) == 1
    assert len(shard_files(tmp_path / "many")) >= 4
    one, many = (tmp_path / name / FEATURES for name in ("one", "many"))
    assert one.read_bytes() == many.read_bytes()
    table = pd.read_parquet(many)
    assert table["utterance"].tolist() == sorted(p.stem for p in corpus.glob("*.wav"))
    # each shard's table holds its own clips only, and together every clip once
    parts = [
        pd.read_parquet(path, columns=["utterance"])["utterance"].tolist()
        for path in sorted((tmp_path / "many/results/sharded/features/egemaps").glob("*"))
    ]
    assert sorted(u for part in parts for u in part) == table["utterance"].tolist()


def test_a_new_clip_redoes_only_the_shards_around_it(corpus, tmp_path):
    folder = tmp_path / "wav"
    shutil.copytree(corpus, folder)
    workdir = tmp_path / "run"
    write_config(workdir, sharded_config(folder, 0.2))
    run_snakemake(workdir, "--cores", "2", FEATURES)
    before = shard_files(workdir)
    features_before = shard_files(workdir, "features/egemaps")
    assert len(before) >= 4 and set(features_before) == set(before)

    # a new utterance of speaker 09: a louder copy of one of its clips under a new text code
    audio, rate = sf.read(corpus / sorted(p.name for p in corpus.glob("09*.wav"))[0])
    sf.write(folder / "09b99Wa.wav", np.clip(1.5 * audio, -1, 1), rate, subtype="PCM_16")
    jobs = planned_jobs(workdir)
    assert jobs.get("build_metadata") == 1
    run_snakemake(workdir, "--cores", "2", FEATURES)
    after = shard_files(workdir)
    new = set(after) - set(before)
    kept = {name for name in before if after.get(name) == before[name]}
    assert 1 <= len(new) <= 2 and len(kept) >= len(before) - 2
    # the shards that kept their clips were neither decoded nor extracted again
    features_after = shard_files(workdir, "features/egemaps")
    assert all(features_after[name] == features_before[name] for name in kept)
    assert "09b99Wa" in pd.read_parquet(workdir / FEATURES)["utterance"].tolist()
    dry_run = run_snakemake(workdir, "-n", "--cores", "2", FEATURES)
    assert "Nothing to be done" in dry_run.stdout + dry_run.stderr
