include: "inputs/classification.smk"


rule split_speakers:
    input:
        metadata="results/{dataset}/metadata.parquet",
    output:
        split="results/{dataset}/split.json",
    log:
        "logs/{dataset}/split_speakers.log",
    conda:
        "../envs/classify.yaml"
    params:
        split=split_settings,
        cv_folds=config["cv_folds"],
        protocol=split_protocol,
    script:
        "../scripts/split_speakers.py"


# The outer folds of repeated_holdout and loso. A checkpoint: loso has one fold per speaker of
# the corpus, which is known only once the metadata exists (see outer_fold_ids).
checkpoint split_speakers_folds:
    input:
        metadata="results/{dataset}/metadata.parquet",
    output:
        split="results/{dataset}/split.{scheme}.json",
    log:
        "logs/{dataset}/split_speakers.{scheme}.log",
    wildcard_constraints:
        scheme="|".join(MULTI_FOLD_SCHEMES),
    conda:
        "../envs/classify.yaml"
    params:
        settings=fold_split_settings,
        protocol=split_protocol,
    script:
        "../scripts/split_speakers.py"


rule tune_classifier:
    input:
        features=classification_features,
        metadata="results/{dataset}/metadata.parquet",
        split="results/{dataset}/split.json",
    output:
        best_params="results/{dataset}/classification/{feature_set}/{classifier}/best_params.json",
        cv_results="results/{dataset}/classification/{feature_set}/{classifier}/cv_results.csv",
        predictions="results/{dataset}/classification/{feature_set}/{classifier}/predictions.parquet",
        scores="results/{dataset}/classification/{feature_set}/{classifier}/scores.json",
        report="results/{dataset}/classification/{feature_set}/{classifier}/classification_report.txt",
        confusion_matrix="results/{dataset}/classification/{feature_set}/{classifier}/confusion_matrix.csv",
    log:
        "logs/{dataset}/tune_classifier/{feature_set}/{classifier}.log",
    benchmark:
        "benchmarks/{dataset}/tune_classifier/{feature_set}/{classifier}.tsv"
    conda:
        "../envs/classify.yaml"
    threads: config["threads"]["tune"]
    resources:
        mem_mb=classifier_mem_mb,
        runtime=120,
    params:
        grid=classifier_grid,
        cv_folds=config["cv_folds"],
        inner_cv=config["evaluation"]["inner_cv"],
        seed=config["seed"],
        svm_memory=svm_memory,
        balance=config["balance"],
        encoder=feature_set_encoder,
        # CV scores already computed for the same data, folds and grid point are reused
        cache_dir=lambda wildcards: f"results/{wildcards.dataset}/cache/cv_scores",
    script:
        "../scripts/tune_classifier.py"


# One job per outer fold of repeated_holdout or loso: the same grid search on that fold's
# training speakers, tested on its test speakers.
use rule tune_classifier as tune_classifier_fold with:
    input:
        features=classification_features,
        metadata="results/{dataset}/metadata.parquet",
        split="results/{dataset}/split.{scheme}.json",
    output:
        best_params="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/best_params.json",
        cv_results="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/cv_results.csv",
        predictions="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/predictions.parquet",
        scores="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/scores.json",
        report="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/classification_report.txt",
        confusion_matrix="results/{dataset}/classification/{feature_set}/{classifier}/{scheme}/{fold}/confusion_matrix.csv",
    log:
        "logs/{dataset}/tune_classifier/{feature_set}/{classifier}/{scheme}/{fold}.log",
    benchmark:
        "benchmarks/{dataset}/tune_classifier/{feature_set}/{classifier}/{scheme}/{fold}.tsv"
    wildcard_constraints:
        scheme="|".join(MULTI_FOLD_SCHEMES),
        fold=FOLD_ID_PATTERN,
