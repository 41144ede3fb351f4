# Input functions, targets and resources of the rules in byols.smk (BYOL-S checkpoints, log-mel
# statistics, embeddings).


def checkpoint_url(wildcards):
    """Where the official checkpoint of a BYOL-S encoder is downloaded from."""
    return config["byols"]["checkpoints"][wildcards.feature_set]["url"]


def checkpoint_sha256(wildcards):
    """The SHA-256 the downloaded checkpoint must have (empty: not checked)."""
    return config["byols"]["checkpoints"][wildcards.feature_set]["sha256"]


def byols_checkpoint(wildcards):
    """The local checkpoint given in config, or the one the download rule fetches."""
    path = config["byols"]["checkpoints"][wildcards.feature_set]["path"]
    if path:
        if not Path(path).is_file():
            raise WorkflowError(
                f"byols.checkpoints.{wildcards.feature_set}.path {path!r} is not a file; "
                "give the path of the official checkpoint, or leave it empty to download it"
            )
        return path
    return f"resources/checkpoints/{wildcards.feature_set}.pth"


def logmel_statistics_input(wildcards):
    """The audio, and with byols.stats_speakers: train the split that names those speakers."""
    inputs = {"audio": audio_shard_tables(wildcards)}
    if config["byols"]["stats_speakers"] == "train":
        if config["evaluation"]["scheme"] != "holdout":
            raise WorkflowError(
                "byols.stats_speakers: train needs evaluation.scheme: holdout (one training "
                "set); use stats_speakers: all with repeated_holdout or loso"
            )
        inputs["split"] = f"results/{wildcards.dataset}/split.json"
        inputs["metadata"] = f"results/{wildcards.dataset}/metadata.parquet"
    return inputs


def byols_shard_count(wildcards):
    """How many BYOL-S jobs embed a dataset: byols.shards, or more where the corpus has more
    audio shards, so that no job holds more than about one audio shard's clips."""
    return max(config["byols"]["shards"], len(audio_shard_plan(wildcards)[0]))


def byols_shards(wildcards):
    """The shard tables of one BYOL-S feature set, merged into its feature table."""
    return expand(
        "results/{dataset}/features/{feature_set}/shard_{shard}.parquet",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=range(byols_shard_count(wildcards)),
    )
