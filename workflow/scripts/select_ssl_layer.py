"""Rule select_ssl_layer: UAR per layer on an outer fold, its layer, and that layer's table."""

import json

from serflow.fold_ids import fold_of_folder
from serflow.fold_rows import part_rows
from serflow.layer_choice import selection_text
from serflow.layer_weighting import WEIGHTED, all_layers_table
from serflow.logs import log_to_file
from serflow.normalise import normalise_per_speaker
from serflow.ssl.layers import check_layer, choose_layer, layer_scores, layer_table, read_layers
from serflow.tables import read_parquet, write_csv, write_json, write_parquet

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
_, fold_id = fold_of_folder(snakemake.wildcards.fold_folder)
with open(snakemake.input.split) as stream:
    fold = {f["fold"]: f for f in json.load(stream)["folds"]}[fold_id]
metadata = read_parquet(snakemake.input.metadata)
utterances, embeddings = read_layers(snakemake.input.layers)
n_layers = embeddings.mean.shape[1]
fixed = snakemake.params.layer
if fixed not in ("auto", WEIGHTED):
    check_layer(int(fixed), n_layers, feature_set)
log.info("fold %s: training speakers %s", fold["fold"], fold["train_speakers"])
scores = layer_scores(
    utterances,
    embeddings,
    metadata,
    fold,
    pooling=snakemake.params.pooling,
    cv_folds=snakemake.params.cv_folds,
    probe_c=snakemake.params.probe_c,
    seed=snakemake.params.seed,
)
if fixed == WEIGHTED:
    layer = WEIGHTED
elif fixed == "auto":
    layer = choose_layer(scores)
else:
    layer = int(fixed)
for row in scores.itertuples():
    log.info(
        "layer %2d: inner CV UAR %.4f, test UAR %.4f", row.layer, row.inner_cv_uar, row.test_uar
    )
log.info("layer %s (%s)", layer, selection_text(fixed))
speakers = metadata.set_index("utterance")["speaker"]
if layer == WEIGHTED:  # every layer side by side, each normalised per speaker
    raw = all_layers_table(utterances, embeddings, snakemake.params.pooling)
else:
    raw = layer_table(utterances, embeddings, layer, snakemake.params.pooling)
table = normalise_per_speaker(raw, speakers)
write_csv(scores.assign(chosen=scores["layer"] == layer), snakemake.output.scores, index=False)
# the probe's classes: those of the fold's training rows (the chance level of its curve)
classes = sorted(set(part_rows(metadata, fold, "train")["emotion"]))
write_json(
    {
        "feature_set": feature_set,
        "fold": fold["fold"],
        "layer": layer,
        "selection": str(fixed),
        "classes": classes,
    },
    snakemake.output.layer,
)
write_parquet(table, snakemake.output.features)
