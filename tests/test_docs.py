"""The documentation's links resolve and README.md stays a landing page.

Standard library only (no TensorFlow import): every relative link and image in
README.md, REPRODUCTION.md, docs/**/*.md and benchmarks/**/*.md must name a file
that exists, and a `#anchor` must name a heading of the target Markdown file
under GitHub's slug rule. Fenced code blocks and inline code are not links.
"""

import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
README = ROOT / "README.md"

# The CI script runs these word for word, so the Quick start must show them so.
QUICK_START = (
    "pip install -r requirements.txt -e . && python -m zoo.train --model=wgan_gp",
    "pip install -r requirements.txt -e . && python -m pytest",
)
README_MAX_LINES = 200
EXAMPLE_WITHIN_LINES = 60  # the load-and-save example is on the first screen
EXAMPLE_MAX_LINES = 6

FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
INLINE_CODE = re.compile(r"(`+)(?:(?!\1).)+?\1")
# [text](target) and ![alt](target), text with at most one level of nested
# brackets, target optionally in <...> and followed by a "title".
LINK = re.compile(
    r"!?\[(?:[^\[\]]|\[[^\[\]]*\])*\]"
    r"\(\s*(<[^>]*>|[^\s()]*(?:\([^\s()]*\)[^\s()]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\)"
)
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
EXTERNAL = re.compile(r"^(https?://|mailto:)", re.IGNORECASE)


def markdown_files():
    files = [ROOT / "README.md", ROOT / "REPRODUCTION.md"]
    for folder in ("docs", "benchmarks"):
        files += sorted((ROOT / folder).glob("**/*.md"))
    return [f for f in files if f.exists()]


def prose_lines(text):
    """(line number, line) of every line outside fenced code blocks."""
    fence = None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                continue
            yield number, line
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence) \
                and not line.strip()[len(match.group(1)):].strip():
            fence = None


def code_blocks(text):
    """(first line number of the body, body lines) of every fenced code block."""
    blocks, body, start, fence = [], None, 0, None
    for number, line in enumerate(text.splitlines(), 1):
        match = FENCE.match(line)
        if fence is None:
            if match:
                fence, body, start = match.group(1), [], number + 1
        elif match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
            blocks.append((start, body))
            fence = None
        else:
            body.append(line)
    return blocks


def links(text):
    """(line number, target) of every Markdown link and image outside code."""
    for number, line in prose_lines(text):
        for match in LINK.finditer(INLINE_CODE.sub("", line)):
            target = match.group(1).strip()
            if target.startswith("<") and target.endswith(">"):
                target = target[1:-1].strip()
            yield number, target


def slug(heading):
    """GitHub's anchor for a heading's text (before de-duplication)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)  # a link counts as its text
    text = re.sub(r"<[^>]+>", "", text)  # inline HTML tags
    text = text.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)  # keeps unicode letters, digits, _ and -
    return text.replace(" ", "-")


def anchors(path):
    """Every heading anchor of a Markdown file, duplicates numbered as GitHub does."""
    seen, result = {}, set()
    for _, line in prose_lines(path.read_text(encoding="utf-8")):
        match = HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        result.add(base if count == 0 else f"{base}-{count}")
    return result


def broken_links(path):
    """'line: target (why)' for each link of `path` that does not resolve."""
    problems = []
    for number, target in links(path.read_text(encoding="utf-8")):
        if not target or EXTERNAL.match(target):
            continue
        file_part, _, anchor = target.partition("#")
        destination = (path.parent / file_part).resolve() if file_part else path
        if not destination.exists():
            problems.append(f"{number}: {target} (no file {destination})")
            continue
        if anchor:
            if destination.suffix.lower() != ".md":
                problems.append(f"{number}: {target} (an anchor into a non-Markdown file)")
            elif anchor not in anchors(destination):
                problems.append(f"{number}: {target} (no heading with anchor #{anchor} "
                                f"in {destination.name})")
    return problems


@pytest.mark.parametrize("path", markdown_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_links_resolve(path):
    problems = broken_links(path)
    assert not problems, f"broken links in {path.relative_to(ROOT)}:\n" + "\n".join(problems)


def test_slug_rule():
    assert slug("Quick start") == "quick-start"
    assert slug("`gan`: the original GAN (Goodfellow et al. 2014)") == \
        "gan-the-original-gan-goodfellow-et-al-2014"
    assert slug("`wgan_gp`: WGAN-GP") == "wgan_gp-wgan-gp"
    assert slug("FID, KID and IS on InceptionV3") == "fid-kid-and-is-on-inceptionv3"
    assert slug("Fréchet ≥ 2 — done") == "fréchet--2--done"
    assert slug("See [the docs](docs/x.md)") == "see-the-docs"


def test_broken_link_is_caught(tmp_path):
    """The checker itself: a missing file, a missing anchor and a good link."""
    (tmp_path / "other.md").write_text("# Title\n\n## A section\n\n## A section\n")
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n"
        "[ok](other.md#a-section) [ok too](other.md#a-section-1) [self](#page)\n"
        "[gone](missing.md) ![gone](img/missing.png) [bad anchor](other.md#nope)\n"
        "[web](https://example.com/x) `[code](not-a-link.md)`\n\n"
        "```\n[in a block](also-not-a-link.md)\n```\n")
    problems = broken_links(page)
    assert [p.split(" ")[1] for p in problems] == \
        ["missing.md", "img/missing.png", "other.md#nope"], problems


def test_readme_is_a_landing_page():
    lines = README.read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MAX_LINES, f"README.md has {len(lines)} lines"
    stripped = [line.strip() for line in lines]
    for command in QUICK_START:
        assert command in stripped, f"README.md lacks the Quick start line: {command}"


def test_readme_shows_load_and_save_on_the_first_screen():
    text = README.read_text(encoding="utf-8")
    examples = [(start, body) for start, body in code_blocks(text)
                if any("zoo.load(" in line for line in body)
                and any("save_image_grid" in line for line in body)]
    assert examples, "README.md has no code block with zoo.load( and save_image_grid"
    start, body = examples[0]
    load_line = start + next(i for i, line in enumerate(body) if "zoo.load(" in line)
    assert load_line <= EXAMPLE_WITHIN_LINES, f"zoo.load( is on line {load_line}"
    code = [line for line in body if line.strip()]
    assert len(code) <= EXAMPLE_MAX_LINES, f"the example has {len(code)} lines"


def test_readme_shows_a_picture_near_the_top():
    head = "\n".join(README.read_text(encoding="utf-8").splitlines()[:20])
    assert re.search(r"!\[[^\]]*\]\([^)]+\.png\)", head), "no picture in README's first 20 lines"
