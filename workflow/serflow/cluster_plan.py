"""What a cluster run would submit: the jobs of a Snakemake dry run, each marked as an sbatch
submission or a local rule, with the resources it would ask for.

Snakemake's own dry run prints every job as ``rule ...:``, also the rules of ``localrules:``
that never reach ``sbatch``, and it cannot list the jobs planned after a checkpoint (the audio
shards, planned from the metadata ``build_metadata`` writes). ``serflow cluster-plan`` runs the
dry run and says which jobs go where, with what, and what the checkpoint still hides.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

#: Where the workflow's rule files are (the ``localrules:`` directives are read from them).
RULES_DIR = Path(__file__).resolve().parent.parent / "rules"

#: The resources a SLURM submission is made from (the rest are Snakemake's bookkeeping).
SUBMITTED_RESOURCES = ("mem_mb", "runtime", "slurm_partition", "slurm_account")

_JOB = re.compile(r"^\s*(local)?(rule|checkpoint) (\w+):\s*$")
_GROUP = re.compile(r"Group job (\w+)")
_FIELD = re.compile(r"^\s+(\w+): (.*)$")


@dataclass
class PlannedJob:
    """One job of a dry run: its rule, group (``None`` when alone) and which instance of the
    group (one sbatch submission each), threads and resources."""

    rule: str
    checkpoint: bool = False
    group: str | None = None
    group_instance: int = 0
    threads: int = 1
    resources: dict[str, str] = field(default_factory=dict)


def local_rules(rules_dir: Path = RULES_DIR) -> set[str]:
    """The rule names of every ``localrules:`` directive in the workflow's rule files."""
    names: set[str] = set()
    for path in sorted(rules_dir.glob("**/*.smk")):
        in_directive = False
        for line in path.read_text().splitlines():
            if line.startswith("localrules:"):
                in_directive = True
                names.update(n for n in re.split(r"[,\s]+", line[len("localrules:") :]) if n)
                continue
            if in_directive and line.startswith((" ", "\t")) and line.strip():
                names.update(n for n in re.split(r"[,\s]+", line.strip()) if n)
            elif in_directive:
                in_directive = False
    return names


def _resources(text: str) -> dict[str, str]:
    """``resources: a=1, b=x`` as a dict (values as printed)."""
    pairs = (item.split("=", 1) for item in re.split(r",\s*(?=\w+=)", text) if "=" in item)
    return {key.strip(): value.strip() for key, value in pairs}


def parse_dry_run(text: str) -> list[PlannedJob]:
    """The jobs Snakemake's dry-run output ``text`` lists, in its order.

    A group job's members (``Group job NAME`` then indented rules) carry the group's name."""
    jobs: list[PlannedJob] = []
    group, instance = None, 0
    for line in text.splitlines():
        if match := _GROUP.search(line):
            group, instance = match.group(1), instance + 1
            continue
        if match := _JOB.match(line):
            indented = line.startswith(" ")
            jobs.append(
                PlannedJob(
                    rule=match.group(3),
                    checkpoint=match.group(2) == "checkpoint",
                    group=group if indented else None,
                    group_instance=instance if indented else 0,
                )
            )
            if not indented:
                group = None
            continue
        if jobs and (match := _FIELD.match(line)):
            key, value = match.groups()
            if key == "threads":
                jobs[-1].threads = int(value)
            elif key == "resources":
                jobs[-1].resources = _resources(value)
    return jobs


def _span(values: list[str]) -> str:
    """``a`` or ``a-b`` for the numbers of ``values`` (``<TBD>`` kept: known when the job runs)."""
    numbers = sorted({int(v) for v in values if v.isdigit()})
    unknown = any(not v.isdigit() for v in values)
    text = "" if not numbers else str(numbers[0])
    if len(numbers) > 1:
        text += f"-{numbers[-1]}"
    if unknown:
        text = f"{text}, " if text else ""
        text += "set when planned (input sizes)"
    return text or "-"


def plan_table(jobs: list[PlannedJob], local: set[str]) -> list[dict[str, str]]:
    """One row per submission kind: a group (one sbatch job per group instance, the members
    together) or a rule, with where it runs, how many jobs, threads and the resources asked."""
    rows: dict[str, list[PlannedJob]] = {}
    for job in jobs:
        rows.setdefault(f"group {job.group}" if job.group else job.rule, []).append(job)
    table = []
    for name, members in rows.items():
        grouped = name.startswith("group ")
        runs_locally = not grouped and members[0].rule in local
        count = len(members)
        if grouped:  # the dry run prints each member; one submission per group instance
            count = len({job.group_instance for job in members})
            name += f" ({' + '.join(sorted({job.rule for job in members}))})"
        row = {
            "job": name + (" [checkpoint]" if any(j.checkpoint for j in members) else ""),
            "where": "local (the submitting host)" if runs_locally else "sbatch",
            "count": str(count),
            "threads": _span([str(job.threads) for job in members]),
        }
        for key in SUBMITTED_RESOURCES:
            values = [job.resources[key] for job in members if key in job.resources]
            if key.startswith("slurm_"):
                row[key] = ", ".join(sorted(set(values))) or "cluster default"
            else:
                row[key] = _span(values)
        if runs_locally:
            row.update({key: "-" for key in SUBMITTED_RESOURCES})
        table.append(row)
    return table


def format_plan(table: list[dict[str, str]], pending_checkpoint: bool) -> str:
    """The table as aligned text, with what a pending checkpoint still hides."""
    if not table:
        return "Nothing to do: every output is up to date (add --forceall to plan a full run)."
    columns = ["job", "where", "count", "threads", *SUBMITTED_RESOURCES]
    titles = {"mem_mb": "mem_mb (--mem)", "runtime": "runtime min (--time)"}
    titles |= {"slurm_partition": "partition", "slurm_account": "account"}
    head = [titles.get(c, c) for c in columns]
    widths = [
        max(len(h), *(len(row[c]) for row in table)) for h, c in zip(head, columns, strict=True)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(head, widths, strict=True))]
    lines += [
        "  ".join(row[c].ljust(w) for c, w in zip(columns, widths, strict=True)) for row in table
    ]
    submitted = sum(int(row["count"]) for row in table if row["where"] == "sbatch")
    lines.append(f"\n{submitted} sbatch submission(s); local rules run where Snakemake runs.")
    if pending_checkpoint:
        lines.append(
            "Checkpoint pending: the audio shard jobs (group audio_shard: resample_audio + "
            "extract_opensmile, one sbatch job per audio.shard_minutes of audio) and the BYOL-S "
            "and SSL shard jobs are planned when build_metadata has run. To see them, run it "
            "first (`snakemake --profile profiles/slurm --until build_metadata ...`, one small "
            "job) and plan again."
        )
    return "\n".join(lines)


def dry_run(snakemake_args: list[str]) -> str:
    """The output of ``snakemake --dry-run`` with ``snakemake_args``; job records printed
    whatever the profile's ``quiet`` says."""
    command = [sys.executable, "-m", "snakemake", "--dry-run", *snakemake_args, "--quiet", "host"]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"the dry run failed ({' '.join(command)}):\n{result.stdout[-3000:]}"
            f"\n{result.stderr[-3000:]}"
        )
    return result.stdout + result.stderr


def cluster_plan(snakemake_args: list[str]) -> str:
    """The submission plan of the run ``snakemake_args`` describes, as text."""
    text = dry_run(snakemake_args)
    table = plan_table(parse_dry_run(text), local_rules())
    return format_plan(table, "DAG of jobs will be updated after completion" in text)
