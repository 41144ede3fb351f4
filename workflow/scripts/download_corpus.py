"""Rule download_corpus: fetch the corpus zip (EmoDB's download.zip) with retries."""

from serflow.download import download
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
key = f"datasets.{snakemake.wildcards.dataset}"
url = snakemake.params.url
log.info("downloading %s", url)
download(
    url,
    snakemake.output.zip,
    sha256=snakemake.params.sha256 or None,
    retries=snakemake.params.retries,
    timeout=snakemake.params.timeout_s,
    local_hint=(
        f"Download it elsewhere and set {key}.source: zip with {key}.path: /path/to/the.zip, "
        f"or {key}.source: folder with {key}.path: /path/to/the/corpus (the unpacked folder)."
    ),
)
log.info("saved %s", snakemake.output.zip)
