import functools
import hashlib
import json
import os
import sys
import time
from pathlib import Path

import yaml
from snakemake.exceptions import WorkflowError
from snakemake.utils import min_version, validate

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

from serflow import dataset_config
from serflow import feature_sets as registry
from serflow.config_check import ConfigError, check_config
from serflow.fingerprint import files_digest, listing_digest
from serflow.fold_ids import (
    FOLD_ID_PATTERN,
    HOLDOUT_FOLD_ID,
    MULTI_FOLD_SCHEMES,
    SCHEME_NAMES,
    repeat_fold_ids,
)
from serflow.emotions import EmotionError, check_selection
from serflow.grids import remembered_invalid_values
from serflow.logs import run_warnings
from serflow.shards import SHARD_NAME_PATTERN, plan_shards

# When this run began: the warnings logged after it are repeated at its end.
RUN_STARTED = time.time()

# Everything here runs when the workflow is parsed (also by `snakemake -n`), before any job.
if "dataset" in config or "corpus" in config:
    raise WorkflowError(dataset_config.OLD_KEYS)
dataset_config.command_line_datasets(config, workflow.config_settings.overwrite_config)


def load_schema(name):
    """A schema of workflow/schemas, read with libyaml's loader where PyYAML has it (ten times
    faster than the pure-Python one; the parse reads every schema)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(workflow.source_path(f"../schemas/{name}")) as stream:
        return yaml.load(stream, Loader=loader)


CONFIG_SCHEMA = load_schema("config.schema.yaml")
DATASET_SCHEMA = load_schema("dataset.schema.yaml")
try:
    check_config(config, CONFIG_SCHEMA)
    for name, settings in (config.get("datasets") or {}).items():
        check_config(settings or {}, DATASET_SCHEMA, prefix=f"datasets.{name}.")
except ConfigError as error:
    raise WorkflowError(str(error)) from None
# Fills in every default (the schema is the one place they are written), also under module use.
validate(config, schema="../schemas/config.schema.yaml")
# Every SSL encoder (a user-named feature set) gets its defaults and is checked too.
SSL_ENCODER_SCHEMA = load_schema("ssl_encoder.schema.yaml")
SSL = config["ssl"]
SSL_ENCODERS = SSL["encoders"]
for name, encoder in SSL_ENCODERS.items():
    try:
        check_config(encoder or {}, SSL_ENCODER_SCHEMA, prefix=f"ssl.encoders.{name}.")
    except ConfigError as error:
        raise WorkflowError(str(error)) from None
    validate(encoder, schema="../schemas/ssl_encoder.schema.yaml")
unknown = registry.unknown_feature_sets(config["feature_sets"], SSL_ENCODERS)
if unknown:
    raise WorkflowError(f"feature_sets: {'; '.join(unknown)}")
missing_grids = sorted(set(config["classifiers"]) - set(config["grids"]))
if missing_grids:
    raise WorkflowError(
        f"classifiers {missing_grids} have no grid: add them under grids:"
    )
# Grids checked before, with the same scikit-learn, are answered without importing it.
GRID_CHECKS = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "serflow"
    / "grid_checks"
)
bad_grid_values = [
    line
    for classifier in config["classifiers"]
    for line in remembered_invalid_values(
        classifier, config["grids"][classifier], GRID_CHECKS
    )
]
if bad_grid_values:
    raise WorkflowError("\n".join(bad_grid_values))

# Every dataset entry gets its defaults (workflow/schemas/dataset.schema.yaml) and is checked.
DATASETS = config["datasets"]
for name, settings in DATASETS.items():
    validate(settings, schema="../schemas/dataset.schema.yaml")
    dataset_config.expand_path(settings)
    problems = dataset_config.source_problems(name, settings)
    try:
        check_selection(settings["emotions"], f"datasets.{name}.emotions")
    except EmotionError as error:
        problems.append(str(error))
    if problems:
        raise WorkflowError("\n".join(problems))
problems = dataset_config.test_speaker_problems(
    DATASETS, config["split"]["test_speakers"]
)
CROSS_CORPUS_EMOTIONS = config["cross_corpus"]["emotions"]
try:
    check_selection(CROSS_CORPUS_EMOTIONS, "cross_corpus.emotions")
except EmotionError as error:
    problems.append(str(error))
if CROSS_CORPUS_EMOTIONS and len(DATASETS) < 2:
    problems.append("cross_corpus.emotions needs at least two datasets under datasets:")
if problems:
    raise WorkflowError("\n".join(problems))

FEATURE_SETS = config["feature_sets"]
CLASSIFIERS = config["classifiers"]
OPENSMILE_FEATURE_SETS = registry.of_kind(registry.OPENSMILE)
BYOLS_FEATURE_SETS = registry.of_kind(registry.BYOLS)


wildcard_constraints:
    dataset="|".join(DATASETS),
    feature_set="|".join(FEATURE_SETS),
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
    datasets_summary,
    cross_corpus_matrix,


def final_outputs():
    """The results matrix (CSV, Markdown, heatmap) of every dataset with the tables and plots
    of its evaluation.scheme (see evaluation_targets); with several datasets their summary,
    and with cross_corpus.emotions the cross-corpus matrices."""
    files = evaluation_targets()
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


def corpus_listing(wildcards):
    """A fingerprint (names, sizes, mtimes) of a local corpus, so that replacing, adding or
    removing a file reruns what reads it; the folder's own mtime misses a file overwritten in
    place. One stat per file, no audio read. Empty for the download and demo sources, whose
    files are outputs of this workflow."""
    settings = dataset(wildcards)
    if settings["source"] in ("zip", "folder"):
        recursive = settings["format"] != "emodb" and settings["source"] == "folder"
        return corpus_listing_once(settings["path"], recursive)
    return ""


@functools.cache
def corpus_listing_once(path, recursive):
    """listing_digest, computed once per run (about 1 s at 100,000 files)."""
    return listing_digest(path, recursive=recursive)


def corpus_zip(wildcards):
    """The zip to unpack: the downloaded one, or the local one given in the dataset's path."""
    if dataset(wildcards)["source"] == "zip":
        return dataset(wildcards)["path"]
    return f"resources/{wildcards.dataset}/download.zip"


