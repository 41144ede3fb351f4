# What several stages share: the library on the import path, the checked config and the names
# the rules use, the dataset of a job, audio shards, outer folds, resources and the digest of a
# dataset's results settings. Each stage's own input functions stand beside its rules.
import functools
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version

min_version("9.0")

# The serflow library ships beside these rules, in workflow/serflow. It goes first on the import
# path of this process (the helpers below use it) and, through PYTHONPATH, of every rule script
# and cluster job, so that a run uses the library of these rule files and never another copy
# that happens to be installed (another checkout's, or none at all under --sdm conda).
SERFLOW_LIBRARY = str(
    Path(workflow.current_basedir.get_path_or_uri(secret_free=True)).parent
)
if Path(SERFLOW_LIBRARY, "serflow", "__init__.py").is_file():
    sys.path.insert(0, SERFLOW_LIBRARY)
    inherited = os.environ.get("PYTHONPATH", "").split(os.pathsep)
    os.environ.update(
        PYTHONPATH=os.pathsep.join([SERFLOW_LIBRARY, *filter(None, inherited)])
    )

from serflow import config_check, dataset_config, speaker_groups
from serflow import feature_sets as registry
from serflow.fingerprint import files_digest, listing_digest
from serflow.fold_ids import (
    FOLD_ID_PATTERN,
    HOLDOUT_FOLD_ID,
    MULTI_FOLD_SCHEMES,
    SCHEME_NAMES,
    repeat_fold_ids,
)
from serflow.logs import run_warnings
from serflow.shards import SHARD_NAME_PATTERN, plan_shards

# When this run began: the warnings logged after it are repeated at its end.
RUN_STARTED = time.time()

# The config is checked, and its defaults (workflow/schemas) filled in, when the workflow is
# parsed (also by `snakemake -n`), before any job. Grids checked before, with the same
# scikit-learn, are answered without importing it.
try:
    SETTINGS = config_check.load(
        config,
        {
            name: config_check.read_schema(
                workflow.source_path(f"../schemas/{name}.schema.yaml")
            )
            for name in config_check.SCHEMA_NAMES
        },
        command_line=workflow.config_settings.overwrite_config,
        grid_checks=Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
        / "serflow"
        / "grid_checks",
    )
except config_check.ConfigError as error:
    raise WorkflowError(str(error)) from None

DATASETS = SETTINGS.datasets
FEATURE_SETS = SETTINGS.feature_sets
CLASSIFIERS = SETTINGS.classifiers
EVALUATION = config["evaluation"]
CROSS_CORPUS_EMOTIONS = SETTINGS.cross_corpus_emotions
SSL = config["ssl"]
SSL_ENCODERS = SETTINGS.ssl_encoders
OPENSMILE_FEATURE_SETS = registry.of_kind(registry.OPENSMILE)
BYOLS_FEATURE_SETS = registry.of_kind(registry.BYOLS)
SSL_FEATURE_SETS = list(SETTINGS.ssl_models)


wildcard_constraints:
    dataset="|".join(DATASETS),
    feature_set="|".join(re.escape(name) for name in registry.with_parts(FEATURE_SETS)),
    classifier="|".join(CLASSIFIERS),


# Cheap rules, and the downloads (cluster compute nodes often have no internet), run where
# Snakemake runs.
localrules:
    all,
    download_corpus,
    download_checkpoint,
    split_speakers,
    split_speakers_folds,
    results_matrix,
    results_matrix_folds,
    dimensional_results_matrix,
    dimensional_scores,
    datasets_summary,
    cross_corpus_matrix,


def final_outputs():
    """The results matrix (CSV, Markdown, heatmap) of every dataset with the tables and plots
    of its evaluation.scheme (see evaluation_targets); with several datasets their summary,
    and with cross_corpus.emotions the cross-corpus matrices. Task dimensional adds its
    matrices per dimension (dimensional_targets, inputs/regression.smk)."""
    if "categorical" not in SETTINGS.tasks:
        return dimensional_targets()
    files = evaluation_targets() + dimensional_targets()
    if len(DATASETS) > 1:
        files += [
            f"results/summary/results_matrix.{ext}" for ext in ["csv", "md", "png"]
        ]
    if CROSS_CORPUS_EMOTIONS:
        files += cross_corpus_targets()
    return files


def dataset(wildcards):
    """The settings of the job's dataset (with their defaults)."""
    return DATASETS[wildcards.dataset]


# --- audio shards (serflow/shards.py): planned from the build_metadata checkpoint's table ----


