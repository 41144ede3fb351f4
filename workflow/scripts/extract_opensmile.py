"""Rule extract_opensmile: openSMILE functionals of every cached clip, on the rule's threads."""

from serflow.audio import read_audio_table
from serflow.logs import log_to_file
from serflow.opensmile_features import extract_functionals
from serflow.tables import write_parquet

log = log_to_file(snakemake.log[0])
clips, sample_rate = read_audio_table(snakemake.input.audio)
utterances = sorted(clips)
features = extract_functionals(
    utterances,
    [clips[u] for u in utterances],
    snakemake.wildcards.feature_set,
    sample_rate=sample_rate,
    workers=snakemake.threads,
)
log.info("%d clips x %d features", *features.shape)
write_parquet(features, snakemake.output.features)