def corpus_location(wildcards):
    """Where the corpus is, by source: the local folder (or CSV manifest), the generated demo
    or the unpacked zip."""
    settings = dataset(wildcards)
    if settings["source"] == "folder":
        return settings["path"]
    if settings["source"] == "demo":
        return f"resources/{wildcards.dataset}/demo/wav"
    return f"resources/{wildcards.dataset}/unpacked/wav"


def format_settings(wildcards):
    """What the dataset's format reader takes (audformat's table and columns), so that
    changing them reruns build_metadata."""
    settings = dataset(wildcards)
    keys = ["table", "emotion_column", "speaker_column", "gender_column", "text_column"]
    if settings["format"] == "csv":
        return {"text_column": settings["text_column"]}
    return (
        {key: settings[key] for key in keys}
        if settings["format"] == "audformat"
        else {}
    )


# Files the workflow ships, found relative to these rule files (also when used as a module).
EMODB_CHECKSUMS = workflow.source_path("../serflow/data/emodb.sha256")


def checksums_file(wildcards):
    """The SHA-256 list that a complete EmoDB matches, or nothing when not verifying."""
    if dataset(wildcards)["verify_checksums"]:
        return EMODB_CHECKSUMS
    return []


def split_settings(wildcards):
    """The dataset's split: its own split keys over the global ones."""
    return dataset_config.split_settings(
        wildcards.dataset, dataset(wildcards), config["split"]
    )


# The table the classifiers read; SSL feature sets give their layer's table for the outer fold
# (see rule select_ssl_layer in ssl.smk).
def classification_features(wildcards):
    """The per-speaker normalised features that tune_classifier(_fold) reads."""
    if wildcards.feature_set in SSL_FEATURE_SETS:
        scheme = getattr(wildcards, "scheme", "holdout")
        fold = getattr(wildcards, "fold", HOLDOUT_FOLD_ID)
        return (
            f"results/{wildcards.dataset}/features/ssl/{wildcards.feature_set}/"
            f"{scheme}/{fold}/features.normalised.parquet"
        )
    return f"results/{wildcards.dataset}/features/{wildcards.feature_set}.normalised.parquet"


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


def checkpoint_url(wildcards):
    """Where the official checkpoint of a BYOL-S encoder is downloaded from."""
    return config["byols"]["checkpoints"][wildcards.feature_set]["url"]


