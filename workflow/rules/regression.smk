# Task dimensional: per (feature set, regressor) and outer fold a grid search by CCC for each
# of the dataset's dimensions, on the splits of classification.smk; then per dimension the CCC
# matrix, the scores table and the predicted-vs-true scatter plots.


include: "inputs/regression.smk"


rule tune_regressor:
    input:
        features=classification_features,
        metadata="results/{dataset}/metadata.parquet",
        split="results/{dataset}/split.json",
    output:
        best_params="results/{dataset}/regression/{feature_set}/{regressor}/best_params.json",
        cv_results="results/{dataset}/regression/{feature_set}/{regressor}/cv_results.csv",
        predictions="results/{dataset}/regression/{feature_set}/{regressor}/predictions.parquet",
        scores="results/{dataset}/regression/{feature_set}/{regressor}/scores.json",
    log:
        "logs/{dataset}/tune_regressor/{feature_set}/{regressor}.log",
    benchmark:
        "benchmarks/{dataset}/tune_regressor/{feature_set}/{regressor}.tsv"
    wildcard_constraints:
        regressor="|".join(REGRESSORS),
    conda:
        "../envs/classify.yaml"
    threads: config["threads"]["tune"]
    resources:
        mem_mb=regressor_mem_mb,
        runtime=120,
    params:
        grid=regression_grid,
        dimensions=dataset_dimensions,
        cv_folds=config["cv_folds"],
        seed=config["seed"],
        svm_memory=regressor_svm_memory,
        cache_dir=lambda wildcards: f"results/{wildcards.dataset}/cache/cv_scores",
    script:
        "../scripts/tune_regressor.py"


use rule tune_regressor as tune_regressor_fold with:
    input:
        features=classification_features,
        metadata="results/{dataset}/metadata.parquet",
        split="results/{dataset}/split.{scheme}.json",
    output:
        best_params="results/{dataset}/regression/{feature_set}/{regressor}/{scheme}/{fold}/best_params.json",
        cv_results="results/{dataset}/regression/{feature_set}/{regressor}/{scheme}/{fold}/cv_results.csv",
        predictions="results/{dataset}/regression/{feature_set}/{regressor}/{scheme}/{fold}/predictions.parquet",
        scores="results/{dataset}/regression/{feature_set}/{regressor}/{scheme}/{fold}/scores.json",
    log:
        "logs/{dataset}/tune_regressor/{feature_set}/{regressor}/{scheme}/{fold}.log",
    benchmark:
        "benchmarks/{dataset}/tune_regressor/{feature_set}/{regressor}/{scheme}/{fold}.tsv"
    wildcard_constraints:
        regressor="|".join(REGRESSORS),
        scheme="|".join(MULTI_FOLD_SCHEMES),
        fold=FOLD_ID_PATTERN,


rule dimensional_results_matrix:
    input:
        scores=regression_job_files("scores.json"),
        predictions=regression_job_files("predictions.parquet"),
        layers=ssl_layer_files("layer.json", SSL_FEATURE_SETS),
    output:
        csv=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.csv",
            caption="../report/dimensional_matrix.rst",
            category="Dimensional CCC matrix",
            subcategory="{scheme}",
            labels={"dataset": "{dataset}", "dimension": "{dimension}"},
        ),
        markdown="results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.md",
        heatmap=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.png",
            caption="../report/dimensional_matrix.rst",
            category="Dimensional CCC matrix",
            subcategory="{scheme}",
            labels={"dataset": "{dataset}", "dimension": "{dimension} heatmap"},
        ),
        scatter=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/scatter.png",
            caption="../report/dimensional_scatter.rst",
            category="Dimensional predicted vs true",
            subcategory="{scheme}",
            labels={"dataset": "{dataset}", "dimension": "{dimension}"},
        ),
    log:
        "logs/{dataset}/dimensional_results_matrix/{scheme}/{dimension}.log",
    wildcard_constraints:
        scheme="|".join(SCHEME_NAMES),
    conda:
        "../envs/classify.yaml"
    params:
        **regression_results_params(),
    script:
        "../scripts/dimensional_results_matrix.py"


