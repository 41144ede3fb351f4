"""The feature sets serflow extracts, by name, with the kind of extractor behind each.

This is the one list of feature sets: the workflow's rules (which rule makes which table), the
config check and the extractors all read it. ``setting`` is what the extractor of that kind is
given: the openSMILE feature set, or the BYOL-S encoder architecture.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

#: The kinds of extractor, each made by its own rules. SSL feature sets (transformers speech
#: encoders) are named by the user: every key of the config's ``ssl.encoders`` is one.
OPENSMILE = "opensmile"
BYOLS = "byols"
SSL = "ssl"


@dataclass(frozen=True)
class FeatureSet:
    """One feature set: its extractor kind, that extractor's setting and a one-line summary."""

    kind: str
    setting: str
    summary: str


FEATURE_SETS: dict[str, FeatureSet] = {
    "compare": FeatureSet(OPENSMILE, "ComParE_2016", "openSMILE ComParE_2016 functionals (6373)"),
    "egemaps": FeatureSet(OPENSMILE, "eGeMAPSv02", "openSMILE eGeMAPSv02 functionals (88)"),
    "hybrid_byols": FeatureSet(BYOLS, "cvt", "hybrid BYOL-S CvT embeddings (2048)"),
    "byols": FeatureSet(BYOLS, "default", "BYOL-S AudioNTT2020 embeddings (2048)"),
}


def of_kind(kind: str) -> list[str]:
    """The names of the feature sets whose extractor is of ``kind``, in registry order."""
    return [name for name, spec in FEATURE_SETS.items() if spec.kind == kind]


def spec_of(name: str, kind: str | None = None) -> FeatureSet:
    """The registry entry of ``name`` (of ``kind`` when given), or a ValueError naming the
    feature sets there are."""
    spec = FEATURE_SETS.get(name)
    if spec is None or (kind is not None and spec.kind != kind):
        names = of_kind(kind) if kind else list(FEATURE_SETS)
        what = f"an {kind}" if kind == OPENSMILE else f"a {kind}" if kind else "a"
        raise ValueError(f"{name!r} is not {what} feature set; use one of {names}")
    return spec


#: Joins the names of a fused feature set: ``egemaps+compare`` is the two tables side by side.
FUSION = "+"


def parts_of(name: str) -> list[str]:
    """The feature sets a fused feature set joins (``[name]`` for a plain one)."""
    return name.split(FUSION)


def is_fused(name: str) -> bool:
    """Whether ``name`` joins several feature sets."""
    return FUSION in name


def with_parts(names: list[str]) -> list[str]:
    """``names`` and the parts of each fused one, each once, in order of appearance."""
    return list(dict.fromkeys(part for name in names for part in [name, *parts_of(name)]))


def unknown_feature_sets(names: list[str], ssl_encoders: dict | None = None) -> list[str]:
    """A message per name that is neither a feature set here nor a key of ``ssl_encoders``
    (suggesting the nearest), per SSL encoder that takes a built-in feature set's name, and per
    fused set with an unknown, repeated or SSL part."""
    known = [*FEATURE_SETS, *(ssl_encoders or {})]
    messages = [
        f"ssl.encoders.{name} takes the name of a built-in feature set; rename it"
        for name in (ssl_encoders or {})
        if name in FEATURE_SETS
    ]
    for name in [name for name in names if is_fused(name)]:
        parts = parts_of(name)
        if len(set(parts)) < len(parts):
            messages.append(f"{name!r} names a feature set twice; join each once")
        ssl = [part for part in parts if part in (ssl_encoders or {})]
        if ssl:
            messages.append(
                f"{name!r} joins the SSL feature set(s) {ssl}, whose layer is chosen per outer "
                f"fold: fusion joins {', '.join(FEATURE_SETS)} for now"
            )
        names = [*names, *(part for part in parts if part not in names)]
    for name in names:
        if not is_fused(name) and name not in known:
            nearest = difflib.get_close_matches(name, known, n=1)
            hint = f" (did you mean {nearest[0]!r}?)" if nearest else ""
            messages.append(
                f"{name!r} is not a feature set{hint}: use {', '.join(FEATURE_SETS)} or the name "
                "of an encoder under ssl.encoders"
            )
    return messages
