"""serflow.ssl with tiny randomly initialised wav2vec 2.0, HuBERT and WavLM models written with
save_pretrained into temporary directories (no download)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import torch

from serflow.ssl import (
    EncoderLoadError,
    LayerEmbeddings,
    chunk_bounds,
    embed_layers,
    load_encoder,
    padding_mode,
    plan_batches,
    save_random_encoder,
)
from serflow.ssl.layers import (
    check_layer,
    choose_layer,
    layer_scores,
    layer_table,
    merge_layers,
    read_layers,
    write_layers,
)

TOLERANCE = 1e-4
VARIANTS = [(arch, norm) for arch in ("wav2vec2", "hubert", "wavlm") for norm in ("group", "layer")]
#: lengths (samples) that make padded batches: none equal, and two that are
LENGTHS = [4000, 3100, 3999, 5200, 2500, 4000, 3300]


def relative_error(out, ref) -> float:
    out, ref = np.asarray(out, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


@pytest.fixture(scope="module")
def model_dirs(tmp_path_factory) -> dict[tuple[str, str], str]:
    root = tmp_path_factory.mktemp("ssl_models")
    dirs = {}
    for arch, norm in VARIANTS:
        path = save_random_encoder(root / f"{arch}-{norm}", arch, feat_extract_norm=norm)
        dirs[arch, norm] = str(path)
    return dirs


@pytest.fixture(scope="module")
def clips() -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    return [(0.1 * rng.standard_normal(n)).astype(np.float32) for n in LENGTHS]


def own_forward(encoder, clip: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std over time of every hidden state: the feature extractor and the model's own
    forward on the clip alone, as a user would write it."""
    inputs = encoder.feature_extractor(clip, sampling_rate=16000, return_tensors="pt")
    with torch.no_grad():
        states = encoder.model(**inputs, output_hidden_states=True).hidden_states
    mean = torch.stack([h[0].mean(0) for h in states]).numpy()
    std = torch.stack([h[0].std(0, unbiased=False) for h in states]).numpy()
    return mean, std


@pytest.mark.parametrize(("architecture", "norm"), VARIANTS)
def test_batched_equals_single_clip_equals_own_forward(model_dirs, clips, architecture, norm):
    encoder = load_encoder(model_dirs[architecture, norm], device="cpu")
    assert padding_mode(encoder.model) == ("group_norm" if norm == "group" else "mask")
    # the batches really mix lengths (padding): 3 seconds of budget, up to half padding
    batches = plan_batches(LENGTHS, 3 * 16000, 0.5)
    assert any(len({LENGTHS[i] for i in batch}) > 1 for batch in batches)
    batched = embed_layers(clips, encoder, device="cpu", max_batch_s=3.0, max_padding=0.5)
    single = embed_layers(clips, encoder, device="cpu", max_batch_s=0)
    assert batched.mean.shape == (len(clips), 4, 32) == batched.std.shape
    for i, clip in enumerate(clips):
        mean, std = own_forward(encoder, clip)
        assert relative_error(single.mean[i], mean) < TOLERANCE
        assert relative_error(single.std[i], std) < TOLERANCE
        assert relative_error(batched.mean[i], single.mean[i]) < TOLERANCE
        assert relative_error(batched.std[i], single.std[i]) < TOLERANCE


@pytest.mark.parametrize(("architecture", "norm"), VARIANTS)
def test_zero_padding_alone_changes_group_norm_encoders_only(model_dirs, clips, architecture, norm):
    """Why the group-norm models need serflow's per-clip normalisation: with the model as it
    is, zero padding plus the attention mask changes a clip's frames unless its feature
    encoder uses layer norm."""
    encoder = load_encoder(model_dirs[architecture, norm], device="cpu")
    short, long = clips[4], clips[3]
    inputs = [encoder.feature_extractor(c, sampling_rate=16000)["input_values"][0] for c in clips]
    x = torch.zeros(2, len(long))
    mask = torch.zeros(2, len(long), dtype=torch.long)
    x[0], mask[0] = torch.as_tensor(inputs[3]), 1
    x[1, : len(short)], mask[1, : len(short)] = torch.as_tensor(inputs[4]), 1
    with torch.no_grad():
        padded = encoder.model(x, attention_mask=mask).last_hidden_state[1]
        alone = encoder.model(x[1:, : len(short)]).last_hidden_state[0]
    error = relative_error(padded[: len(alone)], alone)
    if norm == "group":
        assert error > 1e-3
    else:
        assert error < 1e-5


