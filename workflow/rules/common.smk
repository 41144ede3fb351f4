import hashlib
import json
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
BYOLS_FEATURE_SETS = ["hybrid_byols", "byols"]
# --- SSL (issue 13): a feature set may also be a user-named key of ssl.encoders (ssl.smk) ---
_unknown_feature_sets = sorted(
    set(FEATURE_SETS)
    - set(OPENSMILE_FEATURE_SETS + BYOLS_FEATURE_SETS)
    - set(config.get("ssl", {}).get("encoders", {}))
)
if _unknown_feature_sets:
    raise WorkflowError(
        f"feature_sets {_unknown_feature_sets} are unknown: use compare, egemaps, hybrid_byols, "
        "byols, or the name of an SSL encoder configured under ssl.encoders"
    )
# --- end SSL ---


wildcard_constraints:
    dataset=DATASET,
    feature_set="|".join(FEATURE_SETS),
    classifier="|".join(CLASSIFIERS),


# Cheap rules, and the downloads (cluster compute nodes often have no internet), run where
# Snakemake runs.
localrules:
    all,
    download_corpus,
    download_checkpoint,
    merge_byols_shards,
    split_speakers,
    split_speakers_folds,
    results_matrix,
    results_matrix_folds,


def final_outputs():
    """The results matrix (CSV, Markdown, heatmap) of the configured dataset, with the tables
    and plots of its evaluation.scheme (see evaluation_targets)."""
    return evaluation_targets()


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


# --- SSL (issue 13): the table the classifiers read; SSL feature sets give their layer's
# table for the outer fold (see rule select_ssl_layer in ssl.smk) ---
def classification_features(wildcards):
    """The per-speaker normalised features that tune_classifier(_fold) reads."""
    if wildcards.feature_set in SSL_FEATURE_SETS:
        scheme = getattr(wildcards, "scheme", "holdout")
        fold = getattr(wildcards, "fold", "holdout")
        return (
            f"results/{wildcards.dataset}/features/ssl/{wildcards.feature_set}/"
            f"{scheme}/{fold}/features.normalised.parquet"
        )
    return f"results/{wildcards.dataset}/features/{wildcards.feature_set}.normalised.parquet"


# --- end SSL ---


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


def checkpoint_url(wildcards):
    """Where the official checkpoint of a BYOL-S encoder is downloaded from."""
    return config["byols"]["checkpoints"][wildcards.model]["url"]


def checkpoint_sha256(wildcards):
    """The SHA-256 the downloaded checkpoint must have (empty: not checked)."""
    return config["byols"]["checkpoints"][wildcards.model].get("sha256", "")


def byols_checkpoint(wildcards):
    """The local checkpoint given in config, or the one the download rule fetches."""
    path = config["byols"]["checkpoints"][wildcards.feature_set].get("path", "")
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
    inputs = {"audio": f"results/{wildcards.dataset}/audio.parquet"}
    if config["byols"]["stats_speakers"] == "train":
        if config["evaluation"]["scheme"] != "holdout":
            raise WorkflowError(
                "byols.stats_speakers: train needs evaluation.scheme: holdout (one training "
                "set); use stats_speakers: all with repeated_holdout or loso"
            )
        inputs["split"] = f"results/{wildcards.dataset}/split.json"
        inputs["metadata"] = f"results/{wildcards.dataset}/metadata.parquet"
    return inputs


def byols_shards(wildcards):
    """The shard tables of one BYOL-S feature set, merged into its feature table."""
    return expand(
        "results/{dataset}/features/{feature_set}/shard_{shard}.parquet",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=range(config["byols"]["shards"]),
    )


# --- evaluation schemes (the outer folds) and the results of each -------------------------------

EVALUATION = config["evaluation"]
MULTI_FOLD_SCHEMES = ["repeated_holdout", "loso"]


def fold_split_settings(wildcards):
    """The settings of a multi-fold scheme's split: only those it reads, so that changing
    another scheme's settings does not rerun it."""
    if wildcards.scheme == "repeated_holdout":
        return {
            "repeats": config["evaluation"]["repeats"],
            "test_fraction": config["split"]["test_fraction"],
            "seed": config["split"]["seed"],
            "cv_folds": config["cv_folds"],
        }
    return {"cv_folds": config["cv_folds"]}


def outer_fold_ids(wildcards):
    """Fold ids of a multi-fold scheme: from config for repeated_holdout (the ids that
    serflow.split.repeat_fold_ids gives the split); for loso from the split checkpoint, whose
    output lists one fold per speaker of the corpus."""
    if wildcards.scheme == "repeated_holdout":
        return [f"repeat-{i:02d}" for i in range(EVALUATION["repeats"])]
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
    # SSL (issue 13): the UAR-per-layer table and plot of each SSL feature set
    return expand(files, dataset=DATASET) + ssl_targets(scheme)


def results_params():
    """What the results rules read from config. They also write the config (without thread
    counts) next to the results: its digest makes them rerun when it changes."""
    settings = {key: value for key, value in config.items() if key != "threads"}
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()
    return {
        "feature_sets": FEATURE_SETS,
        "classifiers": CLASSIFIERS,
        "confidence": EVALUATION["confidence"],
        "bootstrap_resamples": EVALUATION["bootstrap_resamples"],
        "permutations": EVALUATION["permutations"],
        "seed": EVALUATION["seed"],
        "config_sha256": digest,
    }


# --- SSL encoders (issue 13): settings and input functions of the rules in ssl.smk, to fold
# into the feature-set registry ---

SSL = config.get("ssl", {})
SSL_ENCODERS = SSL.get("encoders", {})
SSL_FEATURE_SETS = [name for name in FEATURE_SETS if name in SSL_ENCODERS]
SSL_LAYER_FOLDERS = "results/{dataset}/features/ssl/{feature_set}/{scheme}/{fold}"

_ssl_clashes = sorted(
    set(SSL_ENCODERS) & set(OPENSMILE_FEATURE_SETS + BYOLS_FEATURE_SETS)
)
if _ssl_clashes:
    raise WorkflowError(
        f"ssl.encoders {_ssl_clashes} reuse the name of a built-in feature set; rename them"
    )


def ssl_encoder(feature_set):
    """The config of one SSL feature set (ssl.encoders.<feature_set>)."""
    return SSL_ENCODERS[feature_set]


def ssl_model_source(wildcards):
    """The hub id, or the local directory (made absolute, checked to exist), of an encoder."""
    model = ssl_encoder(wildcards.feature_set)["model"]
    path = Path(model).expanduser()
    if path.is_absolute() or model.startswith((".", "~")):
        if not path.is_dir():
            raise WorkflowError(
                f"ssl.encoders.{wildcards.feature_set}.model {model!r} is not a directory; give "
                "a folder written by save_pretrained / hf download, or a hub id"
            )
        return str(path.resolve())
    return model


def ssl_shards(wildcards):
    """The shard files of one SSL feature set, merged into its all-layers file."""
    return expand(
        "results/{dataset}/features/ssl/{feature_set}/shard_{shard}.npz",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=range(SSL["shards"]),
    )


def ssl_split(wildcards):
    """The split that names the fold's training and test speakers."""
    if wildcards.scheme == "holdout":
        return f"results/{wildcards.dataset}/split.json"
    return f"results/{wildcards.dataset}/split.{wildcards.scheme}.json"


def ssl_fold_ids(wildcards):
    """The outer folds of a scheme: the single hold-out fold, or those of outer_fold_ids."""
    if wildcards.scheme == "holdout":
        return ["holdout"]
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
        dataset=DATASET,
        feature_set=SSL_FEATURE_SETS,
    )

# --- end SSL ---
