"""Rule merge_feature_shards: one feature table from the shards' tables, sorted by utterance."""

import pandas as pd

from serflow.logs import log_to_file
from serflow.tables import read_parquet, require_finite, write_parquet

log = log_to_file(snakemake.log[0])
table = pd.concat([read_parquet(path) for path in snakemake.input.shards], ignore_index=True)
table = table.sort_values("utterance", ignore_index=True)
log.info(
    "%d clips x %d features from %d shards",
    len(table),
    table.shape[1] - 1,
    len(snakemake.input.shards),
)
require_finite(table, snakemake.wildcards.feature_set)
write_parquet(table, snakemake.output.features)
