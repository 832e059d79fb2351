"""The README's Python examples run, as a reader would run them.

Every fenced block whose info string is ``python`` (or ``py``) in README.md is one test: it
runs in a fresh namespace, as ``__main__``, in a temporary working directory (so files it
writes vanish), and its traceback names README.md and the block's own line numbers. A
deprecation warning raised by a block's own lines fails it too: the README shows the current
API.

A fresh namespace per block means each block must stand on its own, as it does for a reader
who copies just that block. A block that must not run (it needs a network, a GPU, or it only
sketches an API) says so on the line directly above its opening fence, with a reason::

    <!-- readme: no-run (it needs a GPU) -->
    ```python
    ...
    ```

The marker is an HTML comment, so it is invisible on GitHub. A marker without a reason, or
one that is not directly above a Python block, fails the suite, so none can hide a block by
accident.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
READMES = [ROOT / "README.md"]
NO_RUN = re.compile(r"^\s*<!--\s*readme:\s*no-run\b(?P<reason>.*?)-->\s*$")
_FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`]*)$")


@dataclass(frozen=True)
class Block:
    """One fenced code block: where it starts and what it holds."""

    path: Path
    line: int  # 1-based line of the opening fence
    language: str  # the first word of the info string, lower case
    code: str
    no_run: str | None  # the reason given by a no-run marker directly above, if any

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


def fenced_blocks(path: Path) -> list[Block]:
    """Every fenced block of a Markdown file, in order (CommonMark fences, not indented code)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        opening = _FENCE.match(lines[i])
        if opening is None:
            i += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        info = opening["info"].strip().split()
        start = i
        body: list[str] = []
        i += 1
        while i < len(lines):
            closing = lines[i].strip()
            if closing.startswith(fence[0] * len(fence)) and not closing.strip(fence[0]):
                break
            text = lines[i]
            spaces = len(text) - len(text.lstrip(" "))
            body.append(text[min(spaces, indent) :])  # a fence's indent is not the code's
            i += 1
        marker = NO_RUN.match(lines[start - 1]) if start else None
        reason = marker["reason"].strip().strip("()").strip() if marker else None
        language = info[0].lower() if info else ""
        blocks.append(Block(path, start + 1, language, "\n".join(body) + "\n", reason))
        i += 1  # past the closing fence
    return blocks


def python_blocks() -> list[Block]:
    return [b for path in READMES for b in fenced_blocks(path) if b.language in ("python", "py")]


@pytest.mark.parametrize("block", python_blocks(), ids=lambda b: b.where)
def test_readme_block_runs(block: Block, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if block.no_run is not None:
        pytest.skip(f"{block.where} is marked no-run: {block.no_run}")
    monkeypatch.chdir(tmp_path)
    # Pad with blank lines so the compiled code's line numbers are the README's own.
    source = "\n" * block.line + block.code
    code = compile(source, str(block.path), "exec")
    namespace = {"__name__": "__main__", "__file__": str(block.path)}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            exec(code, namespace)
        except Exception as exc:
            raise AssertionError(
                f"the Python block at {block.where} failed: {type(exc).__name__}: {exc}"
            ) from exc
    # The README shows the current API: a deprecation raised by its own lines is a failure.
    ours = [w for w in caught if w.filename == str(block.path)]
    deprecated = [w for w in ours if issubclass(w.category, DeprecationWarning)]
    assert not deprecated, "\n".join(
        f"{block.path.name}:{w.lineno} uses a deprecated API: {w.message}" for w in deprecated
    )
    for w in caught:  # everything else is reported as usual
        if w not in deprecated:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def test_no_run_markers_name_a_reason_and_sit_on_a_python_block() -> None:
    for path in READMES:
        lines = path.read_text(encoding="utf-8").splitlines()
        marked = {b.line - 1 for b in fenced_blocks(path) if b.no_run is not None}
        for number, text in enumerate(lines, start=1):
            if NO_RUN.match(text):
                where = f"{path.name}:{number}"
                assert number in marked, f"{where}: no-run marker not directly above a block"
        for block in fenced_blocks(path):
            if block.no_run is not None:
                assert block.language in ("python", "py"), f"{block.where}: not a Python block"
                assert block.no_run, f"{block.where}: a no-run marker needs a reason"


def test_the_readme_has_python_examples() -> None:
    assert python_blocks(), "README.md lost its Python examples (or the fence parser broke)"


def test_fence_parser_on_a_sample(tmp_path: Path) -> None:
    sample = tmp_path / "SAMPLE.md"
    sample.write_text(
        "text\n"
        "```bash\n"
        "echo hi\n"
        "```\n"
        "<!-- readme: no-run (it needs a GPU) -->\n"
        "```python\n"
        "import torch\n"
        "```\n"
        "- a list item:\n"
        "\n"
        "  ````py title\n"
        "  x = 1\n"
        "  ```\n"
        "    y = 2\n"
        "  ````\n"
        "~~~\n"
        "plain\n"
        "~~~\n",
        encoding="utf-8",
    )
    blocks = fenced_blocks(sample)
    assert [(b.line, b.language, b.no_run) for b in blocks] == [
        (2, "bash", None),
        (6, "python", "it needs a GPU"),
        (11, "py", None),
        (16, "", None),
    ]
    assert blocks[2].code == "x = 1\n```\n  y = 2\n"  # a shorter fence does not close it
