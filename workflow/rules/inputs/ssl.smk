# Input functions, targets and resources of the rules in ssl.smk (SSL encoders: all-layer
# features, layer choice, UAR per layer).

from serflow.fold_ids import FOLD_FOLDER_PATTERN, fold_folder, fold_of_folder

# One folder per outer fold (serflow.fold_ids.fold_folder): holdout/, or <scheme>/<fold>/;
# ssl_layer_file names the files in it.
SSL_LAYER_FOLDERS = "results/{dataset}/features/ssl/{feature_set}/{fold_folder}"


def ssl_layer_file(dataset, feature_set, scheme, fold, name):
    """File ``name`` of rule select_ssl_layer for one feature set and outer fold."""
    folder = SSL_LAYER_FOLDERS.format(
        dataset=dataset, feature_set=feature_set, fold_folder=fold_folder(scheme, fold)
    )
    return f"{folder}/{name}"


def ssl_fold(wildcards):
    """(scheme, fold id) of a select_ssl_layer job."""
    return fold_of_folder(wildcards.fold_folder)


def ssl_encoder(feature_set):
    """The config of one SSL feature set (ssl.encoders.<feature_set>)."""
    return SSL_ENCODERS[feature_set]


def ssl_model_source(wildcards):
    """The hub id or local directory of the job's encoder."""
    return SETTINGS.ssl_models[wildcards.feature_set]


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
    scheme, _ = ssl_fold(wildcards)
    if scheme == "holdout":
        return f"results/{wildcards.dataset}/split.json"
    return f"results/{wildcards.dataset}/split.{scheme}.json"


def ssl_fold_ids(wildcards):
    """The outer folds of the job's scheme (holdout where the job has none): the single
    hold-out fold, or those of outer_fold_ids."""
    if getattr(wildcards, "scheme", "holdout") == "holdout":
        return [HOLDOUT_FOLD_ID]
    return outer_fold_ids(wildcards)


def ssl_layer_files(name, feature_sets):
    """Input function: file ``name`` of select_ssl_layer for each of ``feature_sets`` (a list,
    or None for the job's own) and every outer fold of the job's scheme."""

    def files(wildcards):
        scheme = getattr(wildcards, "scheme", "holdout")
        names = [wildcards.feature_set] if feature_sets is None else feature_sets
        return [
            ssl_layer_file(wildcards.dataset, feature_set, scheme, fold, name)
            for feature_set in names
            for fold in ssl_fold_ids(wildcards)
        ]

    return files


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


#: SSL feature sets whose layers the classifier weighs itself (layer: weighted, SUPERB's).
WEIGHTED_FEATURE_SETS = [
    name for name in SSL_FEATURE_SETS if ssl_encoder(name)["layer"] == "weighted"
]


def layer_weight_files(scheme):
    """The learned layer weights (table and bar chart) of a weighted SSL feature set."""
    folder = f"results/{{dataset}}/evaluation/{scheme}/layer_weights"
    return {
        "csv": f"{folder}/{{feature_set}}.csv",
        "png": f"{folder}/{{feature_set}}.png",
    }


def layer_weight_jobs(wildcards):
    """(classifier, outer fold) of each best_params.json that rule layer_weights reads."""
    return [
        [classifier, fold]
        for classifier in CLASSIFIERS
        for fold in ssl_fold_ids(wildcards)
    ]


def layer_weight_sources(wildcards):
    """The best_params.json (with the learned layer weights) of every classifier and fold."""
    folder = f"results/{wildcards.dataset}/classification/{wildcards.feature_set}"
    if wildcards.scheme == "holdout":
        return [f"{folder}/{classifier}/best_params.json" for classifier in CLASSIFIERS]
    return [
        f"{folder}/{classifier}/{wildcards.scheme}/{fold}/best_params.json"
        for classifier, fold in layer_weight_jobs(wildcards)
    ]


def ssl_targets(scheme):
    """What the SSL feature sets add to the outputs of evaluation.scheme: the UAR-per-layer
    curves, and the learned layer weights of the weighted ones."""
    return expand(
        list(ssl_curve_files(scheme).values()),
        dataset=DATASETS,
        feature_set=SSL_FEATURE_SETS,
    ) + expand(
        list(layer_weight_files(scheme).values()),
        dataset=DATASETS,
        feature_set=WEIGHTED_FEATURE_SETS,
    )
