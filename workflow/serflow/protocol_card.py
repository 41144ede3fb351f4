"""The protocol card: under which protocol a number was made, measured from the data.

Every scores.json, model manifest, results matrix caption and the report carry one. Its counts
(speakers and sentences shared between the training and the test rows) are computed from the
rows a job actually trained and tested on, never copied from config, so that a card that says
"speaker-independent" is a checked fact. Standard library at import time: the workflow imports
it when it is parsed.
"""

from __future__ import annotations

from importlib import metadata as package_metadata
from pathlib import Path
from typing import Any

from serflow.fingerprint import file_sha256
from serflow.fold_ids import SCHEME_NAMES

#: How serflow normalises features, the same for every protocol (serflow/normalise.py).
NORMALISATION = (
    "per speaker: each feature standardised with the mean and standard deviation over all of "
    "that speaker's recordings, training and test, whatever their label (test speakers' "
    "statistics come from their own unlabelled test recordings)"
)
#: The metric of every results matrix (serflow/metrics.py).
METRIC = "UAR: unweighted average recall, the macro recall over the classes present or predicted"


def encoder_ids(feature_sets: list[str], config: dict[str, Any]) -> dict[str, str]:
    """Feature set -> the id of the encoder behind it: openSMILE's feature set and package
    version, a BYOL-S checkpoint (its path or URL and expected SHA-256), an SSL model id; a
    fused feature set's is its parts' ids joined by `` + ``."""
    from serflow.feature_sets import BYOLS, FEATURE_SETS, OPENSMILE, is_fused, parts_of

    ids = {}
    for name in feature_sets:
        spec = FEATURE_SETS.get(name)
        if is_fused(name):
            parts = encoder_ids(parts_of(name), config)
            ids[name] = " + ".join(parts[part] for part in parts_of(name))
            continue
        if spec is not None and spec.kind == OPENSMILE:
            try:
                version = package_metadata.version("opensmile")
            except package_metadata.PackageNotFoundError:
                version = "unknown"
            ids[name] = f"openSMILE {spec.setting} (opensmile {version})"
        elif spec is not None and spec.kind == BYOLS:
            checkpoint = config["byols"]["checkpoints"][name]
            where = checkpoint.get("path") or checkpoint.get("url")
            sha = checkpoint.get("sha256") or "not pinned"
            ids[name] = f"BYOL-S {spec.setting} checkpoint {where} (sha256 {sha})"
        else:
            ids[name] = f"{config['ssl']['encoders'][name]['model']}"
    return ids


def protocol_problems(splits: dict[str, dict[str, Any]], scheme: str) -> list[str]:
    """Parse-time problems of the protocol keys: evaluation.scheme folds without a folds file
    (or one that does not exist), a folds file with another scheme."""
    problems = []
    for name, split in splits.items():
        folds_file = split.get("folds_file", "")
        if scheme == "folds" and not folds_file:
            problems.append(
                f"evaluation.scheme folds needs the published folds of dataset {name}: set "
                f"datasets.{name}.split.folds_file (or split.folds_file)"
            )
        elif scheme == "folds" and not Path(folds_file).exists():
            problems.append(
                f"datasets.{name}: split.folds_file {folds_file!r} does not exist; give EmoBox's "
                "folder of fold_N lists or a CSV utterance,fold,partition"
            )
        elif folds_file and scheme != "folds":
            problems.append(
                f"datasets.{name}: split.folds_file is set but evaluation.scheme is {scheme}; "
                "set evaluation.scheme: folds to run the published folds, or remove the file"
            )
        elif scheme == "folds" and "text" in split.get("disjoint", []):
            problems.append(
                f"datasets.{name}: split.disjoint [speaker, text] cannot narrow published folds "
                "(evaluation.scheme folds); set split.disjoint: [speaker]"
            )
    return problems


def _shared(training: Any, test: Any, column: str) -> int | None:
    if column not in training.columns or column not in test.columns:
        return None
    return len(set(training[column]) & set(test[column]))


def metadata_sha256(path: str | Path) -> str:
    """SHA-256 of a metadata table's content without its ``path`` column: the same corpus
    gives the same digest wherever its files lie (two checkouts, a moved corpus folder)."""
    import hashlib

    import pandas as pd

    table = pd.read_parquet(path)
    table = table.drop(columns=["path"], errors="ignore").sort_values("utterance")
    return hashlib.sha256(table.to_csv(index=False).encode()).hexdigest()


def fold_card(fold: dict, training: Any, test: Any) -> dict[str, Any]:
    """What one outer fold's rows measure: sizes and the speakers, sentences and utterances
    that its training rows (``training``) and test rows (``test``) share; ``shared_texts`` is
    None when the corpus has no sentence ids."""
    return {
        "fold": fold["fold"],
        "n_train": int(len(training)),
        "n_test": int(len(test)),
        "n_train_speakers": int(training["speaker"].nunique()),
        "n_test_speakers": int(test["speaker"].nunique()),
        "shared_speakers": _shared(training, test, "speaker"),
        "shared_texts": _shared(training, test, "text"),
        "shared_utterances": _shared(training, test, "utterance"),
        "left_out_train": int(fold.get("left_out_train", 0)),
        "left_out_test": int(fold.get("left_out_test", 0)),
    }


