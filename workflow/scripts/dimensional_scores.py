"""Rule dimensional_scores: CCC, Pearson's r and MAE of every (feature set, regressor,
dimension), mean and sd over the outer folds, with the bootstrap interval of the mean CCC."""

from serflow.dimensional_results import read_results, summary_table
from serflow.logs import log_to_file
from serflow.tables import write_csv

log = log_to_file(snakemake.log[0])
params = snakemake.params
scores, pooled = read_results(snakemake.input.scores, snakemake.input.predictions)
summary = summary_table(
    scores,
    pooled,
    confidence=params.confidence,
    resamples=params.bootstrap_resamples,
    seed=params.seed,
)
log.info("%s", summary.to_string())
write_csv(summary, snakemake.output.scores, index=False, float_format="%.4f")
