"""serflow.byols against reference outputs of the original serab-byols code.

The reference data (tests/data/byols/) are random-weight state dicts of both encoders and what
the original code gave for five clips with them; see tests/data/byols/README.md.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from serflow.batching import plan_batches
from serflow.byols import (
    CheckpointError,
    build_encoder,
    compute_logmels,
    embed_clips,
    load_encoder,
    log_mel,
    n_frames,
    scene_embeddings,
    scene_stats,
)
from serflow.byols.checkpoint import manifest

DATA = Path(__file__).parent / "data" / "byols"
CHECKPOINTS = {
    "hybrid_byols": DATA / "cvt_random_state_dict.pth",
    "byols": DATA / "default_random_state_dict.pth",
}
REFERENCE_TAG = {"hybrid_byols": "cvt", "byols": "default"}
TOLERANCE = 1e-4


def relative_error(out, ref) -> float:
    out, ref = np.asarray(out, dtype=np.float64), np.asarray(ref, dtype=np.float64)
    return float(np.linalg.norm(out - ref) / np.linalg.norm(ref))


@pytest.fixture(scope="module")
def reference() -> dict[str, np.ndarray]:
    with np.load(DATA / "byols_reference.npz") as npz:
        return {key: npz[key] for key in npz.files}


@pytest.fixture(scope="module")
def clips(reference) -> list[np.ndarray]:
    return [reference[f"audio_{i}"] for i in range(5)]


@pytest.fixture(scope="module")
def encoders() -> dict[str, torch.nn.Module]:
    return {name: load_encoder(name, path, "cpu") for name, path in CHECKPOINTS.items()}


# --- front end ---------------------------------------------------------------------------


@pytest.mark.parametrize("i", range(5))
def test_log_mel_matches_reference(reference, i):
    audio = reference[f"audio_{i}"]
    lms = log_mel(audio)
    expected = reference[f"logmel_{i}"]
    assert lms.dtype == torch.float32
    assert tuple(lms.shape) == expected.shape == (64, n_frames(len(audio)))
    assert relative_error(lms, expected) < TOLERANCE


def test_batched_front_end_matches_single_clips(clips):
    batch = compute_logmels(clips, "cpu")
    for clip, lms in zip(clips, batch, strict=True):
        assert torch.equal(lms, log_mel(clip))


def test_scene_stats_match_reference(clips, reference):
    stats = scene_stats(compute_logmels(clips, "cpu"))
    assert relative_error(stats, reference["scene_stats"]) < TOLERANCE


def test_scene_stats_weigh_clips_equally():
    short, long = torch.zeros(64, 10), torch.ones(64, 1000)
    short[0, 0] = 1.0  # give the short clip some spread
    mean, _ = scene_stats([short, long])
    assert mean == pytest.approx((short.mean().item() + 1.0) / 2)


# --- encoders ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_encoder_alone_matches_reference(encoders, clips, reference, name):
    mean, std = reference["scene_stats"]
    x = ((log_mel(clips[2]) - mean) / std)[None, None]
    assert tuple(x.shape) == (1, 1, 64, 171)
    with torch.inference_mode():
        out = encoders[name](x)
    expected = reference[f"encoder_out_{REFERENCE_TAG[name]}_clip2"]
    assert tuple(out.shape) == expected.shape == (1, 2048)
    assert relative_error(out, expected) < TOLERANCE


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
@pytest.mark.parametrize(
    ("max_batch_frames", "max_padding"),
    [(0, 0.0), (5000, 0.05), (100_000, 1.0)],
    ids=["one-by-one", "default-batching", "all-padded-together"],
)
def test_embed_clips_matches_reference(
    encoders, clips, reference, name, max_batch_frames, max_padding
):
    mean, std = reference["scene_stats"]
    out = embed_clips(
        clips,
        encoders[name],
        mean,
        std,
        max_batch_frames=max_batch_frames,
        max_padding=max_padding,
        device="cpu",
        threads=2,
    )
    expected = reference[f"scene_embeddings_{REFERENCE_TAG[name]}"]
    assert out.dtype == np.float32 and out.shape == expected.shape == (5, 2048)
    for row, ref_row in zip(out, expected, strict=True):
        assert relative_error(row, ref_row) < TOLERANCE


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_scene_embeddings_use_stats_of_the_clips(encoders, clips, reference, name):
    out, stats = scene_embeddings(clips, encoders[name], device="auto")
    assert relative_error(stats, reference["scene_stats"]) < TOLERANCE
    assert relative_error(out, reference[f"scene_embeddings_{REFERENCE_TAG[name]}"]) < TOLERANCE


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_padding_is_masked_out(encoders, clips, name):
    # lengths 1..9 frames short of the longest cover every remainder of the strides (4, 2, 2, 8)
    audio = clips[2]
    cut = [audio[: len(audio) - 160 * k] for k in range(10)]
    alone = embed_clips(cut, encoders[name], 0.0, 2.5, max_batch_frames=0, device="cpu")
    padded = embed_clips(
        cut, encoders[name], 0.0, 2.5, max_batch_frames=100_000, max_padding=1.0, device="cpu"
    )
    for a, b in zip(alone, padded, strict=True):
        assert relative_error(b, a) < 1e-5
    # and the masking is what makes them equal: without it the padding leaks in
    longest, short = cut[0], cut[-1]
    x = torch.zeros(2, 1, 64, n_frames(len(longest)))
    for row, clip in enumerate([longest, short]):
        lms = log_mel(clip) / 2.5
        x[row, 0, :, : lms.shape[-1]] = lms
    with torch.inference_mode():
        leaky = encoders[name](x)[1]
    assert relative_error(leaky, alone[-1]) > 1e-3


def test_embed_clips_keeps_input_order(encoders, clips):
    order = [3, 0, 4, 2, 1]
    out = embed_clips(clips, encoders["byols"], -0.6, 2.5, device="cpu")
    shuffled = embed_clips([clips[i] for i in order], encoders["byols"], -0.6, 2.5, device="cpu")
    np.testing.assert_allclose(shuffled, out[order], rtol=1e-5, atol=1e-6)


def test_embed_clips_restores_thread_count(encoders, clips):
    before = torch.get_num_threads()
    embed_clips(clips[:1], encoders["byols"], 0.0, 1.0, device="cpu", threads=1, progress=True)
    assert torch.get_num_threads() == before


def test_embed_clips_of_nothing():
    out = embed_clips([], build_encoder("hybrid_byols"), 0.0, 1.0, device="cpu")
    assert out.shape == (0, 2048) and out.dtype == np.float32


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (np.zeros((2, 16000), dtype=np.float32), "mono"),
        (np.zeros(400, dtype=np.float32), "too short"),
        (np.full(16000, np.nan, dtype=np.float32), "NaN"),
        (np.zeros(16000, dtype=np.int16), "dtype"),
    ],
    ids=["stereo", "too-short", "nan", "integer"],
)
def test_embed_clips_rejects_bad_clips(encoders, bad, message):
    with pytest.raises(ValueError, match=message):
        embed_clips([bad], encoders["byols"], 0.0, 1.0, device="cpu")


def test_plan_batches_covers_every_clip_once():
    rng = np.random.default_rng(0)
    frames = [int(f) for f in rng.integers(120, 900, size=200)]
    batches = plan_batches(frames, 3000, 0.05)
    assert sorted(i for batch in batches for i in batch) == list(range(200))
    for batch in batches:
        longest = max(frames[i] for i in batch)
        assert frames[batch[0]] == longest
        if len(batch) > 1:
            cost = len(batch) * longest
            assert cost <= 3000
            assert cost - sum(frames[i] for i in batch) <= 0.05 * cost
    assert all(len(batch) == 1 for batch in plan_batches(frames, 0, 0.05))


# --- checkpoints -------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CHECKPOINTS))
def test_model_parameters_match_manifest(name):
    arch = REFERENCE_TAG[name]
    state = build_encoder(name).state_dict()
    assert {k: tuple(v.shape) for k, v in state.items()} == manifest()[arch]


@pytest.mark.parametrize("device", ["cpu", torch.device("cpu")])
def test_load_encoder_maps_to_cpu(device):
    model = load_encoder("hybrid_byols", CHECKPOINTS["hybrid_byols"], device)
    assert not model.training
    assert all(p.device.type == "cpu" for p in model.parameters())
    saved = torch.load(CHECKPOINTS["hybrid_byols"], map_location="cpu", weights_only=True)
    assert torch.equal(model.state_dict()["layers.2.0.weight"], saved["layers.2.0.weight"])


def _tampered(tmp_path: Path, name: str, change) -> Path:
    """A copy of the reference checkpoint of ``name`` after ``change(state_dict)``."""
    state = torch.load(CHECKPOINTS[name], map_location="cpu", weights_only=True)
    change(state)
    path = tmp_path / f"{name}_tampered.pth"
    torch.save(state, path)
    return path


CVT_KV = "layers.1.2.layers.0.0.fn.to_kv.net.2.weight"


@pytest.mark.parametrize(
    ("name", "key", "change", "expected"),
    [
        ("hybrid_byols", CVT_KV, lambda s: s.pop(CVT_KV), "missing keys"),
        ("byols", "fc.3.bias", lambda s: s.pop("fc.3.bias"), "missing keys"),
        (
            "hybrid_byols",
            "head.weight",
            lambda s: s.update({"head.weight": torch.zeros(3)}),
            "unexpected keys",
        ),
        (
            "byols",
            "fc.5.weight",
            lambda s: s.update({"fc.5.weight": torch.zeros(3)}),
            "unexpected keys",
        ),
        (
            "hybrid_byols",
            "layers.0.0.bias",
            lambda s: s.update({"layers.0.0.bias": torch.zeros(65)}),
            "wrong shapes",
        ),
        (
            "byols",
            "fc.0.weight",
            lambda s: s.update({"fc.0.weight": torch.zeros(2048, 256)}),
            "wrong shapes",
        ),
    ],
    ids=[
        "cvt-missing",
        "default-missing",
        "cvt-extra",
        "default-extra",
        "cvt-shape",
        "default-shape",
    ],
)
def test_strict_loading_names_the_bad_key(tmp_path, name, key, change, expected):
    path = _tampered(tmp_path, name, change)
    with pytest.raises(CheckpointError) as error:
        load_encoder(name, path, "cpu")
    message = str(error.value)
    assert str(path) in message and expected in message and key in message


def test_checkpoint_of_the_other_encoder_is_refused():
    with pytest.raises(CheckpointError, match="not a byols.*unexpected keys: layers.0.0.bias"):
        load_encoder("byols", CHECKPOINTS["hybrid_byols"], "cpu")


def test_checkpoint_that_is_not_a_state_dict(tmp_path):
    path = tmp_path / "list.pth"
    torch.save([torch.zeros(2)], path)
    with pytest.raises(CheckpointError, match="expected a state dict"):
        load_encoder("byols", path, "cpu")


def test_missing_checkpoint_file_and_unknown_encoder(tmp_path):
    with pytest.raises(FileNotFoundError, match="nothing.pth"):
        load_encoder("byols", tmp_path / "nothing.pth", "cpu")
    with pytest.raises(ValueError, match="unknown BYOL-S encoder 'byol_a'"):
        load_encoder("byol_a", CHECKPOINTS["byols"], "cpu")