def job_card(
    *,
    scheme: str,
    fold: dict,
    training: Any,
    test: Any,
    classes: list[str],
    metadata_path: str,
    split_path: str,
    encoder: str,
) -> dict[str, Any]:
    """The card of one tune job (one outer fold): :func:`fold_card` with the protocol's fixed
    parts (normalisation, metric), the classes, the digests of metadata and split, the encoder."""
    return {
        "scheme": scheme,
        **fold_card(fold, training, test),
        "classes": sorted(classes),
        "normalisation": NORMALISATION,
        "metric": METRIC,
        "metadata_sha256": metadata_sha256(metadata_path),
        "split_sha256": file_sha256(split_path),
        "encoder": encoder,
    }


def independence(total: int | None, unit: str) -> str:
    """``speaker-independent`` (none shared), ``speaker-dependent`` (some), or not known."""
    if total is None:
        return f"{unit} ids not known"
    return f"{unit}-independent" if total == 0 else f"{unit}-dependent"


def run_card(
    cards: list[dict[str, Any]],
    *,
    dataset: str,
    emotions: Any,
    encoders: dict[str, str],
    disjoint: list[str],
) -> dict[str, Any]:
    """The card of a results matrix: its jobs' cards (one per feature set, classifier and fold)
    summed over the folds. ``emotions`` is the dataset's emotion selection (merges)."""
    first = cards[0]
    by_fold = {card["fold"]: card for card in cards}
    folds = [by_fold[name] for name in sorted(by_fold)]
    texts = [card["shared_texts"] for card in folds]
    shared_texts = None if any(count is None for count in texts) else sum(texts)
    shared_speakers = sum(card["shared_speakers"] for card in folds)
    digests = sorted({card["metadata_sha256"] for card in cards})
    return {
        "dataset": dataset,
        "scheme": first["scheme"],
        "scheme_name": SCHEME_NAMES[first["scheme"]],
        "n_folds": len(folds),
        "disjoint_asked": list(disjoint),
        "speakers": independence(shared_speakers, "speaker"),
        "texts": independence(shared_texts, "text"),
        "shared_speakers": shared_speakers,
        "shared_texts": shared_texts,
        "shared_utterances": sum(card["shared_utterances"] for card in folds),
        "left_out_train": sum(card["left_out_train"] for card in folds),
        "left_out_test": sum(card["left_out_test"] for card in folds),
        "n_test": sum(card["n_test"] for card in folds),
        "classes": first["classes"],
        "class_selection": emotions,
        "normalisation": first["normalisation"],
        "metric": first["metric"],
        "metadata_sha256": digests[0] if len(digests) == 1 else digests,
        "split_sha256": first["split_sha256"],
        "encoders": encoders,
        "folds": [
            {
                key: card[key]
                for key in (
                    "fold",
                    "n_train",
                    "n_test",
                    "shared_speakers",
                    "shared_texts",
                    "left_out_train",
                    "left_out_test",
                )
            }
            for card in folds
        ],
    }


def card_line(card: dict[str, Any]) -> str:
    """The card in one line, for a results matrix caption."""
    texts = (
        "no sentence ids" if card["shared_texts"] is None else f"{card['shared_texts']} sentence(s)"
    )
    left_out = (
        f", {card['left_out_train']} training utterance(s) left out for saying test sentences"
        if card["left_out_train"]
        else ""
    )
    return (
        f"Protocol: {card['scheme_name']}, {card['n_folds']} fold(s); {card['speakers']}, "
        f"{card['texts']} (train and test share {card['shared_speakers']} speaker(s), {texts}"
        f"{left_out}); classes {', '.join(card['classes'])}; per-speaker normalisation over all "
        f"of a speaker's recordings; UAR; metadata sha256 {str(card['metadata_sha256'])[:12]}, "
        f"split sha256 {card['split_sha256'][:12]}"
    )


def card_markdown(card: dict[str, Any]) -> str:
    """The card as a Markdown table, with one row per fold below it."""
    lines = [f"# Protocol card: {card['dataset']}", "", "| item | value |", "|---|---|"]
    for key, value in card.items():
        if key in ("folds", "dataset"):
            continue
        if isinstance(value, dict):
            value = "; ".join(f"{k}: {v}" for k, v in value.items())
        lines.append(f"| {key.replace('_', ' ')} | {value} |")
    columns = list(card["folds"][0])
    lines += ["", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(fold[c]) for c in columns) + " |" for fold in card["folds"]]
    return "\n".join(lines) + "\n"
