"""Rule extract_byols: BYOL-S embeddings of one shard of the corpus."""

import json

from serflow.audio import read_audio_shards
from serflow.byols_features import extract_embeddings, shard_utterances
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_parquet

log = log_to_file(snakemake.log[0])
with open(snakemake.input.stats) as stream:
    stats = json.load(stream)
shard, n_shards = int(snakemake.wildcards.shard), snakemake.params.n_shards
corpus = read_parquet(snakemake.input.metadata, columns=["utterance"])["utterance"].tolist()
utterances = shard_utterances(corpus, shard, n_shards)
shard_clips, _ = read_audio_shards(snakemake.input.audio, utterances)
clips = [shard_clips[u] for u in utterances]
log.info("shard %d of %d: %d clips, %d threads", shard + 1, n_shards, len(clips), snakemake.threads)
table = extract_embeddings(
    utterances,
    clips,
    snakemake.wildcards.feature_set,
    snakemake.input.checkpoint,
    stats,
    device=snakemake.params.device,
    threads=snakemake.threads,
    max_batch_frames=snakemake.params.max_batch_frames,
)
write_parquet(table, snakemake.output.features)
