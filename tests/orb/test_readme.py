"""README: the seed pipeline it shows is the orb's example `seed-pipeline`, word for word."""

from __future__ import annotations

import re
from pathlib import Path

from tests.orb.source import ORB, example_usage, load

README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readme_pipeline_is_the_orb_seed_example() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("### The promoter orb\n"):]
    block = re.search(r"```yaml\n(.*?)```\n", section, re.DOTALL)
    assert block is not None
    usage = example_usage("seed-pipeline")
    assert block[1] == usage
    assert load(ORB / "examples" / "seed-pipeline.yml")["usage"]["version"] == 2.1
    assert len(usage.splitlines()) <= 45  # "the whole pipeline in about 40 lines"
