include: "inputs/byols.smk"


rule download_checkpoint:
    output:
        checkpoint="resources/checkpoints/{feature_set}.pth",
    log:
        "logs/download_checkpoint/{feature_set}.log",
    wildcard_constraints:
        feature_set="|".join(BYOLS_FEATURE_SETS),
    conda:
        "../envs/torch.yaml"
    params:
        url=checkpoint_url,
        sha256=checkpoint_sha256,
        retries=config["download"]["retries"],
        timeout_s=config["download"]["timeout_s"],
    script:
        "../scripts/download_checkpoint.py"


rule logmel_statistics:
    input:
        unpack(logmel_statistics_input),
    output:
        stats="results/{dataset}/features/byols_logmel_stats.json",
    log:
        "logs/{dataset}/logmel_statistics.log",
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=extraction_mem_mb,
        runtime=extraction_runtime,
    params:
        speakers=config["byols"]["stats_speakers"],
    script:
        "../scripts/logmel_statistics.py"


rule extract_byols:
    input:
        audio=audio_shard_tables,
        metadata="results/{dataset}/metadata.parquet",
        stats="results/{dataset}/features/byols_logmel_stats.json",
        checkpoint=byols_checkpoint,
    output:
        features=temp("results/{dataset}/features/{feature_set}/shard_{shard}.parquet"),
    log:
        "logs/{dataset}/extract_byols/{feature_set}/shard_{shard}.log",
    benchmark:
        "benchmarks/{dataset}/extract_byols/{feature_set}/shard_{shard}.tsv"
    wildcard_constraints:
        feature_set="|".join(BYOLS_FEATURE_SETS),
        shard=r"\d+",
    group:
        "extract_byols"
    conda:
        "../envs/torch.yaml"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=extraction_mem_mb,
        runtime=extraction_runtime,
    params:
        n_shards=byols_shard_count,
        device=config["byols"]["device"],
        max_batch_frames=config["byols"]["max_batch_frames"],
    script:
        "../scripts/extract_byols.py"
