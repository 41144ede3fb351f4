from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

min_version("9.0")


validate(config, schema="../schemas/config.schema.yaml")
missing_grids = sorted(set(config["classifiers"]) - set(config["grids"]))
if missing_grids:
    raise WorkflowError(
        f"classifiers {missing_grids} have no grid: add them under grids:"
    )

DATASET = config["dataset"]
FEATURE_SETS = config["feature_sets"]
CLASSIFIERS = config["classifiers"]
OPENSMILE_FEATURE_SETS = ["compare", "egemaps"]


wildcard_constraints:
    dataset=DATASET,
    feature_set="|".join(FEATURE_SETS),
    classifier="|".join(CLASSIFIERS),


localrules:
    all,
    split_speakers,
    results_matrix,


def final_outputs():
    """The results matrix (CSV, Markdown, heatmap) of the configured dataset."""
    return expand(
        "results/{dataset}/results_matrix.{ext}",
        dataset=DATASET,
        ext=["csv", "md", "png"],
    )


def corpus_zip(wildcards):
    """The zip to unpack: the downloaded one, or the local one given in corpus.path."""
    if config["corpus"]["source"] == "zip":
        return local_corpus_path()
    return f"resources/{wildcards.dataset}/download.zip"


def local_corpus_path():
    """corpus.path, checked to exist, for the zip and folder sources."""
    path = config["corpus"].get("path", "")
    if not path:
        raise WorkflowError(
            f"corpus.source is {config['corpus']['source']!r} but corpus.path is empty: set it "
            "to EmoDB's download.zip or to a folder of its wav files"
        )
    if not Path(path).exists():
        raise WorkflowError(
            f"corpus.path {path!r} does not exist; point it at EmoDB's download.zip or at a "
            "folder of its wav files"
        )
    return path


def corpus_wav_dir(wildcards):
    """Where the corpus' wav files are, by corpus.source."""
    source = config["corpus"]["source"]
    if source == "folder":
        return local_corpus_path()
    if source == "demo":
        return f"resources/{wildcards.dataset}/demo/wav"
    return f"resources/{wildcards.dataset}/unpacked/wav"


def checksums_file(wildcards):
    """The SHA-256 list that a complete EmoDB matches, or nothing when not verifying."""
    if config["corpus"].get("verify_checksums", False):
        return str(Path(workflow.basedir) / "workflow/serflow/data/emodb.sha256")
    return []


def classifier_grid(wildcards):
    """The configured grid of one classifier, so that changing it reruns only its jobs."""
    return config["grids"][wildcards.classifier]


def feature_table_mb(wildcards, input):
    """Size of a job's feature input in MB, to scale its memory request."""
    return input.size_mb


def extraction_mem_mb(wildcards, input, threads):
    """Memory for feature extraction: the cached audio plus one extractor per process."""
    return int(1000 + 3 * input.size_mb + 300 * threads)


def tuning_mem_mb(wildcards, input, threads):
    """Memory for a grid search: a few copies of the feature table per parallel fit."""
    return int(1000 + input.size_mb * (2 + 2 * threads))


def extraction_runtime(wildcards, input):
    """Runtime (minutes) for feature extraction, from the size of the cached audio."""
    return int(10 + input.size_mb / 2)
