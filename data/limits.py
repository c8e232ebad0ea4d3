"""Bounded reading of untrusted input: regular files only, size caps, YAML without aliases.

Every limit is a module constant here (tests lower them with ``monkeypatch``), documented
in docs/validation.md ("Limits"):

- only regular files are read: a FIFO, device, socket or directory is refused before it is
  read (it is opened non-blocking, then checked with ``fstat``, so it never blocks);
- ``MAX_CSV_BYTES`` per CSV and ``MAX_YAML_BYTES`` per YAML file (scenario.yaml, overrides,
  sweep and tornado specs);
- YAML aliases (``*name``) are refused: an alias bomb of a few hundred bytes expands to
  gigabytes, and no chipalloc file needs one;
- a value quoted in a message is cut to ``EXCERPT_CHARS`` characters, a message to
  ``MAX_MESSAGE_CHARS``;
- the problems of one file and column are listed up to ``MAX_PROBLEMS_PER_COLUMN``, then
  one "and M more like this" line; at most ``MAX_PROBLEMS`` lines in all (``problems.cap``);
  a table stops being checked after ``MAX_BAD_ROWS`` rows with problems.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MiB = 1024 * 1024
MAX_CSV_BYTES = 256 * MiB
"""Largest CSV read (a 24-quarter scenario of a thousand chips and sites is under 10 MiB)."""
MAX_YAML_BYTES = 1 * MiB
"""Largest YAML file read: scenario.yaml, an overrides file, a sweep or tornado spec."""
EXCERPT_CHARS = 60
"""Longest excerpt of a value quoted in a message (then "...")."""
MAX_MESSAGE_CHARS = 400
"""Longest problem message (a safety net: values are already quoted as excerpts)."""
MAX_PROBLEMS_PER_COLUMN = 10
"""Problems listed per file and column before "and M more like this"."""
MAX_PROBLEMS = 100
"""Problem lines listed in all before "and K more problems"."""
MAX_BAD_ROWS = 1000
"""Rows with problems after which the rest of a table is not checked (bounded time)."""


class InputError(Exception):
    """A file that is not read: not a regular file, too large, unreadable, bad YAML."""


def excerpt(value: Any, limit: int | None = None) -> str:
    """``repr``-free text of ``value`` cut to ``EXCERPT_CHARS`` characters, then "..."."""
    limit = EXCERPT_CHARS if limit is None else limit
    text = value if isinstance(value, str) else str(value)
    return text if len(text) <= limit else text[:limit] + "..."


def quoted(value: Any) -> str:
    """``repr(value)`` of a short value; a long one cut to an excerpt, then "..."."""
    if isinstance(value, str):
        return repr(value) if len(value) <= EXCERPT_CHARS else repr(value[:EXCERPT_CHARS]) + "..."
    return excerpt(_short_repr(value))


def _short_repr(value: Any) -> str:
    """repr of a (possibly huge, nested) value without building all of it."""
    if isinstance(value, list | tuple | dict | set):
        import reprlib

        r = reprlib.Repr()
        r.maxlevel, r.maxlist, r.maxdict, r.maxstring, r.maxother = 3, 6, 6, EXCERPT_CHARS, 40
        return r.repr(value)
    return repr(value)


def read_bytes(path: str | Path, limit: int) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, else ``InputError``.

    The file is opened with O_NONBLOCK (a FIFO opens at once instead of waiting for a
    writer) and checked with ``fstat`` on the open descriptor, so nothing can be swapped in
    between the check and the read. ``stat`` follows symlinks: a link to /dev/zero is a
    character device and refused.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except IsADirectoryError:
        raise InputError("cannot be read (Is a directory; only regular files are read)") from None
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror or err})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(f"cannot be read ({_kind(info.st_mode)}; only regular files are read)")
        if info.st_size > limit:
            raise InputError(too_large(info.st_size, limit))
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(limit + 1 - size, 8 * MiB))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:  # grew while being read
            raise InputError(too_large(size, limit))
        return b"".join(chunks)
    except OSError as err:
        raise InputError(f"cannot be read ({err.strerror or err})") from None
    finally:
        os.close(fd)


def too_large(size: int, limit: int) -> str:
    return f"is too large ({_size(size)}; the limit is {_size(limit)})"


def _size(n: int) -> str:
    return f"{n / MiB:.1f} MiB" if n >= MiB else f"{n:,} bytes"


def _kind(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "Is a directory"),
        (stat.S_ISFIFO, "is a FIFO (named pipe)"),
        (stat.S_ISCHR, "is a character device"),
        (stat.S_ISBLK, "is a block device"),
        (stat.S_ISSOCK, "is a socket"),
    ):
        if test(mode):
            return name
    return "is not a regular file"


def note_duplicate_keys(node: yaml.MappingNode, file: str, warnings: list[str]) -> None:
    """Append a warning (file, key, lines) for every key ``node`` maps more than once:
    PyYAML keeps the last value without a word."""
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


class _KeyNotes:
    """Records duplicated mapping keys in ``duplicate_keys`` (``note_duplicate_keys``)."""

    file: str
    duplicate_keys: list[str]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        note_duplicate_keys(node, self.file, self.duplicate_keys)
        return super().construct_mapping(node, deep=deep)  # type: ignore[misc]


class ScenarioLoader(_KeyNotes, yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses aliases (``*name``: no alias bomb can expand) and
    records duplicated mapping keys in ``duplicate_keys``."""

    def __init__(self, stream: str, file: str = "yaml") -> None:
        super().__init__(stream)
        self.file = file
        self.duplicate_keys: list[str] = []

    def compose_node(self, parent, index):  # noqa: ANN001 (PyYAML's signature)
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None,
                None,
                "found an alias (*name); aliases are not allowed, write the value out",
                event.start_mark,
            )
        return super().compose_node(parent, index)


