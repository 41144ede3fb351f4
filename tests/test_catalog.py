"""serflow deployed the ways Snakemake users deploy a workflow: the catalog's .test config, as a
module of another project with a partial config, through snakedeploy from a git repository at a
tag, and in an environment where serflow itself is not installed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
import yaml

from workflow_runner import REPO, SNAKEMAKE

pytestmark = pytest.mark.workflow

MATRIX = Path("results/demo/results_matrix.csv")

#: A consumer's own config: only what it wants to set (a corpus, a feature set, a classifier and
#: its grid); every other key comes from serflow's schema defaults.
PARTIAL_CONFIG = {
    "datasets": {
        "demo": {
            "format": "emodb",
            "source": "demo",
            # compared with the EmoDB checksum list the workflow ships (demo files are not EmoDB's)
            "verify_checksums": True,
            "demo": {"clips_per_class": 2, "min_duration_s": 0.8, "max_duration_s": 1.6},
        }
    },
    "feature_sets": ["egemaps"],
    "classifiers": ["lr"],
    "grids": {"lr": [{"C": [0.01, 1.0], "solver": ["lbfgs"]}]},
    "split": {"test_speakers": ["03", "13", "16"]},
}

MODULE_SNAKEFILE = """\
configfile: "config/config.yaml"


module serflow:
    snakefile:
        {snakefile}
    config:
        config