def checkpoint_sha256(wildcards):
    """The SHA-256 the downloaded checkpoint must have (empty: not checked)."""
    return config["byols"]["checkpoints"][wildcards.feature_set]["sha256"]


def byols_checkpoint(wildcards):
    """The local checkpoint given in config, or the one the download rule fetches."""
    path = config["byols"]["checkpoints"][wildcards.feature_set]["path"]
    if path:
        if not Path(path).is_file():
            raise WorkflowError(
                f"byols.checkpoints.{wildcards.feature_set}.path {path!r} is not a file; "
                "give the path of the official checkpoint, or leave it empty to download it"
            )
        return path
    return f"resources/checkpoints/{wildcards.feature_set}.pth"


def logmel_statistics_input(wildcards):
    """The audio, and with byols.stats_speakers: train the split that names those speakers."""
    inputs = {"audio": audio_shard_tables(wildcards)}
    if config["byols"]["stats_speakers"] == "train":
        if config["evaluation"]["scheme"] != "holdout":
            raise WorkflowError(
                "byols.stats_speakers: train needs evaluation.scheme: holdout (one training "
                "set); use stats_speakers: all with repeated_holdout or loso"
            )
        inputs["split"] = f"results/{wildcards.dataset}/split.json"
        inputs["metadata"] = f"results/{wildcards.dataset}/metadata.parquet"
    return inputs


def byols_shard_count(wildcards):
    """How many BYOL-S jobs embed a dataset: byols.shards, or more where the corpus has more
    audio shards, so that no job holds more than about one audio shard's clips."""
    return max(config["byols"]["shards"], len(audio_shard_plan(wildcards)[0]))


def byols_shards(wildcards):
    """The shard tables of one BYOL-S feature set, merged into its feature table."""
    return expand(
        "results/{dataset}/features/{feature_set}/shard_{shard}.parquet",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=range(byols_shard_count(wildcards)),
    )


def feature_shards(wildcards):
    """The shard tables a feature table is merged from: one per audio shard for openSMILE,
    the BYOL-S shards for BYOL-S."""
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        return byols_shards(wildcards)
    return expand(
        "results/{dataset}/features/{feature_set}/{shard}.parquet",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=audio_shard_plan(wildcards)[0],
    )


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


def audio_shard_utterances(wildcards):
    """The utterance ids of one audio shard, sorted."""
    return list(audio_shard(wildcards).utterances)


def audio_shard_files(wildcards):
    """The corpus files of one audio shard's clips, in utterance order."""
    _, files = audio_shard_plan(wildcards)
    return [files[utterance] for utterance in audio_shard(wildcards).utterances]


def audio_shard_fingerprint(wildcards):
    """Names, sizes and mtimes of one shard's files: a file replaced in place, even by an older
    copy, redecodes its shard (and only its shard)."""
    return files_digest(audio_shard_files(wildcards))


def audio_shard_tables(wildcards):
    """Every decoded audio shard of the dataset."""
    return expand(
        "results/{dataset}/audio/{shard}.parquet",
        dataset=wildcards.dataset,
        shard=audio_shard_plan(wildcards)[0],
    )


def decode_mem_mb(wildcards, input, threads):
    """Memory for decoding a shard: its clips at the target rate twice over (the clips and the
    table written from them), and one source file at a time."""
    megabytes = (
        audio_shard(wildcards).duration_s * config["audio"]["sample_rate"] * 4 / 1e6
    )
    return int(500 + 2 * megabytes)


def decode_runtime(wildcards):
    """Runtime (minutes) for decoding a shard: generous, a minute per 30 minutes of audio."""
    return int(10 + audio_shard(wildcards).duration_s / 1800)


# --- evaluation schemes (the outer folds) and the results of each -------------------------------

EVALUATION = config["evaluation"]


def fold_split_settings(wildcards):
    """The settings of a multi-fold scheme's split: only those it reads, so that changing
    another scheme's settings does not rerun it."""
    if wildcards.scheme == "repeated_holdout":
        split = split_settings(wildcards)
        return {
            "repeats": config["evaluation"]["repeats"],
            "test_fraction": split["test_fraction"],
            "seed": split["seed"],
            "cv_folds": config["cv_folds"],
        }
    return {"cv_folds": config["cv_folds"]}


