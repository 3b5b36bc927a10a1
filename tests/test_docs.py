"""The docs stay true to the code: the generated reference pages are current, every image and
link of the guide and the reference resolves, and the guide's screenshots are the app's size."""

from __future__ import annotations

import difflib
import importlib.util
import re
import struct
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
GENERATOR = DOCS / "make_docs.py"
PAGES = [DOCS / "guide.md", DOCS / "cli.md", *sorted((DOCS / "nodes").glob("*.md"))]
# Runs the generator and reports which heavy modules it imported (it must import none).
_RUN = """
import runpy, sys
sys.argv = ["make_docs.py", "--out", sys.argv[1]]
try:
    runpy.run_path({generator!r}, run_name="__main__")
except SystemExit as done:
    if done.code:
        raise
print(sorted(m for m in ("tensorflow", "keras", "PySide6") if m in sys.modules))
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The docs generated into a temporary folder, and the list of heavy modules imported."""
    out = tmp_path_factory.mktemp("docs")
    done = subprocess.run([sys.executable, "-c", _RUN.format(generator=str(GENERATOR)), str(out)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return out, done.stdout.strip().splitlines()[-1]


def _same(committed: Path, fresh: Path) -> None:
    old, new = committed.read_text(encoding="utf-8"), fresh.read_text(encoding="utf-8")
    diff = "".join(list(difflib.unified_diff(old.splitlines(True), new.splitlines(True),
                                             str(committed.relative_to(ROOT)), "generated"))[:40])
    assert old == new, f"{committed.relative_to(ROOT)} is out of date; run `make docs`:\n{diff}"


def test_node_pages_match_the_catalog(generated: tuple[Path, str]) -> None:
    out, _ = generated
    fresh = sorted((out / "nodes").glob("*.md"))
    assert [p.name for p in fresh] == sorted(p.name for p in (DOCS / "nodes").glob("*.md"))
    for page in fresh:
        _same(DOCS / "nodes" / page.name, page)


def test_cli_page_matches_the_help_output(generated: tuple[Path, str]) -> None:
    out, _ = generated
    committed = (DOCS / "cli.md").read_text(encoding="utf-8")
    version = f"(Python {sys.version_info.major}.{sys.version_info.minor})"
    if version not in committed:
        pytest.skip(f"docs/cli.md was generated with another Python; argparse formats help "
                    f"differently from version to version (this is {version})")
    _same(DOCS / "cli.md", out / "cli.md")


def test_generator_imports_neither_tensorflow_nor_qt(generated: tuple[Path, str]) -> None:
    assert generated[1] == "[]"


def test_every_kind_is_documented_on_its_familys_page() -> None:
    from modelgraft.nodes import KINDS
    from modelgraft.nodes.base import FAMILIES

    spec = importlib.util.spec_from_file_location("make_docs", GENERATOR)
    make_docs = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_docs)  # type: ignore[union-attr]
    pages = make_docs.FAMILY_PAGES
    assert set(pages) == set(FAMILIES)
    for kind in KINDS.values():
        page = (DOCS / "nodes" / pages[kind.family][0]).read_text(encoding="utf-8")
        assert f"### {kind.title} (`{kind.name}`)" in page, kind.name
        for param in kind.params:
            assert f"`{param.name}`" in page, f"{kind.name}.{param.name}"


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of a Markdown page."""
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", markdown, flags=re.MULTILINE):
        found.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return found


def _links(markdown: str) -> list[tuple[bool, str, str]]:
    """``(is_image, alt or text, target)`` of every inline link outside code blocks."""
    prose = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    return [(bang == "!", text, target)
            for bang, text, target in re.findall(r"(!?)\[([^\]]*)\]\(([^)\s]+)\)", prose)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(DOCS)))
def test_links_and_images_resolve(page: Path) -> None:
    for is_image, text, target in _links(page.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://", target):
            continue
        path, _, anchor = target.partition("#")
        file = (page.parent / path).resolve() if path else page
        assert file.exists(), f"{page.name}: '{target}' does not exist"
        if is_image:
            assert text.strip(), f"{page.name}: image '{target}' has no alt text"
        if anchor:
            assert anchor in _anchors(file.read_text(encoding="utf-8")), \
                f"{page.name}: '{target}' names no heading of {file.name}"


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n" and header[12:16] == b"IHDR", f"{path.name} is not a PNG"
    return struct.unpack(">II", header[16:24])


def test_guide_screenshots_are_window_sized_and_all_used() -> None:
    guide = (DOCS / "guide.md").read_text(encoding="utf-8")
    shown = {(DOCS / target).resolve() for is_image, _, target in _links(guide) if is_image}
    screenshots = {p.resolve() for p in (DOCS / "screenshots").glob("guide-*.png")}
    assert len(shown) >= 8
    assert shown == screenshots, (f"not made by make_guide_screenshots.py: {sorted(p.name for p in shown - screenshots)}; "
                                  f"not in the guide: {sorted(p.name for p in screenshots - shown)}")
    for png in screenshots:
        assert _png_size(png) == (1440, 900), png.name
