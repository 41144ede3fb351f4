"""Building the BYOL-S encoders and loading their checkpoints strictly.

A checkpoint must hold exactly the parameter names and shapes of the published ones (listed in
``serflow/data/byols_state_dict_manifest.json``); anything else is refused with an error that
names the file and the offending keys, rather than being loaded half-way.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from functools import cache
from importlib import resources

import torch
from torch import nn

from serflow.byols.audiontt import AudioNTT2020Encoder
from serflow.byols.cvt import CvTEncoder
from serflow.byols.devices import resolve_device
from serflow.feature_sets import BYOLS, FEATURE_SETS, of_kind

#: Encoder name in serflow (a feature set) -> architecture name in the BYOL-S code and manifest.
ARCHITECTURES = {name: FEATURE_SETS[name].setting for name in of_kind(BYOLS)}

_SHOWN_KEYS = 10


class CheckpointError(ValueError):
    """A checkpoint that does not match the encoder it is loaded into."""


@cache
def manifest() -> dict[str, dict[str, tuple[int, ...]]]:
    """Parameter names and shapes of the published checkpoints, by architecture name."""
    text = (resources.files("serflow") / "data" / "byols_state_dict_manifest.json").read_text()
    return {
        arch: {key: tuple(shape) for key, shape in shapes.items()}
        for arch, shapes in json.loads(text).items()
    }


def build_encoder(name: str) -> nn.Module:
    """A freshly initialised encoder: ``"hybrid_byols"`` (CvT) or ``"byols"`` (AudioNTT2020)."""
    architecture = ARCHITECTURES.get(name)
    if architecture == "cvt":
        return CvTEncoder()
    if architecture == "default":
        return AudioNTT2020Encoder(n_mels=64, d=2048)
    raise ValueError(f"unknown BYOL-S encoder {name!r}; use one of {sorted(ARCHITECTURES)}")


def _listing(keys: list[str]) -> str:
    shown = ", ".join(keys[:_SHOWN_KEYS])
    return shown + (f" (and {len(keys) - _SHOWN_KEYS} more)" if len(keys) > _SHOWN_KEYS else "")


def check_state_dict(state_dict: object, name: str, source: str = "state dict") -> None:
    """Raise :class:`CheckpointError` unless ``state_dict`` matches the ``name`` manifest exactly.

    The message names ``source`` (usually the file) and lists the missing, unexpected and
    mis-shaped keys.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown BYOL-S encoder {name!r}; use one of {sorted(ARCHITECTURES)}")
    if not isinstance(state_dict, Mapping):
        raise CheckpointError(
            f"{source}: expected a state dict (a mapping of parameter names to tensors), "
            f"found {type(state_dict).__name__}"
        )
    expected = manifest()[ARCHITECTURES[name]]
    not_tensors = sorted(str(k) for k, v in state_dict.items() if not isinstance(v, torch.Tensor))
    missing = sorted(set(expected) - set(state_dict))
    unexpected = sorted(str(k) for k in set(state_dict) - set(expected))
    misshaped = sorted(
        f"{key} {tuple(state_dict[key].shape)} instead of {expected[key]}"
        for key in set(expected) & set(state_dict)
        if isinstance(state_dict[key], torch.Tensor)
        and tuple(state_dict[key].shape) != expected[key]
    )
    problems = []
    if missing:
        problems.append(f"missing keys: {_listing(missing)}")
    if unexpected:
        problems.append(f"unexpected keys: {_listing(unexpected)}")
    if misshaped:
        problems.append(f"wrong shapes: {_listing(misshaped)}")
    if not_tensors:
        problems.append(f"values that are not tensors: {_listing(not_tensors)}")
    if problems:
        raise CheckpointError(
            f"{source} is not a {name} ({ARCHITECTURES[name]}) BYOL-S checkpoint; "
            + "; ".join(problems)
            + ". Use the official checkpoint for this encoder."
        )


def load_encoder(
    name: str, path: str | os.PathLike, device: str | torch.device = "cpu"
) -> nn.Module:
    """Encoder ``name`` with the weights of checkpoint ``path``, on ``device``, in eval mode.

    ``device`` may be ``"auto"`` (CUDA when available, else the CPU).

    ``path`` must be a plain ``state_dict`` saved with ``torch.save``; it is read with
    ``weights_only=True`` (no code from the file is run) and checked key by key and shape by
    shape before loading.
    """
    model = build_encoder(name)
    device = resolve_device(device)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"BYOL-S checkpoint {os.fspath(path)!r} does not exist")
    try:
        state_dict = torch.load(path, map_location=device, weights_only=True)
    except Exception as error:
        raise CheckpointError(
            f"{os.fspath(path)} could not be read as a PyTorch state dict ({error}); "
            "give the path of an official BYOL-S checkpoint"
        ) from error
    check_state_dict(state_dict, name, source=os.fspath(path))
    model.load_state_dict(state_dict, strict=True)
    return model.to(device).eval()
