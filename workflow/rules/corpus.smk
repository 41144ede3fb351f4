rule download_corpus:
    output:
        zip="resources/{dataset}/download.zip",
    log:
        "logs/{dataset}/download_corpus.log",
    retries: 0
    conda:
        "../envs/audio.yaml"
    params:
        url=config["corpus"]["url"],
        sha256=config["corpus"]["sha256"],
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
        # a zip given in corpus.path that is replaced, even by an older file, reruns this
        zip_listing=corpus_listing,
    script:
        "../scripts/unpack_corpus.py"


rule generate_demo_corpus:
    output:
        wav_dir=directory("resources/{dataset}/demo/wav"),
    log:
        "logs/{dataset}/generate_demo_corpus.log",
    conda:
        "../envs/audio.yaml"
    params:
        clips_per_class=config["corpus"]["demo"]["clips_per_class"],
        min_duration_s=config["corpus"]["demo"]["min_duration_s"],
        max_duration_s=config["corpus"]["demo"]["max_duration_s"],
        seed=config["corpus"]["demo"]["seed"],
    script:
        "../scripts/generate_demo_corpus.py"


rule build_metadata:
    input:
        wav_dir=corpus_wav_dir,
        checksums=checksums_file,
    output:
        metadata="results/{dataset}/metadata.parquet",
    log:
        "logs/{dataset}/build_metadata.log",
    conda:
        "../envs/audio.yaml"
    params:
        skip_bad_files=config["corpus"]["skip_bad_files"],
        min_duration_s=config["corpus"]["min_duration_s"],
        # names, sizes and mtimes of a local corpus: a file replaced, added or removed reruns this
        corpus_listing=corpus_listing,
    script:
        "../scripts/build_metadata.py"


rule resample_audio:
    input:
        metadata="results/{dataset}/metadata.parquet",
    output:
        audio="results/{dataset}/audio.parquet",
    log:
        "logs/{dataset}/resample_audio.log",
    benchmark:
        "benchmarks/{dataset}/resample_audio.tsv"
    conda:
        "../envs/audio.yaml"
    resources:
        mem_mb=4000,
        runtime=30,
    params:
        sample_rate=config["audio"]["sample_rate"],
        resampler=config["audio"]["resampler"],
    script:
        "../scripts/resample_audio.py"
