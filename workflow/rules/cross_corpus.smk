# Cross-corpus: train on one dataset, test on another, on the emotions of cross_corpus.emotions;
# the diagonal (cross_corpus.diagonal) is within-corpus on the dataset's hold-out split. A cell
# that cannot be computed is written as missing with its reason, unless cross_corpus.strict.


include: "inputs/cross_corpus.smk"


rule cross_corpus_classifier:
    input:
        unpack(cross_corpus_inputs),
    output:
        scores="results/cross_corpus/{feature_set}/{classifier}/{train}__{test}/scores.json",
        predictions="results/cross_corpus/{feature_set}/{classifier}/{train}__{test}/predictions.parquet",
    log:
        "logs/cross_corpus/{feature_set}/{classifier}/{train}__{test}.log",
    benchmark:
        "benchmarks/cross_corpus/{feature_set}/{classifier}/{train}__{test}.tsv"
    wildcard_constraints:
        train="|".join(DATASETS),
        test="|".join(DATASETS),
    conda:
        "../envs/classify.yaml"
    threads: config["threads"]["tune"]
    resources:
        mem_mb=classifier_mem_mb,
        runtime=120,
    params:
        grid=classifier_grid,
        emotions=CROSS_CORPUS_EMOTIONS,
        strict=config["cross_corpus"]["strict"],
        cv_folds=config["cv_folds"],
        seed=config["seed"],
        svm_memory=svm_memory,
        balance=config["balance"],
        cache_dir="results/cross_corpus/cache/cv_scores",
    script:
        "../scripts/cross_corpus_classifier.py"


rule cross_corpus_matrix:
    input:
        scores=cross_corpus_scores,
    output:
        csv=report(
            "results/cross_corpus/cross_corpus.csv",
            caption="../report/cross_corpus.rst",
            category="Cross-corpus",
        ),
        markdown="results/cross_corpus/cross_corpus.md",
        heatmaps=[
            report(
                path,
                caption="../report/cross_corpus.rst",
                category="Cross-corpus",
            )
            for path in cross_corpus_heatmaps()
        ],
    log:
        "logs/cross_corpus/cross_corpus_matrix.log",
    conda:
        "../envs/classify.yaml"
    params:
        datasets=list(DATASETS),
        feature_sets=FEATURE_SETS,
        classifiers=CLASSIFIERS,
        emotions=CROSS_CORPUS_EMOTIONS,
    script:
        "../scripts/cross_corpus_matrix.py"
