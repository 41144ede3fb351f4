"""Rule layer_weights: the layer weights an SSL feature set's head learned (layer: weighted),
per outer fold, as a table and a bar chart beside the UAR-per-layer curve."""

import json

import pandas as pd

from serflow.logs import log_to_file
from serflow.ssl.report import layer_weights_table, plot_layer_weights
from serflow.tables import write_csv

log = log_to_file(snakemake.log[0])
records = []
jobs = snakemake.params.jobs  # (classifier, fold) of each best_params.json
for path, (classifier, fold) in zip(snakemake.input.best_params, jobs, strict=True):
    with open(path) as stream:
        records.append({**json.load(stream), "classifier": classifier, "fold": fold})
table = layer_weights_table(records)
log.info("%d layers, %d fold(s)", table["layer"].nunique(), len(records))
write_csv(table, snakemake.output.csv, index=False)
plot_layer_weights(
    table, snakemake.wildcards.feature_set, snakemake.output.png, pd.read_csv(snakemake.input.curve)
)
