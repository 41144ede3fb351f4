"""Choosing the torch device for the BYOL-S encoders (:mod:`serflow.torch_runtime`'s)."""

from serflow.torch_runtime import resolve_device

__all__ = ["resolve_device"]
