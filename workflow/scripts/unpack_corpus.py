"""Rule unpack_corpus: extract a corpus zip (its wav files, or for corpora in folders the whole
tree) into one folder."""

from serflow.corpus import unpack_zip
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
files = unpack_zip(snakemake.input.zip, snakemake.output.wav_dir, flatten=snakemake.params.flatten)
log.info("unpacked %d files from %s", len(files), snakemake.input.zip)
