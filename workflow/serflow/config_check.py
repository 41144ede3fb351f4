"""Config checks that give a one-line message where the schema's own error would not help."""

from __future__ import annotations

import difflib
from typing import Any


class ConfigError(ValueError):
    """A config value that cannot work; the message names the key and what to write instead."""


def _resolve(node: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """``node`` itself, or the definition its ``$ref`` points at."""
    ref = node.get("$ref", "")
    if ref.startswith("#/definitions/"):
        return schema["definitions"][ref.rsplit("/", 1)[-1]]
    return node


def unknown_keys(
    config: dict[str, Any], schema: dict[str, Any], node: dict[str, Any] | None = None, prefix=""
) -> list[str]:
    """One line per config key that the schema does not know, naming the nearest valid key."""
    node = _resolve(schema if node is None else node, schema)
    known = node.get("properties", {})
    if not known or not isinstance(config, dict):
        return []
    lines = []
    for key, value in config.items():
        if key not in known:
            if node.get("additionalProperties", True) is False:
                nearest = difflib.get_close_matches(str(key), list(known), n=1, cutoff=0.5)
                hint = (
                    f"did you mean {prefix}{nearest[0]}?"
                    if nearest
                    else f"the keys here are {', '.join(known)}"
                )
                lines.append(f"unknown config key {prefix}{key}: {hint} (see config/README.md)")
            continue
        lines += unknown_keys(value, schema, known[key], f"{prefix}{key}.")
    return lines


def check_config(config: dict[str, Any], schema: dict[str, Any], prefix: str = "") -> None:
    """Raise :class:`ConfigError` for an unknown key or a speaker id that YAML read as a number.

    Run before the schema validation, whose message for these prints the whole schema.
    """
    lines = unknown_keys(config, schema, prefix=prefix)
    for speaker in (config.get("split") or {}).get("test_speakers") or []:
        if isinstance(speaker, int | float):
            lines.append(
                f"{prefix}split.test_speakers: {speaker!r} is a number, but speaker ids are "
                "strings: quote them, e.g. test_speakers: ['03', '08'] (YAML reads 03 as 3)"
            )
    if lines:
        raise ConfigError("\n".join(lines))
