"""Rule fuse_feature_sets: a fused feature set's raw table, its parts joined on utterance id."""

from serflow.fusion import fuse
from serflow.logs import log_to_file
from serflow.tables import read_parquet, require_finite, write_parquet

log = log_to_file(snakemake.log[0])
parts = snakemake.params.parts
table = fuse(
    {part: read_parquet(path) for part, path in zip(parts, snakemake.input.parts, strict=True)}
)
log.info(
    "%s: %d clips x %d features from %s",
    snakemake.wildcards.feature_set,
    len(table),
    table.shape[1] - 1,
    parts,
)
require_finite(table, snakemake.wildcards.feature_set)
write_parquet(table, snakemake.output.features)
