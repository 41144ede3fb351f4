"""The ``serflow`` command: ``serflow predict BUNDLE INPUT -o OUTPUT.csv``, and
``serflow cluster-plan SNAKEMAKE-ARGS...`` (what a cluster run would submit)."""

from __future__ import annotations

import argparse
import logging
import sys

from serflow.bundle import BundleError, load_bundle
from serflow.predict import InputError, Settings, collect_inputs, predict_recordings
from serflow.tables import write_csv


def parser() -> argparse.ArgumentParser:
    """The command line: one sub-command per task."""
    main = argparse.ArgumentParser(prog="serflow", description=__doc__)
    tasks = main.add_subparsers(dest="task", required=True)
    predict = tasks.add_parser(
        "predict",
        help="predict the emotion of new recordings with a trained model bundle",
        description=(
            "Predict the emotion of recordings with a model bundle made by the workflow's "
            "export_model rule. Writes a CSV: file, speaker, predicted emotion, how the features "
            "were normalised, the error of files that could not be read, and one probability "
            "(or decision score, for classifiers without probabilities) per emotion."
        ),
    )
    predict.add_argument("bundle", help="bundle folder: results/{dataset}/models/{fs}/{clf}")
    predict.add_argument(
        "input",
        help="an audio file; a folder of audio files (sub-folders: one per speaker); or a CSV "
        "with a 'file' column and optionally a 'speaker' column",
    )
    predict.add_argument("-o", "--output", required=True, help="the CSV to write")
    predict.add_argument(
        "--min-utterances",
        type=int,
        default=None,
        help="recordings a speaker needs to be normalised on their own (default: the bundle's)",
    )
    predict.add_argument("--workers", type=int, default=1, help="feature extraction processes")
    predict.add_argument("--checkpoint", help="local BYOL-S checkpoint (BYOL-S bundles)")
    predict.add_argument(
        "--device", default="auto", help="torch device for BYOL-S: auto (a GPU if any), cpu, cuda"
    )
    plan = tasks.add_parser(
        "cluster-plan",
        help="say which jobs a cluster run submits with sbatch, with what, and which run locally",
        description=(
            "Run Snakemake's dry run with the given arguments (e.g. --profile profiles/slurm "
            "--configfile config/demo.yaml; add --forceall for a finished folder) and print one "
            "row per rule or group: sbatch or local, how many jobs, threads, memory, run time, "
            "partition and account; and which jobs a pending checkpoint still hides."
        ),
    )
    plan.add_argument("snakemake_args", nargs=argparse.REMAINDER, help="arguments for snakemake")
    return main


def run_cluster_plan(snakemake_args: list[str]) -> int:
    """Print the submission plan; a failed dry run ends with its output and exit status 2."""
    from serflow.cluster_plan import cluster_plan

    try:
        print(cluster_plan(snakemake_args))
    except RuntimeError as error:
        print(f"serflow cluster-plan: error: {error}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command; a bad bundle or input ends with its message and exit status 2."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["cluster-plan"] and not {"-h", "--help"} & set(argv[1:2]):
        return run_cluster_plan(argv[1:])  # everything after it is Snakemake's
    arguments = parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="serflow: %(levelname)s %(message)s")
    logging.captureWarnings(True)
    try:
        bundle = load_bundle(arguments.bundle)
        inputs = collect_inputs(arguments.input)
        settings = Settings(
            min_utterances=arguments.min_utterances,
            workers=arguments.workers,
            checkpoint=arguments.checkpoint,
            device=arguments.device,
        )
        table = predict_recordings(bundle, inputs, settings)
    except (BundleError, InputError) as error:
        print(f"serflow predict: error: {error}", file=sys.stderr)
        return 2
    write_csv(table, arguments.output, index=False)
    failed = int((table["error"] != "").sum())
    print(
        f"serflow predict: {len(table) - failed} of {len(table)} recording(s) predicted "
        f"({', '.join(bundle.dimensions) or bundle.manifest['scores'] + ' scores'}) "
        f"-> {arguments.output}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
