# Input functions, targets and resources of the rules in features.smk (openSMILE extraction,
# merged feature tables, normalisation).


def feature_shards(wildcards):
    """The shard tables a feature table is merged from: one per audio shard for openSMILE,
    the BYOL-S shards for BYOL-S."""
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        return byols_shards(wildcards)
    return expand(
        "results/{dataset}/features/{feature_set}/{shard}.parquet",
        dataset=wildcards.dataset,
        feature_set=wildcards.feature_set,
        shard=audio_shard_plan(wildcards)[0],
    )


#: The fused feature sets of the run (their names hold regex characters: escaped).
FUSED_PATTERN = (
    "|".join(re.escape(name) for name in FEATURE_SETS if registry.is_fused(name))
    or "(?!)"
)


def fused_parts(wildcards):
    """The raw tables of a fused feature set's parts, in the order its name gives them."""
    return [
        f"results/{wildcards.dataset}/features/{part}.parquet"
        for part in registry.parts_of(wildcards.feature_set)
    ]
