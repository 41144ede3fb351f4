rule download_checkpoint:
    output:
        checkpoint="resources/checkpoints/{model}.pth",
    wildcard_constraints:
        model="|".join(BYOLS_FEATURE_SETS),
    params:
        url=checkpoint_url,
        sha256=checkpoint_sha256,
        retries=config["corpus"]["download"]["retries"],
        timeout_s=config["corpus"]["download"]["timeout_s"],
    log:
        "logs/download_checkpoint/{model}.log",
    conda:
        "../../envs/serflow.yaml"
    script:
        "../scripts/download_checkpoint.py"


rule logmel_statistics:
    input:
        unpack(logmel_statistics_input),
    output:
        stats="results/{dataset}/features/byols_logmel_stats.json",
    params:
        speakers=config["byols"]["stats_speakers"],
    log:
        "logs/{dataset}/logmel_statistics.log",
    threads: config["threads"]["extract"]
    resources:
        mem_mb=extraction_mem_mb,
        runtime=extraction_runtime,
    conda:
        "../../envs/serflow.yaml"
    script:
        "../scripts/logmel_statistics.py"


rule extract_byols:
    input:
        audio="results/{dataset}/audio.parquet",
        stats="results/{dataset}/features/byols_logmel_stats.json",
        checkpoint=byols_checkpoint,
    output:
        features=temp("results/{dataset}/features/{feature_set}/shard_{shard}.parquet"),
    wildcard_constraints:
        feature_set="|".join(BYOLS_FEATURE_SETS),
        shard=r"\d+",
    params:
        n_shards=config["byols"]["shards"],
        device=config["byols"]["device"],
        max_batch_frames=config["byols"]["max_batch_frames"],
    log:
        "logs/{dataset}/extract_byols/{feature_set}/shard_{shard}.log",
    benchmark:
        "benchmarks/{dataset}/extract_byols/{feature_set}/shard_{shard}.tsv"
    group:
        "extract_byols"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=extraction_mem_mb,
        runtime=extraction_runtime,
    conda:
        "../../envs/serflow.yaml"
    script:
        "../scripts/extract_byols.py"


rule merge_byols_shards:
    input:
        shards=byols_shards,
    output:
        features="results/{dataset}/features/{feature_set}.parquet",
    wildcard_constraints:
        feature_set="|".join(BYOLS_FEATURE_SETS),
    log:
        "logs/{dataset}/merge_byols_shards/{feature_set}.log",
    conda:
        "../../envs/serflow.yaml"
    script:
        "../scripts/merge_byols_shards.py"
