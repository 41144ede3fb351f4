"""Each conda environment file under workflow/envs/ holds what its rules' scripts import.

conda channels cannot be reached here, so each file is proven another way: a fresh virtual
environment gets exactly the file's pip section (from pip's cache when it is warm), and every
module that the scripts of the rules naming that file import is imported in it, serflow from
the workflow's own folder. The pins must be the ones requirements.txt locks.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workflow_runner import REPO

ENVS = REPO / "workflow" / "envs"
RULES = REPO / "workflow" / "rules"

#: Imports every top-level module a rule script names (the serflow ones import what they use).
IMPORT_SCRIPTS = """
import ast, importlib, sys
for script in sys.argv[1:]:
    for node in ast.walk(ast.parse(open(script).read())):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module]
        else:
            continue
        for name in names:
            importlib.import_module(name)
print("imported the modules of", len(sys.argv) - 1, "scripts")
"""


def scripts_by_env() -> dict[str, list[Path]]:
    """Environment file name -> the scripts of the rules that name it."""
    found: dict[str, list[Path]] = {}
    for smk in sorted(RULES.glob("*.smk")):
        for block in re.split(r"\n(?=rule |checkpoint |use rule )", smk.read_text()):
            env = re.search(r'conda:\s+"\.\./envs/([\w-]+\.yaml)"', block)
            script = re.search(r'script:\s+"\.\./scripts/([\w-]+\.py)"', block)
            if env and script:
                found.setdefault(env.group(1), []).append(REPO / "workflow/scripts" / script[1])
    return found


def pip_section(env_file: Path) -> list[str]:
    """The pip requirements of a conda environment file."""
    dependencies = yaml.safe_load(env_file.read_text())["dependencies"]
    (pip,) = [entry["pip"] for entry in dependencies if isinstance(entry, dict)]
    return pip


def locked_versions() -> dict[str, str]:
    """Package name (lower case) -> the version requirements.txt pins."""
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        if "==" in line and not line.startswith("#"):
            name, version = line.split("==")
            pins[name.strip().lower()] = version.strip()
    return pins


def test_every_rule_names_an_env_file_that_exists():
    texts = "\n".join(smk.read_text() for smk in RULES.glob("*.smk"))
    named = set(re.findall(r'conda:\s+"\.\./envs/([\w-]+\.yaml)"', texts))
    assert named == {path.name for path in ENVS.glob("*.yaml")}
    rules = len(re.findall(r"^(?:rule|checkpoint) \w+:", texts, flags=re.M)) - texts.count(
        "rule all:"
    )
    assert len(re.findall(r"^    conda:", texts, flags=re.M)) == rules


@pytest.mark.parametrize("env_file", sorted(path.name for path in ENVS.glob("*.yaml")))
def test_env_file_is_pinned_to_the_lock_and_has_no_dev_tools(env_file):
    pins, locked = pip_section(ENVS / env_file), locked_versions()
    for requirement in pins:
        assert not requirement.startswith("-"), f"{env_file}: {requirement} (no -r or options)"
        name, version = requirement.split("==")
        assert locked[name.lower()] == version, f"{env_file}: {requirement}"
        assert name.lower() not in {"pytest", "ruff", "black", "snakefmt", "snakedeploy"}


@pytest.mark.parametrize("env_file", sorted(path.name for path in ENVS.glob("*.yaml")))
def test_env_file_installs_what_its_scripts_import(env_file, tmp_path):
    scripts = scripts_by_env()[env_file]
    env_dir = tmp_path / "env"
    subprocess.run([sys.executable, "-m", "venv", str(env_dir)], check=True)
    python = str(env_dir / "bin" / "python")
    install = subprocess.run(
        [python, "-m", "pip", "install", "-q", "--no-compile", "--disable-pip-version-check"]
        + pip_section(ENVS / env_file),
        capture_output=True,
        text=True,
    )
    assert install.returncode == 0, install.stderr[-3000:]
    # the scripts run in this environment alone: no serflow installed, the workflow's library
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO / "workflow")
    result = subprocess.run(
        [python, "-c", IMPORT_SCRIPTS, *map(str, scripts)], capture_output=True, text=True, env=env
    )
    assert result.returncode == 0, f"{env_file}: {result.stderr[-3000:]}"
    assert f"imported the modules of {len(scripts)} scripts" in result.stdout