def outer_fold_ids(wildcards):
    """Fold ids of a multi-fold scheme: from config for repeated_holdout; for loso from the
    split checkpoint, whose output lists one fold per speaker of the corpus."""
    if wildcards.scheme == "repeated_holdout":
        return repeat_fold_ids(EVALUATION["repeats"])
    split = checkpoints.split_speakers_folds.get(**wildcards).output.split
    with open(split) as stream:
        return [fold["fold"] for fold in json.load(stream)["folds"]]


def fold_job_files(name):
    """Input function: file ``name`` of every (feature set, classifier, outer fold) job."""

    def files(wildcards):
        return expand(
            "results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/{name}",
            dataset=wildcards.dataset,
            scheme=wildcards.scheme,
            feature_set=FEATURE_SETS,
            classifier=CLASSIFIERS,
            fold=outer_fold_ids(wildcards),
            name=name,
        )

    return files


def evaluation_files(scheme):
    """What the results rule of ``scheme`` writes under results/{dataset}/evaluation/{scheme}/,
    besides the results matrix (as patterns with the {dataset} wildcard)."""
    folder = f"results/{{dataset}}/evaluation/{scheme}"
    files = {
        name: f"{folder}/{name}.{ext}"
        for name, ext in [
            ("recall_per_class", "csv"),
            ("comparison", "csv"),
            ("predictions", "parquet"),
            ("config", "yaml"),
        ]
    }
    if scheme != "holdout":
        files |= {
            "uar_summary": f"{folder}/uar_summary.csv",
            "uar_per_fold": f"{folder}/uar_per_fold.csv",
            "uar_per_fold_plot": f"{folder}/uar_per_fold.png",
        }
    return files


# `report` at the start of a line would be read as Snakemake's report keyword
mark_for_report = report


def confusion_plots(scheme):
    """The confusion-matrix figure of every (feature set, classifier), marked for the report."""
    return [
        mark_for_report(
            f"results/{{dataset}}/evaluation/{scheme}/confusion/{feature_set}.{classifier}.png",
            caption="../report/confusion_matrix.rst",
            category="Confusion matrices",
            subcategory=scheme,
            labels={"feature set": feature_set, "classifier": classifier},
        )
        for feature_set in FEATURE_SETS
        for classifier in CLASSIFIERS
    ]


def evaluation_targets():
    """Every output of the configured evaluation.scheme: results matrix, tables and plots."""
    scheme = EVALUATION["scheme"]
    matrix = "results_matrix" if scheme == "holdout" else f"results_matrix.{scheme}"
    files = [f"results/{{dataset}}/{matrix}.{ext}" for ext in ["csv", "md", "png"]]
    files += list(evaluation_files(scheme).values())
    files += [str(plot) for plot in confusion_plots(scheme)]
    # the UAR-per-layer table and plot of each SSL feature set
    return expand(files, dataset=DATASETS) + ssl_targets(scheme)


def dataset_results_config(name):
    """The settings that one dataset's results depend on: the config with that dataset only,
    without thread counts (which change no result), the export and predict settings (which
    only add model bundles) and the cross-corpus settings. Written next to its results.
    """
    view = {
        key: value
        for key, value in config.items()
        if key not in ("threads", "export", "predict", "cross_corpus", "datasets")
    }
    return {"datasets": {name: DATASETS[name]}, **view, "audio": decoding_settings()}


def decoding_settings():
    """How clips are decoded (rate, resampler): the audio settings that results depend on;
    audio.shard_minutes only cuts the work into jobs."""
    return {
        key: value for key, value in config["audio"].items() if key != "shard_minutes"
    }


def config_sha256(name):
    """The digest of :func:`dataset_results_config`: results and bundles record it, and a
    change to it reruns the dataset's results rules (another dataset's settings do not).
    """
    settings = dataset_results_config(name)
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def results_params():
    """What the results rules read from config. They also write the config next to the
    results: its digest makes them rerun when it changes."""
    return {
        "feature_sets": FEATURE_SETS,
        "classifiers": CLASSIFIERS,
        "confidence": EVALUATION["confidence"],
        "bootstrap_resamples": EVALUATION["bootstrap_resamples"],
        "permutations": EVALUATION["permutations"],
        "seed": EVALUATION["seed"],
        "config_sha256": lambda wildcards: config_sha256(wildcards.dataset),
        "config": lambda wildcards: dataset_results_config(wildcards.dataset),
    }


