"""The SSL feature sets through the real workflow, with a tiny random wav2vec 2.0 model written
by save_pretrained (no download) on the generated demo corpus."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from serflow.audio import read_audio_shards
from serflow.ssl import embed_layers, load_encoder, save_random_encoder
from serflow.ssl.layers import read_layers

from workflow_runner import demo_config, planned_jobs, run_snakemake, write_config

pytestmark = pytest.mark.workflow


def _ssl_config(model: str, **encoder) -> dict:
    config = demo_config(
        feature_sets=["egemaps", "w2v"],
        classifiers=["lr"],
        ssl={"encoders": {"w2v": {"model": model, **encoder}}, "shards": 2, "max_batch_s": 2.0},
    )
    return config


@pytest.fixture(scope="module")
def auto_run(tmp_path_factory):
    """The workflow with layer: auto, run once for the tests below."""
    workdir = tmp_path_factory.mktemp("ssl_workflow")
    model = save_random_encoder(workdir / "tiny-wav2vec2", "wav2vec2")
    write_config(workdir, _ssl_config(str(model), layer="auto"))
    run = run_snakemake(workdir, "--cores", "2")
    return workdir, model, run.stderr


def test_layer_auto_gives_one_row_and_the_uar_per_layer_curve(auto_run):
    workdir, _, _ = auto_run
    results = workdir / "results" / "demo"
    matrix = pd.read_csv(results / "results_matrix.csv")
    assert "w2v" in matrix.iloc[:, 0].tolist() and "egemaps" in matrix.iloc[:, 0].tolist()
    curve = pd.read_csv(results / "evaluation/holdout/uar_per_layer/w2v.csv")
    assert curve["layer"].tolist() == [0, 1, 2, 3]
    assert curve["folds_choosing"].sum() == 1
    assert curve[["inner_cv_uar", "test_uar"]].notna().all().all()
    png = (results / "evaluation/holdout/uar_per_layer/w2v.png").read_bytes()
    assert png.startswith(b"\x89PNG")
    choice = json.loads((results / "features/ssl/w2v/holdout/layer.json").read_text())
    scores = pd.read_csv(results / "features/ssl/w2v/holdout/layer_scores.csv")
    best = scores["inner_cv_uar"].max()
    assert choice["selection"] == "auto"
    assert choice["layer"] == scores.loc[scores["inner_cv_uar"] == best, "layer"].min()
    assert curve.loc[curve["folds_choosing"] == 1, "layer"].item() == choice["layer"]
    assert choice["classes"] == sorted(
        pd.read_parquet(results / "metadata.parquet")["emotion"].unique()
    )


def test_the_chosen_layer_is_in_the_caption_and_the_closing_summary(auto_run):
    workdir, _, stderr = auto_run
    results = workdir / "results" / "demo"
    assert not (results / "features/ssl/w2v/holdout/holdout").exists()  # one folder per fold
    layer = json.loads((results / "features/ssl/w2v/holdout/layer.json").read_text())["layer"]
    said = f"SSL layer: w2v layer {layer} (chosen by inner CV on the training speakers)"
    caption = (results / "results_matrix.md").read_text().splitlines()[0]
    assert caption.endswith(said)
    # the run ends on its results matrix, caption first
    summary = stderr.split("serflow: results\n", 1)[1]
    assert summary.startswith(f"\n--- results/demo/results_matrix.md\n{caption}\n")


def test_sharded_extraction_equals_the_clips_run_alone(auto_run):
    workdir, model, _ = auto_run
    utterances, layers = read_layers(workdir / "results/demo/features/ssl/w2v.layers.npz")
    assert utterances == sorted(utterances) and len(utterances) == 140
    picked = utterances[::20]
    clips, _ = read_audio_shards(sorted(workdir.glob("results/demo/audio/*.parquet")), picked)
    alone = embed_layers([clips[u] for u in picked], load_encoder(str(model)), max_batch_s=0)
    rows = [utterances.index(u) for u in picked]
    error = np.linalg.norm(layers.mean[rows] - alone.mean) / np.linalg.norm(alone.mean)
    assert error < 1e-4


def test_a_fixed_layer_derives_from_the_stored_layers_without_the_model(auto_run):
    workdir, model, _ = auto_run
    write_config(workdir, _ssl_config(str(model), layer=2, pooling="mean_std"))
    jobs = planned_jobs(workdir)
    assert "extract_ssl" not in jobs and "merge_ssl_shards" not in jobs
    assert jobs["select_ssl_layer"] == 1 and jobs["tune_classifier"] == 1
    run_snakemake(workdir, "--cores", "2")
    folder = workdir / "results/demo/features/ssl/w2v/holdout"
    assert json.loads((folder / "layer.json").read_text())["layer"] == 2
    caption = (workdir / "results/demo/results_matrix.md").read_text().splitlines()[0]
    assert caption.endswith("SSL layer: w2v layer 2 (fixed in config)")
    features = pd.read_parquet(folder / "features.normalised.parquet")
    assert features.shape == (140, 1 + 2 * 32)
    assert features.columns[-1] == "std_0031"
    curve = pd.read_csv(workdir / "results/demo/evaluation/holdout/uar_per_layer/w2v.csv")
    assert curve.loc[curve["folds_choosing"] == 1, "layer"].item() == 2


def test_offline_hub_id_stops_extraction_naming_the_config_key(tmp_path):
    write_config(tmp_path, _ssl_config("facebook/wav2vec2-base", layer="auto"))
    result = run_snakemake(
        tmp_path,
        "--cores",
        "1",
        "results/demo/features/ssl/w2v.layers.npz",
        check=False,
        env={"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")},
    )
    assert result.returncode != 0
    # the shard that ran first failed and stopped the run
    (log,) = [path.read_text() for path in (tmp_path / "logs/demo/extract_ssl/w2v").glob("*.log")]
    assert "ssl.encoders.w2v.model" in log and "HF_HUB_OFFLINE=1" in log
    assert "hf download facebook/wav2vec2-base --local-dir" in log
    assert not (tmp_path / "results/demo/features/ssl/w2v.layers.npz").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "./no/such/dir"}, "ssl.encoders.w2v.model './no/such/dir' is not a directory"),
        ({"layer": "last"}, "'last' is not valid under any of the given schemas"),
    ],
)
def test_bad_encoder_config_fails_before_any_job(tmp_path, change, message):
    config = _ssl_config("./no/such/dir", layer="auto")
    config["ssl"]["encoders"]["w2v"].update({"model": str(tmp_path)} | change)
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", "--cores", "1", check=False)
    assert result.returncode != 0 and message in result.stdout + result.stderr


def test_a_feature_set_that_is_no_encoder_is_named(tmp_path):
    write_config(tmp_path, demo_config(feature_sets=["egemaps", "wav2vec"]))
    result = run_snakemake(tmp_path, "-n", "--cores", "1", check=False)
    assert result.returncode != 0
    text = result.stdout + result.stderr
    assert "feature_sets: 'wav2vec' is not a feature set" in text
    assert "or the name of an encoder under ssl.encoders" in text
