"""Rule extract_ssl: pooled embeddings of every hidden layer for one shard of the corpus."""

from serflow.audio import read_audio_shards
from serflow.byols_features import shard_utterances
from serflow.logs import log_to_file
from serflow.ssl import embed_layers, load_encoder
from serflow.ssl.layers import write_layers
from serflow.tables import read_parquet

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
shard, n_shards = int(snakemake.wildcards.shard), snakemake.params.n_shards
corpus = read_parquet(snakemake.input.metadata, columns=["utterance"])["utterance"].tolist()
utterances = shard_utterances(corpus, shard, n_shards)
shard_clips, _ = read_audio_shards(snakemake.input.audio, utterances)
clips = [shard_clips[u] for u in utterances]
encoder = load_encoder(snakemake.params.model, name=feature_set, device=snakemake.params.device)
log.info(
    "%s (%s, %d hidden states x %d), shard %d of %d: %d clips, %d threads",
    snakemake.params.model,
    type(encoder.model).__name__,
    encoder.n_layers,
    encoder.hidden_size,
    shard + 1,
    n_shards,
    len(clips),
    snakemake.threads,
)
embeddings = embed_layers(
    clips,
    encoder,
    max_chunk_s=snakemake.params.max_chunk_s,
    max_batch_s=snakemake.params.max_batch_s,
    device=snakemake.params.device,
    threads=snakemake.threads,
)
write_layers(snakemake.output.layers, utterances, embeddings)