# --- several datasets: their summary and the cross-corpus matrices ----------------------------


def dataset_matrices(wildcards):
    """The results matrix of every dataset under the configured scheme (for several folds,
    its per-fold summary, whose mean the summary shows)."""
    scheme = EVALUATION["scheme"]
    if scheme == "holdout":
        return expand("results/{dataset}/results_matrix.csv", dataset=DATASETS)
    return expand(evaluation_files(scheme)["uar_summary"], dataset=DATASETS)


def cross_corpus_inputs(wildcards):
    """Features and metadata of the training and the test dataset; the training dataset's
    hold-out split for the diagonal."""
    inputs = {}
    for role in ("train", "test"):
        name = getattr(wildcards, role)
        inputs[f"{role}_features"] = (
            f"results/{name}/features/{wildcards.feature_set}.normalised.parquet"
        )
        inputs[f"{role}_metadata"] = f"results/{name}/metadata.parquet"
    if wildcards.train == wildcards.test:
        inputs["split"] = f"results/{wildcards.train}/split.json"
    return inputs


def cross_corpus_scores(wildcards):
    """scores.json of every (feature set, classifier, training dataset, test dataset)."""
    return expand(
        "results/cross_corpus/{feature_set}/{classifier}/{train}__{test}/scores.json",
        feature_set=FEATURE_SETS,
        classifier=CLASSIFIERS,
        train=DATASETS,
        test=DATASETS,
    )


def cross_corpus_heatmaps():
    """One train x test heatmap per (feature set, classifier)."""
    return [
        f"results/cross_corpus/{feature_set}.{classifier}.png"
        for feature_set in FEATURE_SETS
        for classifier in CLASSIFIERS
    ]


def cross_corpus_targets():
    """The cross-corpus table, its Markdown and heatmaps."""
    return [
        "results/cross_corpus/cross_corpus.csv",
        "results/cross_corpus/cross_corpus.md",
        *cross_corpus_heatmaps(),
    ]


# --- trained model bundles (export.models) and their predictions (predict.input) --------------

EXPORTED_MODELS = [
    (m["feature_set"], m["classifier"]) for m in config["export"]["models"]
]
for feature_set, classifier in EXPORTED_MODELS:
    if feature_set not in FEATURE_SETS or classifier not in CLASSIFIERS:
        raise WorkflowError(
            f"export.models names ({feature_set}, {classifier}), which the benchmark does not "
            f"run: choose a feature set of feature_sets {FEATURE_SETS} and a classifier of "
            f"classifiers {CLASSIFIERS}"
        )
if config["predict"]["input"]:
    if not EXPORTED_MODELS:
        raise WorkflowError(
            "predict.input is set but export.models is empty: name the model(s) to predict with"
        )
    if not Path(config["predict"]["input"]).exists():
        raise WorkflowError(
            f"predict.input {config['predict']['input']!r} does not exist: give an audio file, a "
            "folder of them (sub-folders: one per speaker) or a CSV with a 'file' column"
        )


def model_targets():
    """The bundle of every exported model and, with predict.input, its predictions."""
    files = []
    for feature_set, classifier in EXPORTED_MODELS:
        for name in DATASETS:
            folder = f"results/{name}/models/{feature_set}/{classifier}"
            files += [f"{folder}/model.skops", f"{folder}/manifest.json"]
            if config["predict"]["input"]:
                files.append(
                    f"results/{name}/predictions/{feature_set}/{classifier}.csv"
                )
    return files


def export_model_input(wildcards):
    """The hold-out tuning's best point, the training rows' features (raw and normalised),
    and for BYOL-S the log-mel statistics and checkpoint that the extractor needs."""
    folder = f"results/{wildcards.dataset}"
    inputs = {
        "best_params": f"{folder}/classification/{wildcards.feature_set}/{wildcards.classifier}/best_params.json",
        "features": f"{folder}/features/{wildcards.feature_set}.normalised.parquet",
        "raw_features": f"{folder}/features/{wildcards.feature_set}.parquet",
        "metadata": f"{folder}/metadata.parquet",
        "split": f"{folder}/split.json",
    }
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        inputs["logmel_stats"] = f"{folder}/features/byols_logmel_stats.json"
        inputs["checkpoint"] = byols_checkpoint(wildcards)
    return inputs


