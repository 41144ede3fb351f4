"""Rule select_ssl_layer: UAR per layer on an outer fold, its layer, and that layer's table."""

import json

from serflow.layer_weighting import WEIGHTED, all_layers_table
from serflow.logs import log_to_file
from serflow.normalise import normalise_per_speaker
from serflow.ssl.layers import check_layer, choose_layer, layer_scores, layer_table, read_layers
from serflow.tables import read_parquet, write_csv, write_json, write_parquet

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
with open(snakemake.input.split) as stream:
    fold = {f["fold"]: f for f in json.load(stream)["folds"]}[snakemake.wildcards.fold]
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
how = {"auto": "chosen by inner CV", WEIGHTED: "every layer, weighed by the classifier"}
log.info("layer %s (%s)", layer, how.get(str(fixed), "fixed in config"))
speakers = metadata.set_index("utterance")["speaker"]
if layer == WEIGHTED:  # every layer side by side, each normalised per speaker
    raw = all_layers_table(utterances, embeddings, snakemake.params.pooling)
else:
    raw = layer_table(utterances, embeddings, layer, snakemake.params.pooling)
table = normalise_per_speaker(raw, speakers)
write_csv(scores.assign(chosen=scores["layer"] == layer), snakemake.output.scores, index=False)
write_json(
    {"feature_set": feature_set, "fold": fold["fold"], "layer": layer, "selection": str(fixed)},
    snakemake.output.layer,
)
write_parquet(table, snakemake.output.features)