FAST_PARSER = getattr(yaml, "CSafeLoader", None)
"""libyaml's parser (PyYAML's C extension), when PyYAML has it: several times faster."""

_AGAIN = object()
"""``_parse_fast``'s answer when the document is left to ``ScenarioLoader``."""


if FAST_PARSER is not None:

    class _FastLoader(_KeyNotes, FAST_PARSER):
        """libyaml's parser with ScenarioLoader's constructor (duplicate keys noted)."""

        def __init__(self, stream: str, file: str = "yaml") -> None:
            super().__init__(stream)
            self.file = file
            self.duplicate_keys: list[str] = []


def _parse_fast(text: str, file: str, warnings: list[str] | None) -> Any:
    """The document through libyaml's parser and ScenarioLoader's constructor, or ``_AGAIN``
    when it is not plain (an alias, a YAML error, nesting too deep): ScenarioLoader then
    refuses it with the message and position it always gave."""
    loader = _FastLoader(text, file)
    try:
        node = loader.get_single_node()
        if node is not None and _shares_a_node(node):
            return _AGAIN
        data = None if node is None else loader.construct_document(node)
    except (yaml.YAMLError, RecursionError):
        return _AGAIN
    finally:
        loader.dispose()
    if warnings is not None:
        warnings.extend(loader.duplicate_keys)
    return data


def _shares_a_node(root: yaml.Node) -> bool:
    """Whether some node is reached twice from ``root``: what an alias composes to (libyaml's
    composer does not expand an alias, it shares the anchored node; nothing else shares)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            return True
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            stack.extend(part for pair in node.value for part in pair)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)
    return False


def parse_yaml(text: str, file: str = "yaml", warnings: list[str] | None = None) -> Any:
    """Safe YAML without aliases; ``InputError`` with a one-line, bounded message.

    Duplicated keys are warned about into ``warnings`` (when given). A plain document goes
    through libyaml's parser where PyYAML has it (``_parse_fast``), any other through
    ``ScenarioLoader``, whose messages these are.
    """
    if FAST_PARSER is not None:
        data = _parse_fast(text, file, warnings)
        if data is not _AGAIN:
            return data
    loader = ScenarioLoader(text, file)
    try:
        data = loader.get_single_data()
    except yaml.YAMLError as err:
        message = " ".join(str(err).replace(' in "<unicode string>",', " at").split())
        raise InputError(f"is not valid YAML ({excerpt(message, 300)})") from None
    except RecursionError:
        raise InputError("is not valid YAML (nested too deeply)") from None
    finally:
        loader.dispose()
    if warnings is not None:
        warnings.extend(loader.duplicate_keys)
    return data


def load_yaml_file(
    path: str | Path, limit: int | None = None, warnings: list[str] | None = None
) -> Any:
    """A YAML file (UTF-8, BOM allowed) read under the limits above; ``InputError`` if not."""
    data = read_bytes(path, MAX_YAML_BYTES if limit is None else limit)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise InputError(f"is not UTF-8 text (bad byte at offset {err.start})") from None
    return parse_yaml(text, Path(path).name, warnings)