def test_long_clips_are_pooled_over_chunks_run_alone(model_dirs):
    encoder = load_encoder(model_dirs["wavlm", "layer"], device="cpu")
    clip = (0.1 * np.random.default_rng(1).standard_normal(9000)).astype(np.float32)
    chunked = embed_layers([clip], encoder, device="cpu", max_chunk_s=0.25)  # 4000 samples
    bounds = chunk_bounds(len(clip), 4000)
    assert bounds == [(0, 3000), (3000, 6000), (6000, 9000)]
    frames = []
    for start, end in bounds:
        chunk = clip[start:end]
        inputs = encoder.feature_extractor(chunk, sampling_rate=16000, return_tensors="pt")
        with torch.no_grad():
            states = encoder.model(**inputs, output_hidden_states=True).hidden_states
        frames.append(torch.stack([h[0] for h in states]).numpy())
    joined = np.concatenate(frames, axis=1)  # (layers, all frames, hidden)
    assert relative_error(chunked.mean[0], joined.mean(axis=1)) < TOLERANCE
    assert relative_error(chunked.std[0], joined.std(axis=1)) < TOLERANCE
    whole = embed_layers([clip], encoder, device="cpu")
    assert relative_error(whole.mean[0], own_forward(encoder, clip)[0]) < TOLERANCE


def test_threads_are_used_and_restored(model_dirs, clips):
    encoder = load_encoder(model_dirs["wav2vec2", "group"], device="cpu")
    before = torch.get_num_threads()
    one = embed_layers(clips[:2], encoder, device="cpu", threads=1)
    assert torch.get_num_threads() == before
    assert relative_error(one.mean, embed_layers(clips[:2], encoder, device="cpu").mean) < TOLERANCE


def test_clip_shorter_than_the_receptive_field_is_named(model_dirs):
    encoder = load_encoder(model_dirs["hubert", "group"], device="cpu")
    with pytest.raises(ValueError, match="clip 1 has 30 samples.*at least 40"):
        embed_layers([np.zeros(4000, np.float32), np.zeros(30, np.float32)], encoder)


def test_plan_batches_equal_mode_keeps_lengths_apart():
    batches = plan_batches([5, 5, 4, 4, 4], 100, 0.5, equal=True)
    assert batches == [[0, 1], [2, 3, 4]]
    assert plan_batches([5, 4], 0, 0.1) == [[0], [1]]


def _run_python(code: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env={**os.environ, **env}
    )


def test_offline_hub_id_error_names_key_local_copy_and_cache(tmp_path):
    code = (
        "from serflow.ssl import load_encoder\nload_encoder('facebook/wav2vec2-base', name='w2v')\n"
    )
    result = _run_python(code, {"HF_HUB_OFFLINE": "1", "HF_HOME": str(tmp_path / "hf")})
    assert result.returncode != 0
    message = result.stderr
    assert "EncoderLoadError" in message and "ssl.encoders.w2v.model" in message
    assert "hf download facebook/wav2vec2-base --local-dir" in message
    assert "save_pretrained" in message and "HF_HUB_OFFLINE=1" in message


def test_missing_local_directory_is_named(tmp_path):
    with pytest.raises(EncoderLoadError, match=r"ssl\.encoders\.mine\.model.*local directory"):
        load_encoder(str(tmp_path / "absent"), name="mine")


def test_hub_cache_works_offline(model_dirs, tmp_path):
    """A model in the Hugging Face cache loads by hub id with HF_HUB_OFFLINE=1: the cache is
    laid out as the hub client writes it (a snapshot of the tiny model's files)."""
    hf_home = tmp_path / "hf"
    repo = hf_home / "hub" / "models--serflow--tiny-wav2vec2"
    snapshot = repo / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text("0" * 40)
    for path in Path(model_dirs["wav2vec2", "group"]).iterdir():
        (snapshot / path.name).write_bytes(path.read_bytes())
    code = (
        "from serflow.ssl import load_encoder\n"
        "e = load_encoder('serflow/tiny-wav2vec2', name='w2v')\n"
        "print(type(e.model).__name__, e.n_layers)\n"
    )
    result = _run_python(code, {"HF_HUB_OFFLINE": "1", "HF_HOME": str(hf_home)})
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["Wav2Vec2Model", "4"]


