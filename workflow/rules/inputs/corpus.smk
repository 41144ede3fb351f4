# Input functions of the rules in corpus.smk.


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
