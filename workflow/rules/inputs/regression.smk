# Input functions and targets of the rules in regression.smk (task dimensional: a regressor per
# dimension, tuned by CCC, and its results).

from types import SimpleNamespace

REGRESSORS = list(SETTINGS.regressors)
DIMENSIONAL_DATASETS = SETTINGS.dimensional_datasets


def dataset_dimensions(wildcards):
    """The dimensions (targets) of the job's dataset, in config order."""
    return SETTINGS.dimensions[wildcards.dataset]


def regression_job_files(name):
    """Input function: file ``name`` of every (feature set, regressor) job of the scheme (for
    a multi-fold scheme, of every outer fold)."""

    def files(wildcards):
        if wildcards.scheme == "holdout":
            return expand(
                "results/{dataset}/regression/{feature_set}/{regressor}/{name}",
                dataset=wildcards.dataset,
                feature_set=FEATURE_SETS,
                regressor=REGRESSORS,
                name=name,
            )
        return expand(
            "results/{dataset}/regression/{feature_set}/{regressor}/{scheme}/{fold}/{name}",
            dataset=wildcards.dataset,
            scheme=wildcards.scheme,
            feature_set=FEATURE_SETS,
            regressor=REGRESSORS,
            fold=outer_fold_ids(wildcards),
            name=name,
        )

    return files


def regression_grid(wildcards):
    """The configured grid of one regressor, so that changing it reruns only its jobs."""
    return config["grids"][wildcards.regressor]


def regressor_svm_memory(wildcards):
    """The kernel memory budget, for the SVR's jobs only."""
    return config["svm_memory"] if wildcards.regressor == "svr" else None


def regressor_mem_mb(wildcards, input, threads):
    """A grid search's memory: its feature table's, and for the SVR the kernel budget."""
    budget = config["svm_memory"]["budget_mb"] if wildcards.regressor == "svr" else 0
    return feature_table_mem_mb(wildcards, input, threads) + int(budget)


def dimensional_folder(name, scheme):
    """The folder of a dataset's dimensional results under ``scheme``."""
    return f"results/{name}/dimensional/{scheme}"


def dimensional_targets():
    """Every output of task dimensional under evaluation.scheme: per dataset and dimension
    the CCC matrix (CSV, Markdown, heatmap) and the predicted-vs-true scatter plots, and the
    scores table."""
    if "dimensional" not in SETTINGS.tasks:
        return []
    scheme = EVALUATION["scheme"]
    files = []
    for name in DIMENSIONAL_DATASETS:
        folder = dimensional_folder(name, scheme)
        files.append(f"{folder}/scores.csv")
        for dimension in SETTINGS.dimensions[name]:
            files += [
                f"{folder}/{dimension}/results_matrix.{ext}"
                for ext in ["csv", "md", "png"]
            ]
            files.append(f"{folder}/{dimension}/scatter.png")
    for dimension in SUMMARY_DIMENSIONS:
        files += [
            f"results/summary/dimensional/{dimension}/results_matrix.{ext}"
            for ext in ["csv", "md", "png"]
        ]
    return files + cross_corpus_dimensional_targets()


def datasets_with(dimension):
    """The datasets that have ``dimension`` as a target, in config order."""
    return [
        name for name in DIMENSIONAL_DATASETS if dimension in SETTINGS.dimensions[name]
    ]


# the dimensions of which several datasets have targets: each gets a summary across datasets
SUMMARY_DIMENSIONS = [
    dimension
    for dimension in dict.fromkeys(
        d for name in DIMENSIONAL_DATASETS for d in SETTINGS.dimensions[name]
    )
    if len(datasets_with(dimension)) > 1
]


def summary_datasets(wildcards):
    """The datasets of one dimension's summary."""
    return datasets_with(wildcards.dimension)


def summary_scores_tables(wildcards):
    """The scores table (evaluation.scheme) of every dataset that has the dimension."""
    return [
        f"{dimensional_folder(name, EVALUATION['scheme'])}/scores.csv"
        for name in datasets_with(wildcards.dimension)
    ]


