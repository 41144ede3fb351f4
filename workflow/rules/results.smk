report: "../report/workflow.rst"


include: "inputs/results.smk"


rule results_matrix:
    input:
        scores=expand(
            "results/{{dataset}}/classification/{feature_set}/{classifier}/scores.json",
            feature_set=FEATURE_SETS,
            classifier=CLASSIFIERS,
        ),
        predictions=expand(
            "results/{{dataset}}/classification/{feature_set}/{classifier}/predictions.parquet",
            feature_set=FEATURE_SETS,
            classifier=CLASSIFIERS,
        ),
        metadata="results/{dataset}/metadata.parquet",
        split="results/{dataset}/split.json",
        layers=ssl_layer_files("layer.json", SSL_FEATURE_SETS),
    output:
        **protocol_files("holdout"),
        csv=report(
            "results/{dataset}/results_matrix.csv",
            caption="../report/results_matrix.rst",
            category="Results matrix",
            subcategory="holdout",
        ),
        markdown="results/{dataset}/results_matrix.md",
        heatmap=report(
            "results/{dataset}/results_matrix.png",
            caption="../report/results_matrix.rst",
            category="Results matrix",
            subcategory="holdout",
        ),
        recall=report(
            evaluation_files("holdout")["recall_per_class"],
            caption="../report/recall_per_class.rst",
            category="Per-class recall",
            subcategory="holdout",
        ),
        comparison=report(
            evaluation_files("holdout")["comparison"],
            caption="../report/comparison.rst",
            category="Feature set comparison",
            subcategory="holdout",
        ),
        predictions=evaluation_files("holdout")["predictions"],
        config=report(
            evaluation_files("holdout")["config"],
            caption="../report/config.rst",
            category="Configuration",
            subcategory="holdout",
        ),
        confusion=confusion_plots("holdout"),
    log:
        "logs/{dataset}/results_matrix.log",
    conda:
        "../envs/classify.yaml"
    params:
        **results_params(),
        **protocol_params(),
    script:
        "../scripts/results_matrix.py"


rule results_matrix_folds:
    input:
        scores=fold_job_files("scores.json"),
        predictions=fold_job_files("predictions.parquet"),
        metadata="results/{dataset}/metadata.parquet",
        split=scheme_split,
        layers=ssl_layer_files("layer.json", SSL_FEATURE_SETS),
    output:
        **protocol_files("{scheme}"),
        csv=report(
            "results/{dataset}/results_matrix.{scheme}.csv",
            caption="../report/results_matrix_folds.rst",
            category="Results matrix",
            subcategory="{scheme}",
        ),
        markdown="results/{dataset}/results_matrix.{scheme}.md",
        heatmap=report(
            "results/{dataset}/results_matrix.{scheme}.png",
            caption="../report/results_matrix_folds.rst",
            category="Results matrix",
            subcategory="{scheme}",
        ),
        summary=report(
            evaluation_files("{scheme}")["uar_summary"],
            caption="../report/uar_summary.rst",
            category="Results matrix",
            subcategory="{scheme}",
        ),
        folds=report(
            evaluation_files("{scheme}")["uar_per_fold"],
            caption="../report/uar_per_fold.rst",
            category="UAR per fold",
            subcategory="{scheme}",
        ),
        folds_plot=report(
            evaluation_files("{scheme}")["uar_per_fold_plot"],
            caption="../report/uar_per_fold.rst",
            category="UAR per fold",
            subcategory="{scheme}",
        ),
        recall=report(
            evaluation_files("{scheme}")["recall_per_class"],
            caption="../report/recall_per_class.rst",
            category="Per-class recall",
            subcategory="{scheme}",
        ),
        comparison=report(
            evaluation_files("{scheme}")["comparison"],
            caption="../report/comparison.rst",
            category="Feature set comparison",
            subcategory="{scheme}",
        ),
        predictions=evaluation_files("{scheme}")["predictions"],
        config=report(
            evaluation_files("{scheme}")["config"],
            caption="../report/config.rst",
            category="Configuration",
            subcategory="{scheme}",
        ),
        confusion=confusion_plots("{scheme}"),
    log:
        "logs/{dataset}/results_matrix.{scheme}.log",
    wildcard_constraints:
        scheme="|".join(MULTI_FOLD_SCHEMES),
    conda:
        "../envs/classify.yaml"
    params:
        **results_params(),
        **protocol_params(),
    script:
        "../scripts/results_matrix_folds.py"


# With several datasets: every dataset's results matrix in one table and heatmap.
rule datasets_summary:
    input:
        matrices=dataset_matrices,
        cards=expand(
            protocol_files(EVALUATION["scheme"])["protocol_card"], dataset=DATASETS
        ),
    output:
        csv=report(
            "results/summary/results_matrix.csv",
            caption="../report/summary.rst",
            category="Datasets",
        ),
        markdown="results/summary/results_matrix.md",
        heatmap=report(
            "results/summary/results_matrix.png",
            caption="../report/summary.rst",
            category="Datasets",
        ),
    log:
        "logs/summary/results_matrix.log",
    conda:
        "../envs/classify.yaml"
    params:
        datasets=list(DATASETS),
        scheme=EVALUATION["scheme"],
    script:
        "../scripts/datasets_summary.py"


# How much speaker identity each feature set carries, before and after per-speaker
# normalisation (a probe split by utterance; see docs/evaluation.md).
rule speaker_probe:
    input:
        metadata="results/{dataset}/metadata.parquet",
        raw="results/{dataset}/features/{feature_set}.parquet",
        normalised="results/{dataset}/features/{feature_set}.normalised.parquet",
    output:
        probe=report(
            "results/{dataset}/evaluation/speaker_probe/{feature_set}.csv",
            caption="../report/speaker_probe.rst",
            category="Speaker probe",
            labels={"feature set": "{feature_set}"},
        ),
    log:
        "logs/{dataset}/speaker_probe/{feature_set}.log",
    conda:
        "../envs/classify.yaml"
    threads: 1
    resources:
        mem_mb=feature_table_mem_mb,
    params:
        seed=config["seed"],
    script:
        "../scripts/speaker_probe.py"
