"""Rule download_checkpoint: fetch an official BYOL-S checkpoint, checking its SHA-256 if set."""

from serflow.download import download
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
feature_set = snakemake.wildcards.feature_set
log.info("downloading the %s checkpoint from %s", feature_set, snakemake.params.url)
download(
    snakemake.params.url,
    snakemake.output.checkpoint,
    sha256=snakemake.params.sha256 or None,
    retries=snakemake.params.retries,
    timeout=snakemake.params.timeout_s,
    local_hint=(
        f"Download it elsewhere and set byols.checkpoints.{feature_set}.path to the local "
        ".pth file."
    ),
)
log.info("saved %s", snakemake.output.checkpoint)
