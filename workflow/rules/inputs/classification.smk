# Input functions, targets and resources of the rules in classification.smk (splits and the grid
# search of every classifier).


def split_settings(wildcards):
    """The dataset's split: its own split keys over the global ones."""
    return dataset_config.split_settings(
        wildcards.dataset, dataset(wildcards), config["split"]
    )


# The table the classifiers read; SSL feature sets give their layer's table for the outer fold
# (see rule select_ssl_layer in ssl.smk).
def classification_features(wildcards):
    """The per-speaker normalised features that tune_classifier(_fold) reads."""
    if wildcards.feature_set in SSL_FEATURE_SETS:
        return ssl_layer_file(
            wildcards.dataset,
            wildcards.feature_set,
            getattr(wildcards, "scheme", "holdout"),
            getattr(wildcards, "fold", HOLDOUT_FOLD_ID),
            "features.normalised.parquet",
        )
    return f"results/{wildcards.dataset}/features/{wildcards.feature_set}.normalised.parquet"


def fold_split_settings(wildcards):
    """The settings of a multi-fold scheme's split: only those it reads, so that changing
    another scheme's settings does not rerun it."""
    return speaker_groups.outer_split_settings(
        wildcards.dataset, wildcards.scheme, config
    )
