"""Writing a demo corpus to a folder: every planned clip synthesised, then moved into place whole.

The corpus is built in a temporary folder next to the output folder and renamed into place when
complete, so an interrupted run leaves no half-written corpus; an existing output folder is
replaced only if it holds nothing but a previous corpus.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import soundfile as sf

from serflow.demo.plan import DEMO_CLIPS_PER_CLASS, plan_demo_corpus, plan_emodb_sized_corpus
from serflow.demo.voice import check_sample_rate, synthesize
from serflow.emodb import parse_utterance
from serflow.tables import current_umask


def generate_demo_corpus(
    out_dir: Path,
    *,
    speakers: list[str] | None = None,
    clips_per_class: int = DEMO_CLIPS_PER_CLASS,
    min_duration_s: float = 1.0,
    max_duration_s: float = 4.0,
    sample_rate: int = 16000,
    seed: int = 0,
    texts: list[str] | None = None,
) -> list[Path]:
    """Write a balanced synthetic corpus with EmoDB's file naming into ``out_dir``.

    Every speaker gets ``clips_per_class`` clips of each of EmoDB's seven emotions, named
    ``{speaker}{text}{emotion}{version}.wav`` (16-bit PCM, mono). The clips' texts cycle through
    ``texts`` and then the version letters ``a``-``f``, so at most ``len(texts) * 6`` clips per
    speaker and emotion are possible. The corpus is built in a temporary folder next to
    ``out_dir`` and renamed into place when complete.

    Parameters
    ----------
    out_dir
        Folder to create; an existing folder is replaced only if it holds nothing but EmoDB-named
        WAV files (a previous corpus).
    speakers
        Two-digit speaker ids; EmoDB's ten by default. Ids outside EmoDB get a random gender.
    clips_per_class
        Clips per speaker and emotion; 4 gives 280 clips with EmoDB's ten speakers.
    min_duration_s, max_duration_s
        Range of clip durations in seconds; durations follow a log-normal distribution
        truncated to this range, longer for slow emotions (boredom, disgust, sadness).
    sample_rate
        Sampling rate in Hz (at least 8000).
    seed
        Non-negative seed; the same arguments give byte-identical files.
    texts
        Text codes of EmoDB's shape (letter and two digits); EmoDB's ten by default.

    Returns
    -------
    list of Path
        The written files, sorted.
    """
    check_sample_rate(sample_rate)
    plan = plan_demo_corpus(
        speakers=speakers,
        clips_per_class=clips_per_class,
        min_duration_s=min_duration_s,
        max_duration_s=max_duration_s,
        seed=seed,
        texts=texts,
    )
    return _write_corpus(Path(out_dir), plan, sample_rate=sample_rate, seed=seed)


def generate_emodb_sized_corpus(
    out_dir: Path, *, seed: int = 0, scale: int = 1, sample_rate: int = 16000
) -> list[Path]:
    """Write a synthetic corpus shaped like EmoDB, for benchmarks.

    It has EmoDB's speaker x emotion counts (:data:`~serflow.demo.plan.EMODB_COUNTS`; 535 clips,
    per emotion W 127, L 81, E 46, A 69, F 71, T 62, N 79) times ``scale``, and durations from
    1.2 to 9 s following a truncated log-normal distribution with a median of about 2.5 s and
    about 1490 s in all, as EmoDB's. For ``scale > 1`` the names also use version letters
    ``g``-``z`` and then extra text codes (``a03`` ... ``b99``) so that they stay unique and
    EmoDB-shaped.

    Parameters
    ----------
    out_dir
        Folder to create (see :func:`generate_demo_corpus`).
    seed
        Non-negative seed; the same arguments give byte-identical files.
    scale
        Multiplier of every speaker x emotion count, e.g. 10 for a 5350-clip scaling benchmark.
    sample_rate
        Sampling rate in Hz (at least 8000).

    Returns
    -------
    list of Path
        The written files, sorted.
    """
    check_sample_rate(sample_rate)
    plan = plan_emodb_sized_corpus(seed=seed, scale=scale)
    return _write_corpus(Path(out_dir), plan, sample_rate=sample_rate, seed=seed)


def _write_corpus(
    out_dir: Path, plan: list[tuple[str, float]], *, sample_rate: int, seed: int
) -> list[Path]:
    """Synthesise every clip into a temporary folder, then move the folder to ``out_dir``."""
    out_dir = out_dir.absolute()
    if out_dir.exists():
        _check_replaceable(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    # mkdtemp makes it 0700 whatever the umask; the corpus gets the mode mkdir would give it
    temp.chmod(0o777 & ~current_umask())
    try:
        for utterance, duration_s in plan:
            samples = synthesize(utterance, duration_s, sample_rate=sample_rate, seed=seed)
            sf.write(temp / f"{utterance}.wav", samples, sample_rate, subtype="PCM_16")
        if out_dir.exists():
            old = Path(
                tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".old", dir=out_dir.parent)
            )
            os.replace(out_dir, old / out_dir.name)
            os.replace(temp, out_dir)
            shutil.rmtree(old)
        else:
            os.replace(temp, out_dir)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return sorted(out_dir / f"{utterance}.wav" for utterance, _ in plan)


def _check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that holds anything but a previous EmoDB-named corpus."""
    if not out_dir.is_dir():
        raise FileExistsError(f"{out_dir} exists and is not a folder; remove it or choose another")
    for entry in out_dir.iterdir():
        if entry.name == ".snakemake_timestamp":  # left by Snakemake in directory() outputs
            continue
        try:
            ok = entry.is_file() and entry.suffix == ".wav" and parse_utterance(entry.name)
        except ValueError:
            ok = False
        if not ok:
            raise FileExistsError(
                f"{out_dir} holds {entry.name}, which is not an EmoDB-named WAV file; the demo "
                "corpus replaces its output folder, so choose an empty or new folder"
            )
