"""Rule exploration_embedding: the first two principal components of one per-speaker normalised
feature table, plotted coloured by emotion and by speaker. One job per feature set, so that
adding or dropping a feature set redraws no other's embedding."""

from serflow.exploration import pca_embedding, plot_embedding
from serflow.logs import log_to_file
from serflow.tables import read_parquet, require_finite

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
features = read_parquet(snakemake.input.features)
require_finite(features, feature_set)
embedding, ratios = pca_embedding(features, seed=snakemake.params.seed)
log.info(
    "%s: %d utterances x %d features; PC 1 and 2 explain %.1f%% and %.1f%% of the variance",
    feature_set,
    len(features),
    features.shape[1] - 1,
    100 * ratios[0],
    100 * ratios[1],
)
plot_embedding(
    embedding,
    ratios,
    read_parquet(snakemake.input.metadata),
    f"{snakemake.params.heading} · {feature_set}: PCA of the per-speaker normalised features",
    snakemake.output.embedding,
)
