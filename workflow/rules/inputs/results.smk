# Input functions, targets and resources of the rules in results.smk (results matrices, evaluation
# tables and plots, the summary).


# `report` at the start of a line would be read as Snakemake's report keyword
mark_for_report = report


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


def results_params():
    """What the results rules read from config. They also write the dataset's results config
    next to the results (rebuilt from snakemake.config, so that the report shows no config
    dict among the job's parameters): its digest makes them rerun when it changes."""
    return {
        "feature_sets": FEATURE_SETS,
        "classifiers": CLASSIFIERS,
        "confidence": EVALUATION["confidence"],
        "bootstrap_resamples": EVALUATION["bootstrap_resamples"],
        "permutations": EVALUATION["permutations"],
        "seed": EVALUATION["seed"],
        "config_sha256": lambda wildcards: config_sha256(wildcards.dataset),
    }


def dataset_matrices(wildcards):
    """The results matrix of every dataset under the configured scheme (for several folds,
    its per-fold summary, whose mean the summary shows)."""
    scheme = EVALUATION["scheme"]
    if scheme == "holdout":
        return expand("results/{dataset}/results_matrix.csv", dataset=DATASETS)
    return expand(evaluation_files(scheme)["uar_summary"], dataset=DATASETS)


def print_closing_summary():
    """Print at the end of a run (onsuccess) the results matrices among the targets, with
    their captions (serflow/closing_summary.py)."""
    from serflow.closing_summary import closing_summary

    matrices = [path for path in final_outputs() if path.endswith(".md")]
    text = closing_summary(matrices, RUN_STARTED)
    if text:
        print(text, file=sys.stderr)
