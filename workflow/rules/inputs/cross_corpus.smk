# Input functions, targets and resources of the rules in cross_corpus.smk (train on one dataset,
# test on another).


def cross_corpus_inputs(wildcards):
    """Features and metadata of the training and the test dataset; the training dataset's
    hold-out split for the diagonal."""
    inputs = {}
    for role in ("train", "test"):
        name = getattr(wildcards, role)
        inputs[f"{role}_features"] = (
            f"results/{name}/features/{wildcards.feature_set}.normalised.parquet"
        )
        inputs[f"{role}_metadata"] = f"results/{name}/metadata.parquet"
    if wildcards.train == wildcards.test:
        inputs["split"] = f"results/{wildcards.train}/split.json"
    return inputs


def cross_corpus_scores(wildcards):
    """scores.json of every (feature set, classifier, training dataset, test dataset); with
    cross_corpus.diagonal: false, none of a dataset against itself."""
    return [
        f"results/cross_corpus/{feature_set}/{classifier}/{train}__{test}/scores.json"
        for feature_set in FEATURE_SETS
        for classifier in CLASSIFIERS
        for train in DATASETS
        for test in DATASETS
        if train != test or config["cross_corpus"]["diagonal"]
    ]


def cross_corpus_heatmaps():
    """One train x test heatmap per (feature set, classifier)."""
    return [
        f"results/cross_corpus/{feature_set}.{classifier}.png"
        for feature_set in FEATURE_SETS
        for classifier in CLASSIFIERS
    ]


def cross_corpus_targets():
    """The cross-corpus table, its Markdown and heatmaps."""
    return [
        "results/cross_corpus/cross_corpus.csv",
        "results/cross_corpus/cross_corpus.md",
        *cross_corpus_heatmaps(),
    ]
