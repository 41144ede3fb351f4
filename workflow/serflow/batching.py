"""Batches of clips of similar length, for the PyTorch extractors (BYOL-S and the SSL encoders).

Standard library only.
"""

from __future__ import annotations

from collections.abc import Sequence


def plan_batches(
    lengths: Sequence[int], max_batch: int, max_padding: float, equal: bool = False
) -> list[list[int]]:
    """Group indices into batches of similar length, longest first.

    A batch costs ``len(batch) * longest`` (samples or frames); it grows while that stays within
    ``max_batch`` and the padding within ``max_padding`` of it, so a clip longer than the budget
    gets a batch of its own. ``equal``: only identical lengths share a batch. ``max_batch=0``
    runs every clip alone.
    """
    order = sorted(range(len(lengths)), key=lambda i: (-lengths[i], i))
    batches: list[list[int]] = []
    for i in order:
        if batches and max_batch > 0:
            batch = batches[-1]
            longest = lengths[batch[0]]
            cost = (len(batch) + 1) * longest
            real = sum(lengths[j] for j in batch) + lengths[i]
            fits = cost <= max_batch and cost - real <= max_padding * cost
            if fits and (not equal or lengths[i] == longest):
                batch.append(i)
                continue
        batches.append([i])
    return batches
