"""Rule extract_opensmile: openSMILE functionals of one audio shard's clips, on the rule's
threads, read a row group at a time."""

import pandas as pd

from serflow.audio import iter_audio_table
from serflow.logs import log_to_file
from serflow.opensmile_features import FunctionalsExtractor
from serflow.tables import require_finite, write_parquet

log = log_to_file(snakemake.log[0])
# the worker processes start before the audio is read, so they do not carry a copy of it
with FunctionalsExtractor(snakemake.wildcards.feature_set, workers=snakemake.threads) as smile:
    parts = [
        smile.extract(utterances, clips, sample_rate=sample_rate)
        for utterances, clips, sample_rate in iter_audio_table(snakemake.input.audio)
    ]
features = pd.concat(parts, ignore_index=True).sort_values("utterance", ignore_index=True)
log.info("shard %s: %d clips x %d features", snakemake.wildcards.shard, *features.shape)
require_finite(features, snakemake.wildcards.feature_set)
write_parquet(features, snakemake.output.features)
