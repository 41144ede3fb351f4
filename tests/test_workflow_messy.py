"""Messy corpora (issue 10) through the real workflow: each case stops with a clear message and
leaves nothing half-written, or is handled; corrected input reruns to the clean run's results.

The corpora are small generated ones (serflow.demo), not recordings.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import time
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import soundfile as sf
from sklearn.metrics import recall_score

from workflow_runner import (
    REPO,
    SNAKEMAKE,
    emodb_named_corpus,
    planned_jobs,
    run_snakemake,
    write_config,
)

pytestmark = pytest.mark.workflow

METADATA = "results/messy/metadata.parquet"
MATRIX = "results/messy/results_matrix.csv"
LR = "results/messy/classification/egemaps/lr"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """42 short EmoDB-named clips: speakers 03, 08 and 09, every emotion twice."""
    folder = tmp_path_factory.mktemp("corpus") / "wav"
    return emodb_named_corpus(folder, ["03", "08", "09"], 0.5, 0.8)


def copy_corpus(corpus: Path, folder: Path, skip=lambda name: False) -> Path:
    """A copy of the corpus (file contents and mtimes) in ``folder``, without skipped names."""
    folder.mkdir(parents=True)
    for wav in sorted(corpus.glob("*.wav")):
        if not skip(wav.name):
            shutil.copy2(wav, folder / wav.name)
    return folder


def messy_config(source: str = "folder", path: Path | str = "", **corpus) -> dict:
    """egemaps, LR with one grid point, test speaker 03, 2 CV folds: a run of a few seconds."""
    return {
        "datasets": {"messy": {"format": "emodb", "source": source, "path": str(path), **corpus}},
        "feature_sets": ["egemaps"],
        "classifiers": ["lr"],
        "grids": {"lr": [{"C": [1.0], "solver": ["lbfgs"]}]},
        "split": {"test_speakers": ["03"]},
        "cv_folds": 2,
        # the speaker probe is not what these tests are about: their runs ask for the matrix
        "evaluation": {"speaker_probe": False},
    }


def output_of(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def shorten(path: Path, samples: int = 800) -> None:
    """Cut a wav to its first ``samples`` samples (800 at 16 kHz: 50 ms)."""
    audio, rate = sf.read(path)
    sf.write(path, audio[:samples], rate, subtype="PCM_16")


# -- 1. very short clips ----------------------------------------------------------------------


def test_short_clip_is_refused_naming_the_file(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    short = sorted(folder.glob("08*.wav"))[0]
    shorten(short)
    write_config(tmp_path / "run", messy_config(path=folder))
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "run/logs/messy/build_metadata.log").read_text()
    assert f"{short.name} lasts 50.0 ms" in log and "datasets.messy.min_duration_s" in log
    assert not (tmp_path / "run" / METADATA).exists()


def test_short_clip_is_skipped_with_skip_bad_files_and_named_in_the_terminal(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    short = sorted(folder.glob("08*.wav"))[0]
    shorten(short)
    config = messy_config(path=folder, skip_bad_files=True, verify_checksums=True)
    write_config(tmp_path / "run", config)
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    metadata = pd.read_parquet(tmp_path / "run" / METADATA)
    assert len(metadata) == 41 and short.stem not in set(metadata["utterance"])
    log = (tmp_path / "run/logs/messy/build_metadata.log").read_text()
    assert f"skipped {short.name}" in log
    # 10: once skipped, the reason does not advise setting what is already set
    assert "skip_bad_files: true" not in log
    # 9: the warning is repeated in the terminal at the end of the run
    assert f"skipped 1 file(s) in all: {short.name}" in output_of(result)
    assert "partial corpus:" in output_of(result)


def test_non_finite_features_stop_extraction_naming_utterance_and_feature_set(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    short = sorted(folder.glob("08*.wav"))[0]
    shorten(short)
    (folder / "notes.wav").write_bytes(b"not audio")
    config = messy_config(path=folder, min_duration_s=0, skip_bad_files=True)
    write_config(tmp_path / "run", config)
    features = "results/messy/features/egemaps.parquet"
    result = run_snakemake(tmp_path / "run", "--cores", "1", features, check=False)
    assert result.returncode != 0
    (log_file,) = (tmp_path / "run/logs/messy/extract_opensmile/egemaps").glob("*.log")
    log = log_file.read_text()  # the corpus's one audio shard
    assert (
        f"feature set egemaps: 1 utterance(s) have non-finite feature values: {short.stem}" in log
    )
    assert not (tmp_path / "run" / features).exists()
    # 9: a run that fails also repeats the warnings of its jobs (here, the skipped file)
    assert "skipped notes.wav" in output_of(result)


# -- 2. a file replaced, added or removed -----------------------------------------------------


def test_a_wav_replaced_in_place_reruns_and_the_original_gives_the_clean_results(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    write_config(tmp_path / "run", messy_config(path=folder))
    run_snakemake(tmp_path / "run", "--cores", "2", MATRIX)
    clean = (tmp_path / "run" / MATRIX).read_text()
    assert planned_jobs(tmp_path / "run", targets=(MATRIX,)) == {}

    # overwrite one file in place: the folder's mtime does not change
    target = sorted(folder.glob("09*.wav"))[3]
    folder_mtime = folder.stat().st_mtime_ns
    other = sorted(corpus.glob("09*.wav"))[0]
    target.write_bytes(other.read_bytes())
    assert folder.stat().st_mtime_ns == folder_mtime
    assert "build_metadata" in planned_jobs(tmp_path / "run")
    run_snakemake(tmp_path / "run", "--cores", "2", MATRIX)
    metadata = pd.read_parquet(tmp_path / "run" / METADATA).set_index("utterance")
    assert metadata.loc[target.stem, "duration_s"] == pytest.approx(sf.info(other).duration)

    # the good copy back: the same results as the clean run
    shutil.copy2(corpus / target.name, target)
    assert "build_metadata" in planned_jobs(tmp_path / "run")
    run_snakemake(tmp_path / "run", "--cores", "2", MATRIX)
    assert (tmp_path / "run" / MATRIX).read_text() == clean

    # removing a file reruns too
    target.unlink()
    assert "build_metadata" in planned_jobs(tmp_path / "run")


def test_another_zip_at_the_same_path_reruns_unpack_even_when_older(corpus, tmp_path):
    archive = tmp_path / "download.zip"
    zip_folder(corpus, archive)
    write_config(tmp_path / "run", messy_config("zip", archive))
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    assert "unpack_corpus" not in planned_jobs(tmp_path / "run")
    mtime = archive.stat().st_mtime
    zip_folder(corpus, archive, skip=lambda name: name.startswith("09a01"))
    os.utime(archive, (mtime - 3600, mtime - 3600))  # e.g. `cp -p` of an older download
    assert "unpack_corpus" in planned_jobs(tmp_path / "run")
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    assert len(pd.read_parquet(tmp_path / "run" / METADATA)) < 42


# -- 4. grid values checked at parse time -----------------------------------------------------


@pytest.mark.parametrize(
    ("grid", "named"),
    [
        ({"C": [1.0, -1], "kernel": ["rbf"]}, "grids.svm[0].C: -1"),
        ({"C": [1.0], "kernel": ["foo"]}, "grids.svm[0].kernel: 'foo'"),
        (
            {"C": [1.0], "gama": [0.1]},
            "grids.svm[0].gama: gama is not a parameter of svm; did you mean gamma?",
        ),
    ],
)
def test_bad_grid_values_stop_the_dry_run_naming_them(corpus, tmp_path, grid, named):
    config = messy_config(path=corpus)
    config["classifiers"] = ["svm"]
    config["grids"] = {"svm": [{"C": [1.0], "kernel": ["linear"]}, grid]}
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert named.replace("[0]", "[1]") in output_of(result)


# -- 5. zips ----------------------------------------------------------------------------------


def zip_folder(folder: Path, archive: Path, skip=lambda name: False, extra=()) -> Path:
    """EmoDB's layout (wav/*.wav), plus ``extra`` (member name, bytes) pairs."""
    archive.unlink(missing_ok=True)
    with zipfile.ZipFile(archive, "w") as zf:
        for wav in sorted(folder.glob("*.wav")):
            if not skip(wav.name):
                zf.write(wav, f"wav/{wav.name}")
        for name, data in extra:
            zf.writestr(name, data)
    return archive


