# Trained model bundles of the (feature set, classifier) pairs under export.models, and their
# predictions for the recordings at predict.input (see README.md, "Use a trained model").


include: "inputs/models.smk"


rule export_model:
    input:
        unpack(export_model_input),
    output:
        model="results/{dataset}/models/{feature_set}/{classifier}/model.skops",
        manifest="results/{dataset}/models/{feature_set}/{classifier}/manifest.json",
    log:
        "logs/{dataset}/export_model/{feature_set}/{classifier}.log",
    conda:
        "../envs/models.yaml"
    threads: 1
    resources:
        mem_mb=classifier_mem_mb,
        runtime=60,
    params:
        grid=classifier_grid,
        seed=config["seed"],
        svm_memory=svm_memory,
        balance=config["balance"],
        audio=decoding_settings(),
        extractor=extractor_settings,
        min_utterances=config["export"]["min_utterances"],
        train_on=config["export"]["train_on"],
        scheme=config["evaluation"]["scheme"],
        config_sha256=lambda wildcards: config_sha256(wildcards.dataset),
        encoder=feature_set_encoder,
    script:
        "../scripts/export_model.py"


rule predict_emotions:
    input:
        model="results/{dataset}/models/{feature_set}/{classifier}/model.skops",
        manifest="results/{dataset}/models/{feature_set}/{classifier}/manifest.json",
        recordings=config["predict"]["input"] or [],
    output:
        predictions="results/{dataset}/predictions/{feature_set}/{classifier}.csv",
    log:
        "logs/{dataset}/predict_emotions/{feature_set}/{classifier}.log",
    conda:
        "../envs/models.yaml"
    threads: config["threads"]["extract"]
    resources:
        mem_mb=4000,
        runtime=60,
    params:
        min_utterances=config["export"]["min_utterances"],
        device=config["byols"]["device"],
    script:
        "../scripts/predict_emotions.py"
