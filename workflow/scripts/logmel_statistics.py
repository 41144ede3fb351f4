"""Rule logmel_statistics: the corpus-wide log-mel mean and std that BYOL-S inputs are scaled by."""

import json

from serflow.audio import read_audio_table
from serflow.byols_features import logmel_statistics
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_json

log = log_to_file(snakemake.log[0])
if snakemake.params.speakers == "train":
    with open(snakemake.input.split) as stream:
        (fold,) = json.load(stream)["folds"]
    metadata = read_parquet(snakemake.input.metadata, columns=["utterance", "speaker"])
    utterances = metadata.loc[metadata["speaker"].isin(fold["train_speakers"]), "utterance"]
    clips, _ = read_audio_table(snakemake.input.audio, utterances.tolist())
    log.info("statistics over the training speakers %s", fold["train_speakers"])
else:
    clips, _ = read_audio_table(snakemake.input.audio)
    log.info("statistics over every speaker, test speakers included (as the notebook does)")
stats = logmel_statistics([clips[u] for u in sorted(clips)])
stats["speakers"] = snakemake.params.speakers
log.info("log-mel mean %.6f, std %.6f over %d clips", stats["mean"], stats["std"], stats["n_clips"])
write_json(stats, snakemake.output.stats)
