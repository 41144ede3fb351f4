"""Rule logmel_statistics: the corpus-wide log-mel mean and std that BYOL-S inputs are scaled by,
computed one audio shard at a time."""

import json

from serflow.audio import read_audio_table
from serflow.byols_features import clip_logmel_stats, logmel_statistics
from serflow.fold_rows import part_mask
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_json

log = log_to_file(snakemake.log[0])
selected = None
if snakemake.params.speakers == "train":
    with open(snakemake.input.split) as stream:
        (fold,) = json.load(stream)["folds"]
    metadata = read_parquet(snakemake.input.metadata)
    train = part_mask(metadata, fold, "train")
    selected = metadata.loc[train, "utterance"].tolist()
    log.info("statistics over the training speakers %s", fold["train_speakers"])
else:
    log.info("statistics over every speaker, test speakers included (as the notebook does)")
per_clip = {}
for path in snakemake.input.audio:
    clips, _ = read_audio_table(path, selected)
    utterances = sorted(clips)
    per_clip.update(clip_logmel_stats(utterances, [clips[u] for u in utterances]))
stats = logmel_statistics(per_clip)
stats["speakers"] = snakemake.params.speakers
log.info("log-mel mean %.6f, std %.6f over %d clips", stats["mean"], stats["std"], stats["n_clips"])
write_json(stats, snakemake.output.stats)
