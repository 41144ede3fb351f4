"""Rule predict_emotions: an exported model's predictions for the recordings at predict.input."""

from pathlib import Path

from serflow.bundle import load_bundle
from serflow.logs import log_to_file
from serflow.predict import Settings, collect_inputs, predict_recordings
from serflow.tables import write_csv

log = log_to_file(snakemake.log[0])
bundle = load_bundle(Path(snakemake.input.manifest).parent)
inputs = collect_inputs(snakemake.input.recordings)
settings = Settings(
    min_utterances=snakemake.params.min_utterances,
    workers=snakemake.threads,
    device=snakemake.params.device,
)
table = predict_recordings(bundle, inputs, settings)
log.info("%d of %d recordings predicted", int((table["error"] == "").sum()), len(table))
write_csv(table, snakemake.output.predictions, index=False)
