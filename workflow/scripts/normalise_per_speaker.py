"""Rule normalise_per_speaker: standardise each speaker's features with its own statistics."""

from serflow.logs import log_to_file
from serflow.normalise import normalise_per_speaker
from serflow.tables import read_parquet, write_parquet

log = log_to_file(snakemake.log[0])
features = read_parquet(snakemake.input.features)
metadata = read_parquet(snakemake.input.metadata, columns=["utterance", "speaker"])
speakers = metadata.set_index("utterance")["speaker"]
normalised = normalise_per_speaker(features, speakers)
log.info("normalised %d rows over %d speakers", len(normalised), speakers.nunique())
write_parquet(normalised, snakemake.output.features)
