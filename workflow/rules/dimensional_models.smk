# Task dimensional's model bundles: for export.models naming a regressor, one bundle holding its
# best model of every dimension, and its predictions for predict.input (one column per
# dimension; predict_emotions' script, models.smk). Input functions: inputs/regression.smk.


rule export_regressor:
    input:
        unpack(export_regressor_input),
    output:
        model="results/{dataset}/models/{feature_set}/{regressor}/model.skops",
        manifest="results/{dataset}/models/{feature_set}/{regressor}/manifest.json",
    log:
        "logs/{dataset}/export_regressor/{feature_set}/{regressor}.log",
    wildcard_constraints:
        regressor="|".join(REGRESSORS),
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=regressor_mem_mb,
        runtime=60,
    params:
        grid=regression_grid,
        dimensions=dataset_dimensions,
        ranges=dataset_ranges,
        seed=config["seed"],
        audio=decoding_settings(),
        extractor=lambda wildcards: extractor_settings(wildcards),
        min_utterances=config["export"]["min_utterances"],
        config_sha256=lambda wildcards: config_sha256(wildcards.dataset),
    script:
        "../scripts/export_regressor.py"


use rule predict_emotions as predict_dimensions with:
    input:
        model="results/{dataset}/models/{feature_set}/{regressor}/model.skops",
        manifest="results/{dataset}/models/{feature_set}/{regressor}/manifest.json",
        recordings=config["predict"]["input"] or [],
    output:
        predictions="results/{dataset}/predictions/{feature_set}/{regressor}.csv",
    log:
        "logs/{dataset}/predict_dimensions/{feature_set}/{regressor}.log",
    wildcard_constraints:
        regressor="|".join(REGRESSORS),
