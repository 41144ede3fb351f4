"""Rule download_corpus: fetch the corpus zip (EmoDB's download.zip) with retries."""

from serflow.download import download
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
url = snakemake.params.url
log.info("downloading %s", url)
download(
    url,
    snakemake.output.zip,
    sha256=snakemake.params.sha256 or None,
    retries=snakemake.params.retries,
    timeout=snakemake.params.timeout_s,
    local_hint=(
        "Download it elsewhere and set corpus.source: zip with corpus.path: /path/to/download.zip, "
        "or corpus.source: folder with corpus.path: /path/to/wav (a folder of EmoDB wav files)."
    ),
)
log.info("saved %s", snakemake.output.zip)
