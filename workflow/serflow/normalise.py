"""Per-speaker standardisation of feature tables, as the EmoDB notebook does it."""

from __future__ import annotations

import numpy as np
import pandas as pd

from serflow.tables import require_finite


def normalise_per_speaker(features: pd.DataFrame, speakers: pd.Series) -> pd.DataFrame:
    """Standardise each speaker's rows with that speaker's own mean and standard deviation.

    ``features`` has an ``utterance`` column and one column per feature; ``speakers`` maps
    utterance -> speaker. The standard deviation is the population one (ddof=0, as
    scikit-learn's StandardScaler); a column constant within a speaker becomes 0, never NaN.
    A non-finite input value is an error (:func:`serflow.tables.require_finite`).
    """
    require_finite(features, "given")
    speaker_of = features["utterance"].map(speakers)
    if speaker_of.isna().any():
        missing = features.loc[speaker_of.isna(), "utterance"].tolist()[:10]
        raise KeyError(f"no speaker known for utterance(s) {missing}; rebuild the metadata")
    values = features.drop(columns="utterance").to_numpy(dtype=np.float64)
    normalised = np.empty_like(values)
    for speaker in sorted(speaker_of.unique()):
        rows = (speaker_of == speaker).to_numpy()
        block = values[rows]
        mean = block.mean(axis=0)
        std = block.std(axis=0)
        std[std == 0.0] = 1.0
        normalised[rows] = (block - mean) / std
    table = pd.DataFrame(normalised.astype(np.float32), columns=features.columns[1:])
    table.insert(0, "utterance", features["utterance"].to_numpy())
    return table