def test_macos_metadata_in_a_zip_is_ignored(corpus, tmp_path):
    first = sorted(corpus.glob("*.wav"))[0].name
    extra = [
        (f"__MACOSX/wav/._{first}", b"\x00\x05\x16\x07 AppleDouble"),
        (f"wav/._{first}", b"\x00\x05\x16\x07 AppleDouble"),
        ("__MACOSX/._wav", b"\x00\x05\x16\x07"),
    ]
    archive = zip_folder(corpus, tmp_path / "download.zip", extra=extra)
    write_config(tmp_path / "run", messy_config("zip", archive))
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    assert len(pd.read_parquet(tmp_path / "run" / METADATA)) == 42
    assert "unpacked 42 files" in (tmp_path / "run/logs/messy/unpack_corpus.log").read_text()
    assert len(list((tmp_path / "run/resources/messy/unpacked/wav").glob("*.wav"))) == 42


def test_two_zip_members_with_one_name_are_an_error_naming_both(corpus, tmp_path):
    first = sorted(corpus.glob("*.wav"))[0]
    extra = [(f"copies/{first.name}", first.read_bytes())]
    archive = zip_folder(corpus, tmp_path / "download.zip", extra=extra)
    write_config(tmp_path / "run", messy_config("zip", archive))
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "run/logs/messy/unpack_corpus.log").read_text()
    assert f"copies/{first.name} and wav/{first.name}" in log or (
        f"wav/{first.name} and copies/{first.name}" in log
    )
    assert not (tmp_path / "run/resources/messy/unpacked").exists() or not any(
        (tmp_path / "run/resources/messy/unpacked").iterdir()
    )


