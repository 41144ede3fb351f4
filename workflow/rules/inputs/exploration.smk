# Input functions and targets of the rules in exploration.smk (label, duration and feature-space
# plots of each dataset, before any model); their logic is in serflow/exploration.py.


# An SSL feature set has no single normalised table before its layer is chosen (per outer
# fold), so its features are not embedded; the speaker probe leaves it out for the same reason.
EMBEDDED_FEATURE_SETS = PROBE_FEATURE_SETS


def exploration_heading(wildcards):
    """The dataset's name in the figures' titles, saying so when its corpus is generated."""
    generated = dataset(wildcards)["source"] == "demo"
    return wildcards.dataset + (" (generated demo corpus)" if generated else "")


def exploration_targets():
    """Every dataset's label and duration plots and speaker table, and the 2-D embedding of
    each of its feature sets with a normalised table of their own."""
    files = expand(
        "results/{dataset}/exploration/{name}",
        dataset=DATASETS,
        name=["speakers.csv", "labels.png", "durations.png"],
    )
    return files + expand(
        "results/{dataset}/exploration/embedding/{feature_set}.png",
        dataset=DATASETS,
        feature_set=EMBEDDED_FEATURE_SETS,
    )
