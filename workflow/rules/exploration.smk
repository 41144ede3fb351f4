# Exploration: how each dataset's emotions, ratings and clip durations spread over its speakers,
# and a 2-D PCA embedding of each normalised feature table coloured by emotion and by speaker.
# Cheap plots from the metadata and feature tables; no model is fitted.


include: "inputs/exploration.smk"


# The distributions read only the metadata table: not worth a cluster job.
localrules:
    exploration_distributions,


rule exploration_distributions:
    input:
        metadata="results/{dataset}/metadata.parquet",
    output:
        speakers=report(
            "results/{dataset}/exploration/speakers.csv",
            caption="../report/exploration_speakers.rst",
            category="Exploration",
            subcategory="{dataset}",
            labels={"plot": "speakers (table)"},
        ),
        labels=report(
            "results/{dataset}/exploration/labels.png",
            caption="../report/exploration_labels.rst",
            category="Exploration",
            subcategory="{dataset}",
            labels={"plot": "labels"},
        ),
        durations=report(
            "results/{dataset}/exploration/durations.png",
            caption="../report/exploration_durations.rst",
            category="Exploration",
            subcategory="{dataset}",
            labels={"plot": "durations"},
        ),
    log:
        "logs/{dataset}/exploration/distributions.log",
    conda:
        "../envs/classify.yaml"
    threads: 1
    params:
        heading=exploration_heading,
    script:
        "../scripts/exploration_distributions.py"


rule exploration_embedding:
    input:
        metadata="results/{dataset}/metadata.parquet",
        features="results/{dataset}/features/{feature_set}.normalised.parquet",
    output:
        embedding=report(
            "results/{dataset}/exploration/embedding/{feature_set}.png",
            caption="../report/exploration_embedding.rst",
            category="Exploration",
            subcategory="{dataset}",
            labels={"plot": "embedding {feature_set}"},
        ),
    log:
        "logs/{dataset}/exploration/embedding/{feature_set}.log",
    conda:
        "../envs/classify.yaml"
    threads: 1
    resources:
        mem_mb=feature_table_mem_mb,
    params:
        heading=exploration_heading,
        seed=config["seed"],
    script:
        "../scripts/exploration_embedding.py"
