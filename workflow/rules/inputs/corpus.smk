# Input functions, targets and resources of the rules in corpus.smk (download, unpack or generate
# a corpus, its metadata, decoded audio shards).


# Files the workflow ships, found relative to these rule files (also when used as a module).
EMODB_CHECKSUMS = workflow.source_path("../../serflow/data/emodb.sha256")


def corpus_listing(wildcards):
    """A fingerprint (names, sizes, mtimes) of a local corpus, so that replacing, adding or
    removing a file reruns what reads it; the folder's own mtime misses a file overwritten in
    place. One stat per file, no audio read. Empty for the download and demo sources, whose
    files are outputs of this workflow."""
    settings = dataset(wildcards)
    if settings["source"] in ("zip", "folder"):
        recursive = settings["format"] != "emodb" and settings["source"] == "folder"
        return corpus_listing_once(settings["path"], recursive)
    return ""


@functools.cache
def corpus_listing_once(path, recursive):
    """listing_digest, computed once per run (about 1 s at 100,000 files)."""
    return listing_digest(path, recursive=recursive)


def corpus_zip(wildcards):
    """The zip to unpack: the downloaded one, or the local one given in the dataset's path."""
    if dataset(wildcards)["source"] == "zip":
        return dataset(wildcards)["path"]
    return f"resources/{wildcards.dataset}/download.zip"


def corpus_location(wildcards):
    """Where the corpus is, by source: the local folder (or CSV manifest), the generated demo
    or the unpacked zip."""
    settings = dataset(wildcards)
    if settings["source"] == "folder":
        return settings["path"]
    if settings["source"] == "demo":
        return f"resources/{wildcards.dataset}/demo/wav"
    return f"resources/{wildcards.dataset}/unpacked/wav"


def format_settings(wildcards):
    """What the dataset's format reader takes (audformat's table and columns, the sentence
    column of csv and audformat; with task dimensional the targets), so that changing them reruns build_metadata.
    """
    settings = dataset(wildcards)
    keys = ["table", "emotion_column", "speaker_column", "gender_column", "text_column"]
    chosen = {}
    if settings["format"] == "audformat":
        chosen = {key: settings[key] for key in keys}
    elif settings["format"] == "csv":
        chosen = {"text_column": settings["text_column"]}
    dimensions = SETTINGS.dimensions[wildcards.dataset]
    if dimensions:  # task dimensional: the target columns too
        chosen["targets"] = {name: settings["targets"][name] for name in dimensions}
    return chosen


def checksums_file(wildcards):
    """The SHA-256 list that a complete EmoDB matches, or nothing when not verifying."""
    if dataset(wildcards)["verify_checksums"]:
        return EMODB_CHECKSUMS
    return []


def audio_shard_utterances(wildcards):
    """The utterance ids of one audio shard, sorted."""
    return list(audio_shard(wildcards).utterances)


def audio_shard_files(wildcards):
    """The corpus files of one audio shard's clips, in utterance order."""
    _, files = audio_shard_plan(wildcards)
    return [files[utterance] for utterance in audio_shard(wildcards).utterances]


def audio_shard_fingerprint(wildcards):
    """Names, sizes and mtimes of one shard's files: a file replaced in place, even by an older
    copy, redecodes its shard (and only its shard)."""
    return files_digest(audio_shard_files(wildcards))


def decode_mem_mb(wildcards, input, threads):
    """Memory for decoding a shard: its clips at the target rate twice over (the clips and the
    table written from them), and one source file at a time."""
    megabytes = (
        audio_shard(wildcards).duration_s * config["audio"]["sample_rate"] * 4 / 1e6
    )
    return int(500 + 2 * megabytes)


def decode_runtime(wildcards):
    """Runtime (minutes) for decoding a shard: generous, a minute per 30 minutes of audio."""
    return int(10 + audio_shard(wildcards).duration_s / 1800)


def checked_audio_shard_files(wildcards):
    """audio_shard_files, once the dataset's speakers are known to suffice for every
    speaker-grouped step (serflow/speaker_groups.py): the first check after build_metadata,
    before any audio is decoded."""
    speaker_groups_checked(wildcards.dataset)
    return audio_shard_files(wildcards)


@functools.cache
def speaker_groups_checked(name):
    """Run speaker_groups.check_dataset once per dataset and run; warnings go to the terminal."""
    metadata = checkpoints.build_metadata.get(dataset=name).output.metadata
    try:
        for line in speaker_groups.check_dataset(name, metadata, config):
            print(f"serflow: warning: {line}", file=sys.stderr)
    except speaker_groups.SpeakerGroupError as error:
        raise WorkflowError(str(error)) from None