use rule * from serflow
"""


def _snakemake(workdir: Path, *args: str, python: str | None = None, env: dict | None = None):
    """Run Snakemake in ``workdir`` as a user would (its own Snakefile or the one given)."""
    command = [python, "-m", "snakemake"] if python else [SNAKEMAKE]
    command += ["--cores", "2", "--workflow-profile", "none", *args]
    result = subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, env={**os.environ, **(env or {})}
    )
    assert result.returncode == 0, f"{result.stdout[-3000:]}\n{result.stderr[-6000:]}"
    return result


def _consumer(tmp_path: Path, name: str, snakefile: str) -> Path:
    """A project that uses serflow as a module, with the partial config."""
    project = tmp_path / name
    (project / "config").mkdir(parents=True)
    (project / "config" / "config.yaml").write_text(yaml.safe_dump(PARTIAL_CONFIG))
    (project / "Snakefile").write_text(MODULE_SNAKEFILE.format(snakefile=snakefile))
    return project


@pytest.fixture(scope="module")
def direct_matrix(tmp_path_factory) -> bytes:
    """The results matrix of serflow run directly on the partial config."""
    workdir = tmp_path_factory.mktemp("direct")
    (workdir / "config").mkdir()
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(PARTIAL_CONFIG))
    _snakemake(workdir, "-s", str(REPO / "workflow" / "Snakefile"))
    return (workdir / MATRIX).read_bytes()


def test_the_catalog_test_config_runs_the_whole_workflow(tmp_path):
    workdir = tmp_path / ".test"
    shutil.copytree(REPO / ".test", workdir)
    _snakemake(workdir, "-s", str(REPO / "workflow" / "Snakefile"))
    matrix = (workdir / MATRIX).read_text().splitlines()
    assert matrix[0].split(",")[1:] == [
        "Logistic Regression",
        "Support Vector Machine",
        "Random Forest Classification",
    ]
    assert [row.split(",")[0] for row in matrix[1:]] == ["egemaps"]
    assert all(0 <= float(cell) <= 100 for cell in matrix[1].split(",")[1:])


def test_module_with_a_partial_config_gives_the_direct_run_results(tmp_path, direct_matrix):
    snakefile = repr(str(REPO / "workflow" / "Snakefile"))
    project = _consumer(tmp_path, "consumer", snakefile)
    _snakemake(project)
    assert (project / MATRIX).read_bytes() == direct_matrix
    # the defaults the consumer did not give came from the schema, e.g. the inner CV and seed
    written = yaml.safe_load((project / "results/demo/evaluation/holdout/config.yaml").read_text())
    assert written["cv_folds"] == 5 and written["evaluation"]["inner_cv"] == "kfold"
    # the checksum list the workflow ships was found beside its rules, not in the consumer's folder
    log = (project / "logs/demo/build_metadata.log").read_text()
    assert "of the 535 expected files found" in log


def _git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


def test_snakedeploy_from_a_local_git_repository_at_a_tag(tmp_path, direct_matrix):
    # the repository as it is in this checkout, committed and tagged
    source = tmp_path / "serflow"
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, files.split("\0")):
        if (REPO / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, source / name)
    _git("init", "-q", cwd=source)
    _git("add", "-A", cwd=source)
    _git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "release", cwd=source)
    _git("tag", "v9.9.9", cwd=source)

    project = tmp_path / "deployed"
    snakedeploy = Path(sys.executable).with_name("snakedeploy")
    result = subprocess.run(
        [str(snakedeploy), "deploy-workflow", str(source), str(project), "--tag", "v9.9.9"],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    # what snakedeploy writes: serflow's config to edit, and a Snakefile using it as a module
    deployed = yaml.safe_load((project / "config/config.yaml").read_text())
    assert deployed["datasets"]["emodb"]["format"] == "emodb"
    written = (project / "workflow" / "Snakefile").read_text()
    assert "module serflow:" in written and "use rule * from serflow" in written
    # snakedeploy's local provider names the Snakefile by a path inside the repository (it
    # supports tags only for GitHub and GitLab), so point the module at a clone at the tag
    release = tmp_path / "release"
    _git("clone", "-q", "--branch", "v9.9.9", str(source), str(release), cwd=tmp_path)
    written = written.replace('"workflow/Snakefile"', repr(str(release / "workflow/Snakefile")))
    (project / "workflow" / "Snakefile").write_text(written)
    (project / "config" / "config.yaml").write_text(yaml.safe_dump(PARTIAL_CONFIG))
    _snakemake(project)
    assert (project / MATRIX).read_bytes() == direct_matrix


def test_rule_scripts_use_the_workflow_library_when_serflow_is_not_installed(
    tmp_path, direct_matrix
):
    # a virtual environment with every dependency (through a path to this one's packages) but
    # without serflow: the editable install's .pth file in site-packages is not read from there
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env_dir)], check=True)
    python = str(env_dir / "bin" / "python")
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(site, "dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {"PATH": f"{env_dir / 'bin'}{os.pathsep}{os.environ['PATH']}", "PYTHONPATH": ""}
    probe = subprocess.run(
        [python, "-c", "import serflow"], capture_output=True, text=True, env={**os.environ, **env}
    )
    assert probe.returncode != 0 and "No module named 'serflow'" in probe.stderr

    workdir = tmp_path / "run"
    (workdir / "config").mkdir(parents=True)
    (workdir / "config" / "config.yaml").write_text(yaml.safe_dump(PARTIAL_CONFIG))
    _snakemake(workdir, "-s", str(REPO / "workflow" / "Snakefile"), python=python, env=env)
    assert (workdir / MATRIX).read_bytes() == direct_matrix


def test_the_schema_holds_every_default_and_config_yaml_only_selects_the_corpus():
    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    config = yaml.safe_load((REPO / "config/config.yaml").read_text())
    assert set(config) == {"datasets"}
    no_default = [
        key
        for key, spec in schema["properties"].items()
        if "default" not in spec and key not in schema["required"]
    ]
    assert no_default == []


def test_the_schema_names_the_schemes_and_feature_sets_the_library_defines():
    from serflow.feature_sets import FEATURE_SETS
    from serflow.fold_ids import SCHEME_NAMES

    schema = yaml.safe_load((REPO / "workflow/schemas/config.schema.yaml").read_text())
    properties = schema["properties"]
    assert properties["evaluation"]["properties"]["scheme"]["enum"] == list(SCHEME_NAMES)
    assert set(properties["feature_sets"]["default"]) <= set(FEATURE_SETS)
