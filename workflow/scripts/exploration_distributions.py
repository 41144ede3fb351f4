"""Rule exploration_distributions: a dataset's speakers (utterances per emotion, clip durations)
as a table, and its label and duration distributions per dataset and per speaker as figures."""

from serflow.exploration import (
    plot_duration_distributions,
    plot_label_distributions,
    speaker_table,
)
from serflow.logs import log_to_file
from serflow.tables import read_parquet, write_csv

log = log_to_file(snakemake.log[0])
heading = snakemake.params.heading
metadata = read_parquet(snakemake.input.metadata)
table = speaker_table(metadata)
log.info("utterances and durations per speaker:\n%s", table.to_string())
write_csv(table, snakemake.output.speakers, float_format="%.3f")
plot_label_distributions(metadata, f"{heading}: utterances per label", snakemake.output.labels)
plot_duration_distributions(metadata, f"{heading}: clip durations", snakemake.output.durations)