# --- the all-layers file, layer tables and the layer choice ---------------------------------


def _synthetic_corpus(seed: int = 0):
    """8 speakers x 4 emotions x 4 clips; layer 2 carries the emotion, the others noise."""
    rng = np.random.default_rng(seed)
    speakers = [f"{s:02d}" for s in range(3, 11)]
    emotions = list("ANTW")
    rows = [(f"{s}a{k:02d}{e}", s, e) for s in speakers for e in emotions for k in range(4)]
    metadata = pd.DataFrame(rows, columns=["utterance", "speaker", "emotion"])
    n = len(metadata)
    mean = rng.normal(size=(n, 4, 6)).astype(np.float32)
    codes = metadata["emotion"].map({e: i for i, e in enumerate(emotions)}).to_numpy()
    mean[np.arange(n), 2, codes] += 3.0
    std = np.abs(rng.normal(size=(n, 4, 6))).astype(np.float32)
    return metadata, metadata["utterance"].tolist(), LayerEmbeddings(mean=mean, std=std)


def test_layer_choice_never_sees_test_speakers():
    metadata, utterances, embeddings = _synthetic_corpus()
    fold = {
        "fold": "holdout",
        "train_speakers": ["03", "04", "05", "06", "07", "08"],
        "test_speakers": ["09", "10"],
    }
    scores = layer_scores(utterances, embeddings, metadata, fold, cv_folds=3)
    assert choose_layer(scores) == 2
    # the test speakers' features changed completely: layer 0 now separates their emotions
    altered_mean = embeddings.mean.copy()
    test_rows = metadata["speaker"].isin(fold["test_speakers"]).to_numpy()
    rng = np.random.default_rng(7)
    altered_mean[test_rows] = rng.normal(size=altered_mean[test_rows].shape)
    codes = metadata["emotion"].map({e: i for i, e in enumerate("ANTW")}).to_numpy()
    altered_mean[np.where(test_rows)[0], 0, codes[test_rows]] += 5.0
    altered = LayerEmbeddings(mean=altered_mean, std=embeddings.std)
    changed = layer_scores(utterances, altered, metadata, fold, cv_folds=3)
    pd.testing.assert_series_equal(scores["inner_cv_uar"], changed["inner_cv_uar"])
    assert choose_layer(changed) == 2
    # only the reported test UAR moves
    assert not np.allclose(scores["test_uar"], changed["test_uar"])


def test_layer_table_pooling_and_layer_check():
    _, utterances, embeddings = _synthetic_corpus()
    mean = layer_table(utterances, embeddings, 1)
    assert list(mean.columns[:3]) == ["utterance", "mean_0000", "mean_0001"]
    assert mean.shape == (len(utterances), 7)
    both = layer_table(utterances, embeddings, 1, "mean_std")
    assert both.shape == (len(utterances), 13) and both.columns[-1] == "std_0005"
    np.testing.assert_array_equal(both["std_0003"], embeddings.std[:, 1, 3])
    with pytest.raises(ValueError, match=r"ssl\.encoders\.w2v\.layer is 4.*0\.\.3"):
        check_layer(4, 4, "w2v")


def test_all_layers_file_round_trip_and_shard_merge(tmp_path):
    _, utterances, embeddings = _synthetic_corpus()
    halves = [
        (utterances[1::2], LayerEmbeddings(embeddings.mean[1::2], embeddings.std[1::2])),
        (utterances[::2], LayerEmbeddings(embeddings.mean[::2], embeddings.std[::2])),
    ]
    merged_ids, merged = merge_layers(halves)
    order = np.argsort(utterances)
    assert merged_ids == sorted(utterances)
    np.testing.assert_array_equal(merged.mean, embeddings.mean[order])
    write_layers(tmp_path / "layers.npz", merged_ids, merged)
    ids, read = read_layers(tmp_path / "layers.npz")
    assert ids == merged_ids
    np.testing.assert_array_equal(read.std, merged.std)
