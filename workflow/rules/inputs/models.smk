# Input functions, targets and resources of the rules in models.smk (exported model bundles and
# their predictions).


EXPORTED_MODELS = SETTINGS.exported_models


def model_targets():
    """The bundle of every exported model and, with predict.input, its predictions."""
    files = []
    for feature_set, classifier in EXPORTED_MODELS:
        # a regressor's bundle is made of every dataset with targets (task dimensional)
        datasets = DIMENSIONAL_DATASETS if classifier in REGRESSORS else DATASETS
        for name in datasets:
            folder = f"results/{name}/models/{feature_set}/{classifier}"
            files += [f"{folder}/model.skops", f"{folder}/manifest.json"]
            if config["predict"]["input"]:
                files.append(
                    f"results/{name}/predictions/{feature_set}/{classifier}.csv"
                )
    return files


def export_model_input(wildcards):
    """The hold-out tuning's best point, the training rows' features (raw and normalised),
    and for BYOL-S the log-mel statistics and checkpoint that the extractor needs."""
    folder = f"results/{wildcards.dataset}"
    inputs = {
        "best_params": f"{folder}/classification/{wildcards.feature_set}/{wildcards.classifier}/best_params.json",
        "features": f"{folder}/features/{wildcards.feature_set}.normalised.parquet",
        "raw_features": f"{folder}/features/{wildcards.feature_set}.parquet",
        "metadata": f"{folder}/metadata.parquet",
        "split": f"{folder}/split.json",
    }
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        inputs["logmel_stats"] = f"{folder}/features/byols_logmel_stats.json"
        inputs["checkpoint"] = byols_checkpoint(wildcards)
    return inputs


def extractor_settings(wildcards):
    """The feature extractor's settings that a bundle records (openSMILE has none to set)."""
    if wildcards.feature_set in BYOLS_FEATURE_SETS:
        return {
            "name": "byols",
            "max_batch_frames": config["byols"]["max_batch_frames"],
            "stats_speakers": config["byols"]["stats_speakers"],
        }
    return {"name": "opensmile"}
