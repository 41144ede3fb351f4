"""serflow: the library behind the serflow Snakemake workflow for speech emotion recognition."""

__version__ = "0.1.0"