def test_a_damaged_zip_member_is_an_error_naming_zip_and_member(corpus, tmp_path):
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as zf:
        for wav in sorted(corpus.glob("*.wav")):
            zf.write(wav, f"wav/{wav.name}")
    victim = sorted(corpus.glob("*.wav"))[5].name
    with zipfile.ZipFile(archive) as zf:
        info = zf.getinfo(f"wav/{victim}")
    data = bytearray(archive.read_bytes())
    # the member's data starts after its local header (30 bytes, name, extra field)
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + 2000] ^= 0xFF
    archive.write_bytes(bytes(data))
    write_config(tmp_path / "run", messy_config("zip", archive))
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "run/logs/messy/unpack_corpus.log").read_text()
    assert f"member wav/{victim} of {archive} is damaged" in log and "download the zip" in log
    assert log.strip().splitlines()[-1].startswith("serflow.corpus.CorpusError: member")
    assert not (tmp_path / "run/resources/messy/unpacked/wav").exists()
    assert not (tmp_path / "run/resources/messy/unpacked/wav.partial").exists()


# -- 6. corpus.source and corpus.path ----------------------------------------------------------


def test_a_zip_given_with_source_folder_names_corpus_source(corpus, tmp_path):
    archive = zip_folder(corpus, tmp_path / "download.zip")
    write_config(tmp_path / "run", messy_config("folder", archive))
    result = run_snakemake(tmp_path / "run", "-n", check=False)
    assert result.returncode != 0
    assert (
        "is a file but datasets.messy.source is folder: set datasets.messy.source: zip"
        in output_of(result)
    )


def test_a_folder_given_with_source_zip_names_corpus_source(corpus, tmp_path):
    write_config(tmp_path / "run", messy_config("zip", corpus))
    result = run_snakemake(tmp_path / "run", "-n", check=False)
    assert result.returncode != 0
    assert (
        "is a folder but datasets.messy.source is zip: set datasets.messy.source: folder"
        in output_of(result)
    )


def test_a_path_with_the_default_download_source_is_not_silently_ignored(corpus, tmp_path):
    config = messy_config(path=corpus)
    config["datasets"]["messy"]["source"] = "download"
    write_config(tmp_path / "run", config)
    result = run_snakemake(tmp_path / "run", "-n", check=False)
    assert result.returncode != 0
    text = output_of(result)
    assert "datasets.messy.source is download, which does not read it" in text
    assert "datasets.messy.source: folder" in text


def test_home_and_environment_variables_in_corpus_path_are_expanded(corpus, tmp_path):
    home = tmp_path / "home"
    copy_corpus(corpus, home / "emodb" / "wav")
    write_config(tmp_path / "tilde", messy_config(path="~/emodb/wav"))
    run_snakemake(tmp_path / "tilde", "--cores", "1", METADATA, env={"HOME": str(home)})
    write_config(tmp_path / "var", messy_config(path="$SER_DATA/wav"))
    run_snakemake(tmp_path / "var", "--cores", "1", METADATA, env={"SER_DATA": str(home / "emodb")})
    for run in ("tilde", "var"):
        assert len(pd.read_parquet(tmp_path / run / METADATA)) == 42


# -- 7. one utterance, two files ---------------------------------------------------------------


