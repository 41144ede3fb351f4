# Self-supervised speech encoders (wav2vec 2.0, HuBERT, WavLM) as feature sets: every name in
# feature_sets that is a key of ssl.encoders. Each (dataset, encoder) is run once, giving the
# pooled embeddings of every hidden layer; the layer the classifiers see is fixed in config or
# chosen on each training set's speakers (see docs in config/README.md).
# Helpers: the SSL block at the end of common.smk.


include: "inputs/ssl.smk"


rule extract_ssl:
    input:
        audio=audio_shard_tables,
        metadata="results/{dataset}/metadata.parquet",
    output:
        layers=temp("results/{dataset}/features/ssl/{feature_set}/shard_{shard}.npz"),
    log:
        "logs/{dataset}/extract_ssl/{feature_set}/shard_{shard}.log",
    benchmark:
        "benchmarks/{dataset}/extract_ssl/{feature_set}/shard_{shard}.tsv"
    wildcard_constraints:
        feature_set="|".join(SSL_FEATURE_SETS) or "no-ssl-feature-set",
        shard=r"\d+",
    group:
        "extract_ssl"
    conda:
        "../envs/ssl.yaml"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=ssl_mem_mb,
        runtime=extraction_runtime,
    params:
        model=ssl_model_source,
        n_shards=ssl_shard_count,
        device=SSL["device"],
        max_chunk_s=SSL["max_chunk_s"],
        max_batch_s=SSL["max_batch_s"],
    script:
        "../scripts/extract_ssl.py"


rule merge_ssl_shards:
    input:
        shards=ssl_shards,
    output:
        layers="results/{dataset}/features/ssl/{feature_set}.layers.npz",
    log:
        "logs/{dataset}/merge_ssl_shards/{feature_set}.log",
    wildcard_constraints:
        feature_set="|".join(SSL_FEATURE_SETS) or "no-ssl-feature-set",
    conda:
        "../envs/ssl.yaml"
    script:
        "../scripts/merge_ssl_shards.py"


# One job per outer fold (folder holdout/ or <scheme>/<fold>/): UAR of a probe on every layer by
# speaker-grouped inner CV over the fold's training speakers, the layer (fixed, or the best
# one there), and that layer's per-speaker normalised table, which the classifiers then read.
rule select_ssl_layer:
    input:
        layers="results/{dataset}/features/ssl/{feature_set}.layers.npz",
        metadata="results/{dataset}/metadata.parquet",
        split=ssl_split,
    output:
        features=f"{SSL_LAYER_FOLDERS}/features.normalised.parquet",
        scores=f"{SSL_LAYER_FOLDERS}/layer_scores.csv",
        layer=f"{SSL_LAYER_FOLDERS}/layer.json",
    log:
        "logs/{dataset}/select_ssl_layer/{feature_set}/{fold_folder}.log",
    wildcard_constraints:
        feature_set="|".join(SSL_FEATURE_SETS) or "no-ssl-feature-set",
        fold_folder=FOLD_FOLDER_PATTERN,
    conda:
        "../envs/ssl.yaml"
    threads: 1
    resources:
        mem_mb=feature_table_mem_mb,
        runtime=60,
    params:
        layer=lambda wildcards: ssl_encoder(wildcards.feature_set)["layer"],
        pooling=lambda wildcards: ssl_encoder(wildcards.feature_set)["pooling"],
        cv_folds=config["cv_folds"],
        probe_c=SSL["probe_c"],
        seed=config["seed"],
    script:
        "../scripts/select_ssl_layer.py"


rule uar_per_layer:
    input:
        scores=ssl_layer_files("layer_scores.csv", None),
        layers=ssl_layer_files("layer.json", None),
    output:
        csv=report(
            ssl_curve_files("{scheme}")["csv"],
            caption="../report/uar_per_layer.rst",
            category="UAR per layer",
            subcategory="{scheme}",
            labels={"feature set": "{feature_set}", "table": "csv"},
        ),
        png=report(
            ssl_curve_files("{scheme}")["png"],
            caption="../report/uar_per_layer.rst",
            category="UAR per layer",
            subcategory="{scheme}",
            labels={"feature set": "{feature_set}", "table": "plot"},
        ),
    log:
        "logs/{dataset}/uar_per_layer/{scheme}/{feature_set}.log",
    wildcard_constraints:
        feature_set="|".join(SSL_FEATURE_SETS) or "no-ssl-feature-set",
        scheme="|".join(SCHEME_NAMES),
    conda:
        "../envs/ssl.yaml"
    script:
        "../scripts/uar_per_layer.py"


# layer: weighted (SUPERB): the softmax layer weights that the classifier learned on each outer
# fold, beside the UAR-per-layer curve of the same folds.
rule layer_weights:
    input:
        best_params=layer_weight_sources,
        curve=ssl_curve_files("{scheme}")["csv"],
    output:
        csv=report(
            layer_weight_files("{scheme}")["csv"],
            caption="../report/layer_weights.rst",
            category="Layer weights",
            subcategory="{scheme}",
            labels={"feature set": "{feature_set}", "table": "csv"},
        ),
        png=report(
            layer_weight_files("{scheme}")["png"],
            caption="../report/layer_weights.rst",
            category="Layer weights",
            subcategory="{scheme}",
            labels={"feature set": "{feature_set}", "table": "plot"},
        ),
    log:
        "logs/{dataset}/layer_weights/{scheme}/{feature_set}.log",
    wildcard_constraints:
        feature_set="|".join(WEIGHTED_FEATURE_SETS) or "no-weighted-feature-set",
        scheme="|".join(SCHEME_NAMES),
    conda:
        "../envs/ssl.yaml"
    params:
        jobs=layer_weight_jobs,
    script:
        "../scripts/layer_weights.py"


localrules:
    merge_ssl_shards,
    uar_per_layer,
    layer_weights,
