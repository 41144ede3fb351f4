"""The BYOL-S checkpoint download rule against a local HTTP server, and its failures."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from workflow_runner import BYOLS_CHECKPOINTS, run_snakemake, write_config

pytestmark = pytest.mark.workflow

TARGET = "resources/checkpoints/hybrid_byols.pth"
CHECKPOINT = BYOLS_CHECKPOINTS / "cvt_random_state_dict.pth"


def _config(url: str, sha256: str = "") -> dict:
    return {
        "datasets": {"byols": {"format": "emodb", "source": "demo"}},
        "download": {"retries": 2},
        "byols": {"checkpoints": {"hybrid_byols": {"url": url, "sha256": sha256}}},
    }


def test_checkpoint_is_downloaded_and_checked(http_server, tmp_path):
    url, root, _ = http_server
    shutil.copy(CHECKPOINT, root / "cvt.pth")
    digest = hashlib.sha256(CHECKPOINT.read_bytes()).hexdigest()
    write_config(tmp_path, _config(f"{url}/cvt.pth", digest))
    run_snakemake(tmp_path, "--cores", "1", TARGET)
    assert (tmp_path / TARGET).read_bytes() == CHECKPOINT.read_bytes()


def test_checksum_mismatch_fails_and_keeps_no_file(http_server, tmp_path):
    url, root, _ = http_server
    shutil.copy(CHECKPOINT, root / "cvt.pth")
    write_config(tmp_path, _config(f"{url}/cvt.pth", "f" * 64))
    result = run_snakemake(tmp_path, "--cores", "1", TARGET, check=False)
    assert result.returncode != 0
    log = (tmp_path / "logs/download_checkpoint/hybrid_byols.log").read_text()
    assert "checksum mismatch" in log and "f" * 64 in log
    assert not (tmp_path / TARGET).exists()


def test_offline_error_names_the_config_key_for_a_local_copy(closed_port_url, tmp_path):
    write_config(tmp_path, _config(closed_port_url))
    result = run_snakemake(tmp_path, "--cores", "1", TARGET, check=False)
    assert result.returncode != 0
    log = (tmp_path / "logs/download_checkpoint/hybrid_byols.log").read_text()
    assert "offline" in log and "byols.checkpoints.hybrid_byols.path" in log
    assert not (tmp_path / TARGET).exists()


def test_a_checkpoint_that_is_not_byols_stops_extraction_naming_it(tmp_path):
    import torch

    bad = tmp_path / "not_byols.pth"
    torch.save({"layer.weight": torch.zeros(3)}, bad)
    config = _config("http://127.0.0.1:9/none.pth")
    config["datasets"]["byols"]["demo"] = {
        "clips_per_class": 1,
        "min_duration_s": 0.5,
        "max_duration_s": 0.6,
    }
    config["byols"]["checkpoints"]["hybrid_byols"]["path"] = str(bad)
    config["datasets"]["byols"]["skip_bad_files"] = False
    write_config(tmp_path, config)
    result = run_snakemake(
        tmp_path, "--cores", "1", "results/byols/features/hybrid_byols.parquet", check=False
    )
    assert result.returncode != 0
    log = (tmp_path / "logs/byols/extract_byols/hybrid_byols/shard_0.log").read_text()
    assert str(bad) in log and "layer.weight" in log