def summary_ranges(wildcards):
    """Each dataset's rating scale of the dimension, stated in the summary's caption."""
    return {
        name: DATASETS[name]["targets"][wildcards.dimension]["range"]
        for name in datasets_with(wildcards.dimension)
    }


def dataset_ranges(wildcards):
    """Each dimension's rating scale [low, high] of the job's dataset."""
    return {
        dimension: dataset(wildcards)["targets"][dimension]["range"]
        for dimension in dataset_dimensions(wildcards)
    }


def export_regressor_input(wildcards):
    """The hold-out tuning's best points (one per dimension), the training rows' features (raw
    and normalised), and for BYOL-S what its extractor needs (as export_model_input)."""
    as_model = SimpleNamespace(
        **dict(wildcards.items()), classifier=wildcards.regressor
    )
    inputs = export_model_input(as_model)
    inputs["best_params"] = (
        f"results/{wildcards.dataset}/regression/{wildcards.feature_set}/"
        f"{wildcards.regressor}/best_params.json"
    )
    return inputs


def regression_results_params():
    """What the dimensional results rules read from config (and the config they record)."""
    return {
        "feature_sets": FEATURE_SETS,
        "regressors": REGRESSORS,
        "ranges": dataset_ranges,
        "confidence": EVALUATION["confidence"],
        "bootstrap_resamples": EVALUATION["bootstrap_resamples"],
        "seed": EVALUATION["seed"],
        "config_sha256": lambda wildcards: config_sha256(wildcards.dataset),
    }


# --- cross_corpus.dimensions (rules cross_corpus_regressor, cross_corpus_dimensional_matrix) ---

CROSS_CORPUS_DIMENSIONS = config["cross_corpus"]["dimensions"]
# per cross-corpus dimension, the datasets that have it (config order): its matrix's axes
CROSS_CORPUS_DATASETS = {
    dimension: datasets_with(dimension) for dimension in CROSS_CORPUS_DIMENSIONS
}


def shared_dimensions(train, test):
    """The cross-corpus dimensions that both datasets have, in config order."""
    return [
        dimension
        for dimension in CROSS_CORPUS_DIMENSIONS
        if {train, test} <= set(CROSS_CORPUS_DATASETS[dimension])
    ]


def cross_corpus_pair_dimensions(wildcards):
    """The dimensions one cross-corpus cell trains and tests."""
    return shared_dimensions(wildcards.train, wildcards.test)


def cross_corpus_ranges():
    """Each dataset's range of each of its dimensions, mapped onto [0, 1]."""
    return {
        name: {
            dimension: target["range"]
            for dimension, target in DATASETS[name]["targets"].items()
        }
        for name in DIMENSIONAL_DATASETS
    }


def cross_corpus_regressor_scores(wildcards):
    """scores.json of every (feature set, regressor, training dataset, test dataset) that
    share a cross-corpus dimension; with cross_corpus.diagonal: false, none on the diagonal.
    """
    return [
        f"results/cross_corpus/dimensional/{feature_set}/{regressor}/{train}__{test}/scores.json"
        for feature_set in FEATURE_SETS
        for regressor in REGRESSORS
        for train in DIMENSIONAL_DATASETS
        for test in DIMENSIONAL_DATASETS
        if shared_dimensions(train, test)
        and (train != test or config["cross_corpus"]["diagonal"])
    ]


def cross_corpus_dimensional_heatmaps():
    """One train × test heatmap per (feature set, regressor, cross-corpus dimension)."""
    return [
        f"results/cross_corpus/dimensional/{feature_set}.{regressor}.{dimension}.png"
        for feature_set in FEATURE_SETS
        for regressor in REGRESSORS
        for dimension in CROSS_CORPUS_DIMENSIONS
    ]


def cross_corpus_dimensional_targets():
    """The dimensional cross-corpus table, its Markdown and heatmaps (none without
    cross_corpus.dimensions)."""
    if not CROSS_CORPUS_DIMENSIONS:
        return []
    return [
        "results/cross_corpus/dimensional/cross_corpus.csv",
        "results/cross_corpus/dimensional/cross_corpus.md",
        *cross_corpus_dimensional_heatmaps(),
    ]
