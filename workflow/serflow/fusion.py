"""Fused feature sets: several feature tables of the same clips side by side.

A fused set (``egemaps+compare``, :data:`serflow.feature_sets.FUSION`) is its parts' raw tables
joined on the utterance id, each column prefixed by the feature set it came from, so that
names stay unique and say their source. The workflow then normalises the joined table per
speaker like any other (rule normalise_per_speaker).
"""

from __future__ import annotations

import pandas as pd


def fuse(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The tables (feature set -> table keyed by ``utterance``) joined on ``utterance``, in
    the order given, columns renamed ``<feature set>.<column>``, rows sorted by utterance.

    Every table must hold the same utterances: a clip one extractor skipped would otherwise
    vanish silently from the benchmark; the error names the feature set and clips.
    """
    names = list(tables)
    reference = set(tables[names[0]]["utterance"])
    joined = None
    for name, table in tables.items():
        if table["utterance"].duplicated().any():
            raise ValueError(f"the {name} table has repeated utterance ids; rerun its extraction")
        differ = sorted(reference.symmetric_difference(table["utterance"]))
        if differ:
            raise ValueError(
                f"the {name} and {names[0]} tables do not hold the same clips ({differ[:10]}); "
                "rerun their extraction"
            )
        renamed = table.set_index("utterance").add_prefix(f"{name}.")
        joined = renamed if joined is None else joined.join(renamed, how="inner")
    return joined.sort_index().reset_index()