@functools.lru_cache(maxsize=None)
def shard_plan_of(metadata_path, mtime_ns, shard_minutes):
    """The shards of one metadata table (by name, in utterance order) and each clip's file."""
    import pandas as pd

    metadata = pd.read_parquet(
        metadata_path, columns=["utterance", "path", "duration_s"]
    )
    shards = plan_shards(metadata["utterance"], metadata["duration_s"], shard_minutes)
    return {shard.name: shard for shard in shards}, dict(
        zip(metadata["utterance"], metadata["path"])
    )


def audio_shard_plan(wildcards):
    """The dataset's audio shards and clip files, once its metadata table exists."""
    metadata = checkpoints.build_metadata.get(dataset=wildcards.dataset).output.metadata
    return shard_plan_of(
        metadata, os.stat(metadata).st_mtime_ns, config["audio"]["shard_minutes"]
    )


def audio_shard(wildcards):
    """One audio shard of the dataset, by the name in the wildcards."""
    shards, _ = audio_shard_plan(wildcards)
    if wildcards.shard not in shards:
        raise WorkflowError(
            f"results/{wildcards.dataset}/audio/{wildcards.shard}.parquet is not a shard of "
            f"the dataset's corpus as it is now (audio.shard_minutes "
            f"{config['audio']['shard_minutes']}); ask for results, not single shards"
        )
    return shards[wildcards.shard]


def audio_shard_tables(wildcards):
    """Every decoded audio shard of the dataset."""
    return expand(
        "results/{dataset}/audio/{shard}.parquet",
        dataset=wildcards.dataset,
        shard=audio_shard_plan(wildcards)[0],
    )


# --- outer folds, resources and the settings results depend on --------------------------------


def outer_fold_ids(wildcards):
    """Fold ids of a multi-fold scheme: from config for repeated_holdout; for loso from the
    split checkpoint, whose output lists one fold per speaker of the corpus."""
    if wildcards.scheme == "repeated_holdout":
        return repeat_fold_ids(EVALUATION["repeats"])
    split = checkpoints.split_speakers_folds.get(**wildcards).output.split
    with open(split) as stream:
        return [fold["fold"] for fold in json.load(stream)["folds"]]


def classifier_grid(wildcards):
    """The configured grid of one classifier, so that changing it reruns only its jobs."""
    return config["grids"][wildcards.classifier]


def svm_memory(wildcards):
    """The SVM's memory budget, for its jobs only: changing it reruns no other classifier."""
    return config["svm_memory"] if wildcards.classifier == "svm" else None


def extraction_mem_mb(wildcards, input, threads):
    """Memory for feature extraction: the cached audio plus one extractor per process."""
    return int(1000 + 3 * input.size_mb + 300 * threads)


def feature_table_mem_mb(wildcards, input, threads):
    """Memory for a job that works on a feature table (normalisation, a grid search): a few
    copies of the table per parallel fit."""
    return int(1000 + input.size_mb * (2 + 2 * threads))


def classifier_mem_mb(wildcards, input, threads):
    """Memory for a job that fits a classifier: its feature table's, and for the SVM the
    kernel matrices' svm_memory.budget_mb, which the job checks it stays within."""
    kernels = svm_memory(wildcards)
    budget = kernels["budget_mb"] if kernels else 0
    return feature_table_mem_mb(wildcards, input, threads) + int(budget)


def extraction_runtime(wildcards, input):
    """Runtime (minutes) for feature extraction, from the size of the cached audio."""
    return int(10 + input.size_mb / 2)


def dataset_results_config(name):
    """The settings that one dataset's results depend on (see
    serflow.dataset_config.results_settings). Written next to its results."""
    return dataset_config.results_settings(config, name)


def decoding_settings():
    """How clips are decoded (rate, resampler): the audio settings that results depend on."""
    return dataset_config.decoding_settings(config["audio"])


def config_sha256(name):
    """The digest of :func:`dataset_results_config`: results and bundles record it, and a
    change to it reruns the dataset's results rules (another dataset's settings do not).
    """
    settings = dataset_results_config(name)
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def print_run_warnings():
    """Repeat in the terminal the warnings that this run's jobs wrote to their logs."""
    lines = [
        line
        for name in [*DATASETS, "cross_corpus"]
        for line in run_warnings(Path("logs") / name, RUN_STARTED)
    ]
    if lines:
        print(f"serflow: {len(lines)} warning(s) in this run's logs:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


onsuccess:
    print_closing_summary()
    print_run_warnings()


onerror:
    print_run_warnings()
