include: "inputs/features.smk"


rule extract_opensmile:
    input:
        audio="results/{dataset}/audio/{shard}.parquet",
    output:
        features="results/{dataset}/features/{feature_set}/{shard}.parquet",
    log:
        "logs/{dataset}/extract_opensmile/{feature_set}/{shard}.log",
    benchmark:
        "benchmarks/{dataset}/extract_opensmile/{feature_set}/{shard}.tsv"
    wildcard_constraints:
        feature_set="|".join(OPENSMILE_FEATURE_SETS),
        shard=SHARD_NAME_PATTERN,
    group:
        "audio_shard"
    conda:
        "../envs/audio.yaml"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=extraction_mem_mb,
        runtime=extraction_runtime,
    script:
        "../scripts/extract_opensmile.py"


# openSMILE shards (one per audio shard) and BYOL-S shards (byols.shards) alike
rule merge_feature_shards:
    input:
        shards=feature_shards,
    output:
        features="results/{dataset}/features/{feature_set}.parquet",
    log:
        "logs/{dataset}/merge_feature_shards/{feature_set}.log",
    benchmark:
        "benchmarks/{dataset}/merge_feature_shards/{feature_set}.tsv"
    wildcard_constraints:
        feature_set="|".join(OPENSMILE_FEATURE_SETS + BYOLS_FEATURE_SETS),
    conda:
        "../envs/audio.yaml"
    resources:
        mem_mb=feature_table_mem_mb,
        runtime=10,
    script:
        "../scripts/merge_feature_shards.py"


# A fused feature set (feature_sets: [egemaps+compare]): its parts' raw tables side by side,
# normalised per speaker afterwards by normalise_per_speaker like any other table.
rule fuse_feature_sets:
    input:
        parts=fused_parts,
    output:
        features="results/{dataset}/features/{feature_set}.parquet",
    log:
        "logs/{dataset}/fuse_feature_sets/{feature_set}.log",
    wildcard_constraints:
        feature_set=FUSED_PATTERN,
    conda:
        "../envs/audio.yaml"
    resources:
        mem_mb=feature_table_mem_mb,
        runtime=10,
    params:
        parts=lambda wildcards: registry.parts_of(wildcards.feature_set),
    script:
        "../scripts/fuse_feature_sets.py"


rule normalise_per_speaker:
    input:
        features="results/{dataset}/features/{feature_set}.parquet",
        metadata="results/{dataset}/metadata.parquet",
    output:
        features="results/{dataset}/features/{feature_set}.normalised.parquet",
    log:
        "logs/{dataset}/normalise_per_speaker/{feature_set}.log",
    benchmark:
        "benchmarks/{dataset}/normalise_per_speaker/{feature_set}.tsv"
    conda:
        "../envs/audio.yaml"
    resources:
        mem_mb=feature_table_mem_mb,
        runtime=10,
    script:
        "../scripts/normalise_per_speaker.py"
