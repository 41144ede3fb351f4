# Input functions and parse-time checks of the evaluation protocols (split.disjoint,
# split.folds_file, the protocol card, breakdowns and the speaker probe); their logic is in
# serflow/text_split.py, folds_file.py, protocol_card.py, breakdowns.py and speaker_probe.py.

from serflow.protocol_card import encoder_ids, protocol_problems


def split_settings_of(name):
    """The split settings of dataset ``name`` (its own keys over the global ones)."""
    return dataset_config.split_settings(name, DATASETS[name], config["split"])


problems = protocol_problems(
    {name: split_settings_of(name) for name in DATASETS}, EVALUATION["scheme"]
)
if problems:
    raise WorkflowError("\n".join(problems))


ENCODER_IDS = encoder_ids(FEATURE_SETS, config)


def feature_set_encoder(wildcards):
    """The id of the encoder behind the job's feature set, for its protocol card."""
    return ENCODER_IDS[wildcards.feature_set]


def split_protocol(wildcards):
    """What the split jobs need to know of the protocol — the dataset, split.disjoint and its
    draw settings, and for evaluation.scheme folds the folds file with a fingerprint of it (so
    that a replaced file reruns the split)."""
    split = split_settings(wildcards)
    protocol = {
        "dataset": wildcards.dataset,
        "disjoint": split["disjoint"],
        "test_fraction": split["test_fraction"],
        "seed": split["seed"],
        "cv_folds": config["cv_folds"],
    }
    if getattr(wildcards, "scheme", "holdout") == "folds":
        protocol["folds_file"] = split["folds_file"]
        protocol["folds_fingerprint"] = folds_file_fingerprint(split["folds_file"])
    return protocol


def folds_file_fingerprint(location):
    """files_digest of the folds file, or of every file below the folds folder."""
    path = Path(location)
    files = (
        sorted(str(f) for f in path.rglob("*") if f.is_file())
        if path.is_dir()
        else [location]
    )
    return files_digest(files)


def scheme_split(wildcards):
    """The split file of the results rule's scheme."""
    scheme = getattr(wildcards, "scheme", "holdout")
    if scheme == "holdout":
        return f"results/{wildcards.dataset}/split.json"
    return f"results/{wildcards.dataset}/split.{scheme}.json"


def protocol_params():
    """What the protocol card records from config besides what it measures: the datasets'
    emotion selection (class merges), the encoders' checkpoints and the evaluation settings.
    """
    return {
        "emotions": lambda wildcards: DATASETS[wildcards.dataset]["emotions"],
        "encoders": ENCODER_IDS,
        "disjoint": lambda wildcards: split_settings(wildcards)["disjoint"],
    }


def protocol_files(scheme):
    """The protocol card and breakdowns that the results rule of ``scheme`` writes under
    results/{dataset}/evaluation/{scheme}/, marked for the report (as patterns)."""
    folder = f"results/{{dataset}}/evaluation/{scheme}"
    marked = {
        "protocol_card_table": (
            "protocol_card.csv",
            "protocol_card.rst",
            "Protocol card",
        ),
        "uar_interval": (
            "uar_interval.csv",
            "uar_interval.rst",
            "Speaker-level intervals",
        ),
        "uar_per_speaker": ("uar_per_speaker.csv", "breakdowns.rst", "Breakdowns"),
        "uar_per_gender": ("uar_per_gender.csv", "breakdowns.rst", "Breakdowns"),
        "calibration": ("calibration.csv", "calibration.rst", "Breakdowns"),
    }
    files = {"protocol_card": f"{folder}/protocol_card.json"}
    for name, (file, caption, category) in marked.items():
        files[name] = mark_for_report(
            f"{folder}/{file}",
            caption=f"../report/{caption}",
            category=category,
            subcategory=scheme,
        )
    return files


# The speaker probe reads a feature set's table before and after normalisation; an SSL feature
# set has no single table before its layer is chosen, so the probe leaves it out.
PROBE_FEATURE_SETS = [name for name in FEATURE_SETS if name not in SSL_ENCODERS]


def protocol_targets():
    """The speaker probe of every dataset (evaluation.speaker_probe, with a probed set)."""
    if not (EVALUATION["speaker_probe"] and PROBE_FEATURE_SETS):
        return []
    return expand(
        "results/{dataset}/evaluation/speaker_probe/{feature_set}.csv",
        dataset=DATASETS,
        feature_set=PROBE_FEATURE_SETS,
    )
