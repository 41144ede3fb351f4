include: "inputs/corpus.smk"


rule download_corpus:
    output:
        zip="resources/{dataset}/download.zip",
    log:
        "logs/{dataset}/download_corpus.log",
    retries: 0
    conda:
        "../envs/audio.yaml"
    params:
        url=lambda wildcards: dataset_config.download_url(dataset(wildcards)),
        sha256=lambda wildcards: dataset(wildcards)["sha256"],
        retries=config["download"]["retries"],
        timeout_s=config["download"]["timeout_s"],
    script:
        "../scripts/download_corpus.py"


rule unpack_corpus:
    input:
        zip=corpus_zip,
    output:
        wav_dir=directory("resources/{dataset}/unpacked/wav"),
    log:
        "logs/{dataset}/unpack_corpus.log",
    conda:
        "../envs/audio.yaml"
    params:
        # a zip given as the dataset's path that is replaced, even by an older file, reruns this
        zip_listing=corpus_listing,
        # EmoDB's wav files come out of its zip's wav/ folder; other corpora keep their folders
        flatten=lambda wildcards: dataset(wildcards)["format"] == "emodb",
    script:
        "../scripts/unpack_corpus.py"


rule generate_demo_corpus:
    output:
        wav_dir=directory("resources/{dataset}/demo/wav"),
    log:
        "logs/{dataset}/generate_demo_corpus.log",
    conda:
        "../envs/audio.yaml"
    resources:
        # a few MB of WAV files; without it a cluster run would ask Snakemake's 50 GB default
        disk_mb=1000,
    params:
        format=lambda wildcards: dataset(wildcards)["format"],
        demo=lambda wildcards: dataset(wildcards)["demo"],
    script:
        "../scripts/generate_demo_corpus.py"


# A checkpoint: the audio shards (serflow/shards.py) are planned from its table.
checkpoint build_metadata:
    input:
        corpus=corpus_location,
        checksums=checksums_file,
    output:
        metadata="results/{dataset}/metadata.parquet",
    log:
        "logs/{dataset}/build_metadata.log",
    conda:
        "../envs/audio.yaml"
    params:
        format=lambda wildcards: dataset(wildcards)["format"],
        format_settings=format_settings,
        emotions=lambda wildcards: dataset(wildcards)["emotions"],
        skip_bad_files=lambda wildcards: dataset(wildcards)["skip_bad_files"],
        min_duration_s=lambda wildcards: dataset(wildcards)["min_duration_s"],
        # names, sizes and mtimes of a local corpus: a file replaced, added or removed reruns this
        corpus_listing=corpus_listing,
    script:
        "../scripts/build_metadata.py"


rule resample_audio:
    input:
        clips=checked_audio_shard_files,
    output:
        audio="results/{dataset}/audio/{shard}.parquet",
    log:
        "logs/{dataset}/resample_audio/{shard}.log",
    benchmark:
        "benchmarks/{dataset}/resample_audio/{shard}.tsv"
    wildcard_constraints:
        shard=SHARD_NAME_PATTERN,
    group:
        "audio_shard"
    conda:
        "../envs/audio.yaml"
    resources:
        mem_mb=decode_mem_mb,
        runtime=decode_runtime,
    params:
        # the shard's clips: its name is their digest, and this list makes the rule's params
        utterances=audio_shard_utterances,
        files=audio_shard_fingerprint,
        sample_rate=config["audio"]["sample_rate"],
        resampler=config["audio"]["resampler"],
    script:
        "../scripts/resample_audio.py"
