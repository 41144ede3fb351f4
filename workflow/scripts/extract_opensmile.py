"""Rule extract_opensmile: openSMILE functionals of one audio shard's clips, on its threads."""

from serflow.audio import read_audio_table
from serflow.logs import log_to_file
from serflow.opensmile_features import FunctionalsExtractor
from serflow.tables import require_finite, write_parquet

log = log_to_file(snakemake.log[0])
# the worker processes start before the audio is read, so they do not carry a copy of it
with FunctionalsExtractor(snakemake.wildcards.feature_set, workers=snakemake.threads) as smile:
    clips, sample_rate = read_audio_table(snakemake.input.audio)
    utterances = sorted(clips)
    features = smile.extract(utterances, [clips[u] for u in utterances], sample_rate=sample_rate)
log.info("shard %s: %d clips x %d features", snakemake.wildcards.shard, *features.shape)
require_finite(features, snakemake.wildcards.feature_set)
write_parquet(features, snakemake.output.features)
