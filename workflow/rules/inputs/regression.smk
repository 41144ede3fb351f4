# Input functions and targets of the rules in regression.smk (task dimensional: a regressor per
# dimension, tuned by CCC, and its results).

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
    return files


def regression_results_params():
    """What the dimensional results rules read from config (and the config they record)."""
    return {
        "feature_sets": FEATURE_SETS,
        "regressors": REGRESSORS,
        "ranges": lambda wildcards: {
            dimension: dataset(wildcards)["targets"][dimension]["range"]
            for dimension in dataset_dimensions(wildcards)
        },
        "confidence": EVALUATION["confidence"],
        "bootstrap_resamples": EVALUATION["bootstrap_resamples"],
        "seed": EVALUATION["seed"],
        "config_sha256": lambda wildcards: config_sha256(wildcards.dataset),
    }
