"""Shell patterns (``*``, ``?``, ``[...]``) for ``case``, ``${x#pattern}`` and file names.

A pattern is a sequence of characters, each either active (unquoted, so ``*`` matches) or
quoted (matches itself). Pathname expansion walks the simulated file system one component
at a time; names starting with a dot need a dot in the pattern, as in every shell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from kubemedic.sandbox.kubelet.sh.fs import FileSystem

Element = tuple[str, bool]  # (character, active)
_CLASSES = {
    "alpha": "a-zA-Z",
    "digit": "0-9",
    "alnum": "a-zA-Z0-9",
    "upper": "A-Z",
    "lower": "a-z",
    "space": r" \t\n\r\f\v",
    "blank": r" \t",
    "punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"),
    "xdigit": "0-9A-Fa-f",
    "print": r"\x20-\x7e",
    "graph": r"\x21-\x7e",
    "cntrl": r"\x00-\x1f\x7f",
}


def has_magic(elements: Sequence[Element]) -> bool:
    return any(active and char in "*?[" for char, active in elements)


def to_regex(elements: Sequence[Element]) -> str:
    out: list[str] = []
    index = 0
    while index < len(elements):
        char, active = elements[index]
        index += 1
        if not active:
            out.append(re.escape(char))
        elif char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            bracket = _bracket(elements, index)
            if bracket is None:
                out.append(re.escape(char))
            else:
                text, index = bracket
                out.append(text)
        elif char == "\\" and index < len(elements):
            out.append(re.escape(elements[index][0]))
            index += 1
        else:
            out.append(re.escape(char))
    return "".join(out)


def _bracket(elements: Sequence[Element], index: int) -> tuple[str, int] | None:
    """``[...]`` starting after the ``[``: a regex class and the index after ``]``."""
    negate = index < len(elements) and elements[index][1] and elements[index][0] in "!^"
    if negate:
        index += 1
    items: list[str] = []
    first = True
    while index < len(elements):
        char, active = elements[index]
        if char == "]" and active and not first:
            body = "".join(items)
            return ("[^" if negate else "[") + body + "]", index + 1
        first = False
        if char == "[" and active and _starts(elements, index, "[:"):
            end = _find(elements, index + 2, ":]")
            if end is not None:
                name = "".join(c for c, _ in elements[index + 2 : end])
                items.append(_CLASSES.get(name, ""))
                index = end + 2
                continue
        if (
            char == "-"
            and active
            and items
            and index + 1 < len(elements)
            and elements[index + 1][0] != "]"
        ):
            items.append("-")
            index += 1
            continue
        items.append(re.escape(char))
        index += 1
    return None


def _starts(elements: Sequence[Element], index: int, text: str) -> bool:
    return "".join(c for c, _ in elements[index : index + len(text)]) == text


def _find(elements: Sequence[Element], index: int, text: str) -> int | None:
    while index < len(elements):
        if _starts(elements, index, text):
            return index
        index += 1
    return None


def matches(elements: Sequence[Element], text: str) -> bool:
    return re.fullmatch(to_regex(elements), text, re.DOTALL) is not None


def strip(elements: Sequence[Element], text: str, op: str) -> str:
    """``${x#p}`` ``${x##p}`` ``${x%p}`` ``${x%%p}``: remove a matching prefix or suffix."""
    regex = re.compile(to_regex(elements), re.DOTALL)
    lengths = range(len(text) + 1)
    if op in ("#", "##"):
        for size in lengths if op == "#" else reversed(lengths):
            if regex.fullmatch(text[:size]):
                return text[size:]
    else:
        for size in lengths if op == "%" else reversed(lengths):
            if regex.fullmatch(text[len(text) - size :]):
                return text[: len(text) - size]
    return text


def replace(elements: Sequence[Element], text: str, replacement: str, *, every: bool) -> str:
    """``${x/pattern/replacement}``: the longest match at the first place it matches."""
    regex = re.compile(to_regex(elements), re.DOTALL)
    out: list[str] = []
    index = 0
    while index <= len(text):
        end = next(
            (e for e in range(len(text), index, -1) if regex.fullmatch(text, index, e)), None
        )
        if end is None:
            out.append(text[index : index + 1])
            index += 1
            continue
        out.append(replacement)
        index = end
        if not every:
            out.append(text[index:])
            break
    return "".join(out)


def glob(elements: Sequence[Element], cwd: str, fs: FileSystem) -> list[str]:
    """Pathname expansion: the sorted matching paths, as written (relative stays relative)."""
    components: list[list[Element]] = [[]]
    for element in elements:
        if element[0] == "/":
            components.append([])
        else:
            components[-1].append(element)
    absolute = not components[0] and len(components) > 1
    if absolute:
        components = components[1:]
    found = [("/" if absolute else "", "/" if absolute else cwd)]
    for position, component in enumerate(components):
        last = position == len(components) - 1
        following: list[tuple[str, str]] = []
        for shown, real in found:
            if not component:
                following.append((shown + "/", real))
                continue
            names = (
                [n for n in fs.listdir(real) if _visible(n, component) and matches(component, n)]
                if has_magic(component)
                else ["".join(c for c, _ in component)]
            )
            for name in names:
                path = fs.path(name, real)
                if (last and fs.exists(path)) or fs.is_dir(path):
                    joined = (
                        f"{shown}{name}" if not shown or shown.endswith("/") else f"{shown}/{name}"
                    )
                    following.append((joined, path))
        found = following
    return sorted(shown for shown, _ in found)


def _visible(name: str, component: Sequence[Element]) -> bool:
    return not name.startswith(".") or component[0][0] == "."