rule dimensional_scores:
    input:
        scores=regression_job_files("scores.json"),
        predictions=regression_job_files("predictions.parquet"),
    output:
        scores=report(
            "results/{dataset}/dimensional/{scheme}/scores.csv",
            caption="../report/dimensional_scores.rst",
            category="Dimensional scores",
            subcategory="{scheme}",
        ),
    log:
        "logs/{dataset}/dimensional_scores/{scheme}.log",
    wildcard_constraints:
        scheme="|".join(SCHEME_NAMES),
    conda:
        "../envs/classify.yaml"
    params:
        **regression_results_params(),
    script:
        "../scripts/dimensional_scores.py"


# With several datasets that have targets: per dimension, every dataset's CCC in one table.
rule dimensional_summary:
    input:
        scores=summary_scores_tables,
    output:
        csv=report(
            "results/summary/dimensional/{dimension}/results_matrix.csv",
            caption="../report/dimensional_summary.rst",
            category="Datasets",
            labels={"dimension": "{dimension}"},
        ),
        markdown="results/summary/dimensional/{dimension}/results_matrix.md",
        heatmap=report(
            "results/summary/dimensional/{dimension}/results_matrix.png",
            caption="../report/dimensional_summary.rst",
            category="Datasets",
            labels={"dimension": "{dimension} heatmap"},
        ),
    log:
        "logs/summary/dimensional/{dimension}.log",
    conda:
        "../envs/classify.yaml"
    params:
        datasets=summary_datasets,
        regressors=REGRESSORS,
        scheme=EVALUATION["scheme"],
        ranges=summary_ranges,
    script:
        "../scripts/dimensional_summary.py"


# cross_corpus.dimensions: train on one dataset, test on another, per shared dimension, on the
# common [0, 1] scale; cells that cannot be computed are missing with their reason.
rule cross_corpus_regressor:
    input:
        unpack(lambda wildcards: cross_corpus_inputs(wildcards)),
    output:
        scores="results/cross_corpus/dimensional/{feature_set}/{regressor}/{train}__{test}/scores.json",
        predictions="results/cross_corpus/dimensional/{feature_set}/{regressor}/{train}__{test}/predictions.parquet",
    log:
        "logs/cross_corpus/dimensional/{feature_set}/{regressor}/{train}__{test}.log",
    benchmark:
        "benchmarks/cross_corpus/dimensional/{feature_set}/{regressor}/{train}__{test}.tsv"
    wildcard_constraints:
        regressor="|".join(REGRESSORS),
        train="|".join(DIMENSIONAL_DATASETS),
        test="|".join(DIMENSIONAL_DATASETS),
    conda:
        "../envs/classify.yaml"
    threads: config["threads"]["tune"]
    resources:
        mem_mb=regressor_mem_mb,
        runtime=120,
    params:
        grid=regression_grid,
        dimensions=cross_corpus_pair_dimensions,
        ranges=cross_corpus_ranges(),
        strict=config["cross_corpus"]["strict"],
        cv_folds=config["cv_folds"],
        seed=config["seed"],
        svm_memory=regressor_svm_memory,
        cache_dir="results/cross_corpus/dimensional/cache/cv_scores",
    script:
        "../scripts/cross_corpus_regressor.py"


rule cross_corpus_dimensional_matrix:
    input:
        scores=cross_corpus_regressor_scores,
    output:
        csv=report(
            "results/cross_corpus/dimensional/cross_corpus.csv",
            caption="../report/cross_corpus_dimensional.rst",
            category="Cross-corpus",
            subcategory="dimensional",
        ),
        markdown="results/cross_corpus/dimensional/cross_corpus.md",
        heatmaps=[
            report(
                path,
                caption="../report/cross_corpus_dimensional.rst",
                category="Cross-corpus",
                subcategory="dimensional",
            )
            for path in cross_corpus_dimensional_heatmaps()
        ],
    log:
        "logs/cross_corpus/cross_corpus_dimensional_matrix.log",
    conda:
        "../envs/classify.yaml"
    params:
        datasets=CROSS_CORPUS_DATASETS,
        feature_sets=FEATURE_SETS,
        regressors=REGRESSORS,
        ranges=cross_corpus_ranges(),
    script:
        "../scripts/cross_corpus_dimensional_matrix.py"