def extractor_settings(wildcards):
    """The feature extractor's settings that a bundle records (openSMILE has none to set)."""
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        return {
            "name": "byols",
            "max_batch_frames": config["byols"]["max_batch_frames"],
            "stats_speakers": config["byols"]["stats_speakers"],
        }
    return {"name": "opensmile"}


def print_run_warnings():
    """Repeat in the terminal the warnings that this run's jobs wrote to their logs."""
    lines = [
        line
        for name in DATASETS
        for line in run_warnings(Path("logs") / name, RUN_STARTED)
    ]
    if lines:
        print(f"serflow: {len(lines)} warning(s) in this run's logs:", file=sys.stderr)
        for line in lines:
            print(f"  {line}", file=sys.stderr)


onsuccess:
    print_run_warnings()


onerror:
    print_run_warnings()


# --- SSL encoders: input functions of the rules in ssl.smk ---------------------------------

SSL_FEATURE_SETS = [name for name in FEATURE_SETS if name in SSL_ENCODERS]
SSL_LAYER_FOLDERS = "results/{dataset}/features/ssl/{feature_set}/{scheme}/{fold}"


def ssl_encoder(feature_set):
    """The config of one SSL feature set (ssl.encoders.<feature_set>)."""
    return SSL_ENCODERS[feature_set]


def local_model_or_hub_id(feature_set):
    """The hub id, or the local directory (made absolute, checked to exist), of an encoder."""
    model = ssl_encoder(feature_set)["model"]
    path = Path(model).expanduser()
    if path.is_absolute() or model.startswith((".", "~")):
        if not path.is_dir():
            raise WorkflowError(
                f"ssl.encoders.{feature_set}.model {model!r} is not a directory; give "
                "a folder written by save_pretrained / hf download, or a hub id"
            )
        return str(path.resolve())
    return model


# checked when the workflow is parsed: the extraction jobs are planned after build_metadata
SSL_MODELS = {name: local_model_or_hub_id(name) for name in SSL_FEATURE_SETS}


def ssl_model_source(wildcards):
    """The hub id or local directory of the job's encoder."""
    return SSL_MODELS[wildcards.feature_set]


def ssl_shards(wildcards):
    """The shard files of one SSL feature set, merged into its all-layers file."""
    return expand(
        "results/{dataset}/features/ssl/{feature_set}/shard_{shard}.npz",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=range(ssl_shard_count(wildcards)),
    )


def ssl_shard_count(wildcards):
    """How many jobs run an SSL encoder over a dataset: ssl.shards, or one per audio shard
    where there are more, so that no job holds more than about one audio shard's clips.
    """
    return max(SSL["shards"], len(audio_shard_plan(wildcards)[0]))


def ssl_split(wildcards):
    """The split that names the fold's training and test speakers."""
    if wildcards.scheme == "holdout":
        return f"results/{wildcards.dataset}/split.json"
    return f"results/{wildcards.dataset}/split.{wildcards.scheme}.json"


def ssl_fold_ids(wildcards):
    """The outer folds of a scheme: the single hold-out fold, or those of outer_fold_ids."""
    if wildcards.scheme == "holdout":
        return [HOLDOUT_FOLD_ID]
    return outer_fold_ids(wildcards)


def ssl_layer_scores(wildcards):
    """The per-layer scores of every outer fold of the scheme."""
    return expand(
        f"{SSL_LAYER_FOLDERS}/layer_scores.csv",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        scheme=wildcards.scheme,
        fold=ssl_fold_ids(wildcards),
    )


def ssl_mem_mb(wildcards, input, threads):
    """Memory for SSL extraction: the shard's audio, a large encoder and its activations."""
    return int(4000 + 3 * input.size_mb + 300 * threads)


def ssl_curve_files(scheme):
    """UAR per layer (table and plot) of each SSL feature set, marked for the report."""
    folder = f"results/{{dataset}}/evaluation/{scheme}/uar_per_layer"
    return {
        "csv": f"{folder}/{{feature_set}}.csv",
        "png": f"{folder}/{{feature_set}}.png",
    }


def ssl_targets(scheme):
    """What the SSL feature sets add to the outputs of evaluation.scheme."""
    return expand(
        list(ssl_curve_files(scheme).values()),
        dataset=DATASETS,
        feature_set=SSL_FEATURE_SETS,
    )