def test_two_files_of_one_utterance_are_named_and_skippable(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    first = sorted(folder.glob("08*.wav"))[0]
    shutil.copy2(first, folder / f"{first.stem}.WAV")
    write_config(tmp_path / "run", messy_config(path=folder))
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0
    log = (tmp_path / "run/logs/messy/build_metadata.log").read_text()
    both = f"files {folder / f'{first.stem}.WAV'} and {first}"  # full paths: no doubt which
    assert both in log and "skip_bad_files" in log
    assert not (tmp_path / "run" / METADATA).exists()

    write_config(tmp_path / "run", messy_config(path=folder, skip_bad_files=True))
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    metadata = pd.read_parquet(tmp_path / "run" / METADATA)
    assert len(metadata) == 41 and first.stem not in set(metadata["utterance"])


# -- 8. one UAR; 9. warnings in the terminal ---------------------------------------------------


def test_a_test_fold_without_an_emotion_warns_and_scores_one_uar(corpus, tmp_path):
    folder = copy_corpus(
        corpus, tmp_path / "wav", skip=lambda n: n.startswith("03") and n[5] == "E"
    )
    write_config(tmp_path / "run", messy_config(path=folder))
    result = run_snakemake(tmp_path / "run", "--cores", "2", MATRIX)
    predictions = pd.read_parquet(tmp_path / "run" / LR / "predictions.parquet")
    assert "disgust" not in set(predictions["emotion"])
    expected = recall_score(predictions["emotion"], predictions["predicted"], average="macro")
    scores = json.loads((tmp_path / "run" / LR / "scores.json").read_text())
    assert scores["uar"] == pytest.approx(expected)
    report = (tmp_path / "run" / LR / "classification_report.txt").read_text()
    macro_recall = float(re.search(r"macro avg\s+\S+\s+(\S+)", report).group(1))
    assert macro_recall == pytest.approx(scores["uar"], abs=5e-4)
    matrix = pd.read_csv(tmp_path / "run" / MATRIX, index_col=0)
    assert matrix.iloc[0, 0] == pytest.approx(round(100 * expected, 1))
    text = output_of(result)
    assert "warning(s) in this run's logs" in text
    assert "test speakers ['03'] have no utterance of emotion(s) disgust" in text


# -- 10. smaller --------------------------------------------------------------------------------


def test_an_unknown_key_is_one_line_naming_the_nearest_valid_key(corpus, tmp_path):
    config = messy_config(path=corpus)
    config["datasets"]["messy"]["skip_bad_file"] = True
    write_config(tmp_path, config)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    text = output_of(result)
    assert (
        "unknown config key datasets.messy.skip_bad_file: "
        "did you mean datasets.messy.skip_bad_files?" in text
    )
    assert "additionalProperties" not in text and len(text.splitlines()) < 15


def test_unquoted_speaker_ids_get_a_hint_to_quote_them(corpus, tmp_path):
    write_config(tmp_path, messy_config(path=corpus))
    text = (tmp_path / "config.yaml").read_text().replace("- '03'", "- 03")
    (tmp_path / "config.yaml").write_text(text)
    result = run_snakemake(tmp_path, "-n", check=False)
    assert result.returncode != 0
    assert "split.test_speakers: 3 is a number" in output_of(result)
    assert "quote them" in output_of(result)


def test_a_killed_run_is_unlocked_as_the_readme_says(corpus, tmp_path):
    folder = copy_corpus(corpus, tmp_path / "wav")
    write_config(tmp_path / "run", messy_config(path=folder))
    command = [
        SNAKEMAKE, "-s", str(REPO / "workflow" / "Snakefile"), "--directory", str(tmp_path / "run"),
        "--configfile", str(tmp_path / "run/config.yaml"), "--workflow-profile", "none",
        "--cores", "1", MATRIX,
    ]  # fmt: skip
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    locks = tmp_path / "run/.snakemake/locks"
    deadline = time.time() + 60
    while time.time() < deadline and not (locks.is_dir() and any(locks.iterdir())):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert any(locks.iterdir())
    result = run_snakemake(tmp_path / "run", "--cores", "1", METADATA, check=False)
    assert result.returncode != 0 and "--unlock" in output_of(result)
    assert "snakemake --unlock" in (REPO / "README.md").read_text()
    assert "--unlock" in (REPO / "workflow/profiles/default/profile.yaml").read_text()
    run_snakemake(tmp_path / "run", "--unlock")
    run_snakemake(tmp_path / "run", "--cores", "1", METADATA)
    assert len(pd.read_parquet(tmp_path / "run" / METADATA)) == 42
