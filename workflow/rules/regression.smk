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
    output:
        csv=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.csv",
            caption="../report/dimensional_matrix.rst",
            category="Dimensional: CCC matrix",
            subcategory="{scheme}",
            labels={"dataset": "{dataset}", "dimension": "{dimension}"},
        ),
        markdown="results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.md",
        heatmap=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/results_matrix.png",
            caption="../report/dimensional_matrix.rst",
            category="Dimensional: CCC matrix",
            subcategory="{scheme}",
            labels={"dataset": "{dataset}", "dimension": "{dimension} heatmap"},
        ),
        scatter=report(
            "results/{dataset}/dimensional/{scheme}/{dimension}/scatter.png",
            caption="../report/dimensional_scatter.rst",
            category="Dimensional: predicted vs true",
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
            category="Dimensional: scores",
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
