"""Rule uar_per_layer: the UAR-per-layer table and curve of one SSL feature set."""

import numpy as np
import pandas as pd

from serflow.logs import log_to_file
from serflow.metrics import chance_uar
from serflow.ssl.report import layer_curve_table, plot_layer_curve
from serflow.tables import read_json, write_csv

log = log_to_file(snakemake.log[0])
folds = [pd.read_csv(path) for path in snakemake.input.scores]
table = layer_curve_table(folds)
log.info("%d layers over %d outer folds", table["layer"].nunique(), len(folds))
write_csv(table, snakemake.output.csv, index=False)
# the chance level of the probe: 100 / the classes of each fold's training rows, over the folds
chance = float(
    np.mean([chance_uar(len(read_json(path)["classes"])) for path in snakemake.input.layers])
)
plot_layer_curve(table, snakemake.wildcards.feature_set, snakemake.output.png, chance)
