"""serflow against the notebook's own pipeline script on the same files and test speakers."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
import pytest

from serflow.demo import generate_demo_corpus

from workflow_runner import REPO, run_snakemake, write_config

pytestmark = pytest.mark.workflow

NOTEBOOK = REPO.parent / "shared" / "peers" / "notebook_pipeline.py"
TEST_SPEAKERS = ["03", "13", "16"]


@pytest.mark.skipif(not NOTEBOOK.exists(), reason=f"the notebook script is not at {NOTEBOOK}")
def test_lr_and_svm_uars_equal_the_notebook_scripts(tmp_path):
    corpus = tmp_path / "wav"
    generate_demo_corpus(corpus, clips_per_class=3, min_duration_s=1.0, max_duration_s=2.0)
    notebook_out = tmp_path / "notebook.json"
    subprocess.run(
        [
            sys.executable,
            str(NOTEBOOK),
            str(corpus),
            str(notebook_out),
            "--features",
            "egemaps",
            "--classifiers",
            "lr,svm",
            "--test-speakers",
            ",".join(TEST_SPEAKERS),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    notebook = json.loads(notebook_out.read_text())
    assert notebook["test_speakers"] == TEST_SPEAKERS

    write_config(
        tmp_path / "serflow",
        {
            "datasets": {"parity": {"format": "emodb", "source": "folder", "path": str(corpus)}},
            "feature_sets": ["egemaps"],
            "classifiers": ["lr", "svm"],
            "split": {"test_speakers": TEST_SPEAKERS},
        },
    )  # the default grids: the notebook's
    run_snakemake(tmp_path / "serflow", "--cores", "2")
    matrix = pd.read_csv(tmp_path / "serflow/results/parity/results_matrix.csv", index_col=0)
    serflow = {
        "lr/egemaps": matrix.loc["egemaps", "Logistic Regression"],
        "svm/egemaps": matrix.loc["egemaps", "Support Vector Machine"],
    }
    for key, value in serflow.items():
        assert abs(value - notebook["uar"][key]) <= 0.5, (key, value, notebook["uar"][key])
