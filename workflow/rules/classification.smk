rule split_speakers:
    input:
        metadata="results/{dataset}/metadata.parquet",
    output:
        split="results/{dataset}/split.json",
    log:
        "logs/{dataset}/split_speakers.log",
    conda:
        "../../envs/serflow.yaml"
    params:
        test_fraction=config["split"]["test_fraction"],
        seed=config["split"]["seed"],
        test_speakers=config["split"].get("test_speakers", []),
        cv_folds=config["cv_folds"],
    script:
        "../scripts/split_speakers.py"


rule tune_classifier:
    input:
        features="results/{dataset}/features/{feature_set}.normalised.parquet",
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
        "../../envs/serflow.yaml"
    threads: config["threads"]["tune"]
    resources:
        mem_mb=tuning_mem_mb,
        runtime=120,
    params:
        grid=classifier_grid,
        cv_folds=config["cv_folds"],
        seed=config["seed"],
    script:
        "../scripts/tune_classifier.py"
