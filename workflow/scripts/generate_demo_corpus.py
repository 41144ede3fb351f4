"""Rule generate_demo_corpus: write a synthetic demo corpus in the dataset's format (EmoDB's
naming by default; the other formats' naming and layout, 16 and 48 kHz, some files stereo)."""

from pathlib import Path

from serflow.demo import generate_demo_corpus
from serflow.demo_layouts import DEMO_SPEAKERS, plan_layout, write_layout
from serflow.logs import log_to_file

log = log_to_file(snakemake.log[0])
demo, fmt = snakemake.params.demo, snakemake.params.format
out = Path(snakemake.output.wav_dir)
if fmt == "emodb":
    paths = generate_demo_corpus(
        out,
        speakers=None,
        clips_per_class=demo["clips_per_class"],
        min_duration_s=demo["min_duration_s"],
        max_duration_s=demo["max_duration_s"],
        seed=demo["seed"],
    )
    log.info("generated %d demo clips with EmoDB's naming in %s", len(paths), out)
else:
    clips = plan_layout(
        fmt,
        speakers=demo["speakers"] or DEMO_SPEAKERS[fmt],
        clips_per_class=demo["clips_per_class"],
        sample_rates=(16000, 48000),
        stereo_every=3,
        min_duration_s=demo["min_duration_s"],
        max_duration_s=demo["max_duration_s"],
        seed=demo["seed"],
    )
    write_layout(out, fmt, clips, seed=demo["seed"])
    log.info("generated %d demo clips with %s's naming and layout in %s", len(clips), fmt, out)
