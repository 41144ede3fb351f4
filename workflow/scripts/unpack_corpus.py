"""Rule unpack_corpus: extract the wav files of a corpus zip into one folder."""

from serflow.corpus import unpack_zip
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
wavs = unpack_zip(snakemake.input.zip, snakemake.output.wav_dir)
log.info("unpacked %d wav files from %s", len(wavs), snakemake.input.zip)
