"""Duplicated YAML keys: PyYAML keeps the last value without a word; we warn instead.

The hook is ``note_duplicate_keys``, called from the mapping constructor of
``DuplicateKeyLoader`` (a ``yaml.SafeLoader``). Any other SafeLoader subclass gets the
same warnings by calling it first thing in its own ``construct_mapping``.
"""

from __future__ import annotations

from typing import Any

import yaml


def note_duplicate_keys(node: yaml.MappingNode, file: str, warnings: list[str]) -> None:
    """Append a warning (file, key, lines) for every key ``node`` maps more than once."""
    first: dict[tuple[str, str], int] = {}
    for key_node, _value in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        key = (key_node.tag, key_node.value)
        line = key_node.start_mark.line + 1
        if key in first:
            warnings.append(
                f"{file}, line {line}: key '{key_node.value}' is given again (first on line "
                f"{first[key]}); the value on line {line} is used"
            )
        else:
            first[key] = line


class DuplicateKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that records duplicated mapping keys in ``duplicate_keys``."""

    def __init__(self, stream: str, file: str = "yaml") -> None:
        super().__init__(stream)
        self.file = file
        self.duplicate_keys: list[str] = []

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        note_duplicate_keys(node, self.file, self.duplicate_keys)
        return super().construct_mapping(node, deep=deep)


def safe_load_noting_duplicates(text: str, file: str) -> tuple[Any, list[str]]:
    """``yaml.safe_load(text)`` and the duplicate-key warnings (raises ``yaml.YAMLError``)."""
    loader = DuplicateKeyLoader(text, file)
    try:
        return loader.get_single_data(), loader.duplicate_keys
    finally:
        loader.dispose()
