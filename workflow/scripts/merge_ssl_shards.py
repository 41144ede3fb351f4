"""Rule merge_ssl_shards: one all-layers file from the shards, sorted by utterance."""

from serflow.logs import log_to_file
from serflow.ssl.layers import merge_layers, read_layers, write_layers

log = log_to_file(snakemake.log[0])
utterances, embeddings = merge_layers([read_layers(path) for path in snakemake.input.shards])
log.info("%d clips x %d hidden states x %d", *embeddings.mean.shape)
write_layers(snakemake.output.layers, utterances, embeddings)
