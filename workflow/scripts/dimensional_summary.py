"""Rule dimensional_summary: one dimension's test CCC of every dataset that has it, rows
(dataset, feature set) and columns regressors, as a table, Markdown and a heatmap."""

import pandas as pd

from serflow.dimensional_results import datasets_ccc_summary
from serflow.logs import log_to_file
from serflow.metrics import CHANCE_CCC
from serflow.plots import plot_heatmap
from serflow.results_matrix import matrix_markdown
from serflow.tables import write_csv, write_text

log = log_to_file(snakemake.log[0])
params = snakemake.params
dimension = snakemake.wildcards.dimension
tables = {
    name: pd.read_csv(path)
    for name, path in zip(params.datasets, snakemake.input.scores, strict=True)
}
summary = datasets_ccc_summary(tables, dimension, params.regressors)
ranges = ", ".join(f"{name} {low:g}-{high:g}" for name, (low, high) in params.ranges.items())
caption = (
    f"Test CCC of {dimension} per dataset and feature set ({params.scheme}; mean over the outer "
    f"folds), each dataset on its own rating scale ({ranges})"
)
log.info("%s\n%s", caption, summary.to_string())
write_csv(summary, snakemake.output.csv, float_format="%.3f")
write_text(matrix_markdown(summary.map(lambda v: f"{v:.3f}"), caption), snakemake.output.markdown)
flat = summary.set_axis([f"{d} · {f}" for d, f in summary.index], axis=0)
plot_heatmap(
    flat,
    f"serflow: test CCC of {dimension}, {params.scheme}",
    snakemake.output.heatmap,
    chance=CHANCE_CCC,
    axis_titles=("regressor", "dataset · feature set"),
    bounds=(-1, 1),
    score="test CCC",
    digits=3,
)
