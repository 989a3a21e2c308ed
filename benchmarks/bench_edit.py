"""How fast is a byte-exact image edit, as a ratio against a plain ruamel.yaml round trip of the
same file, measured in the same process (so the machine's speed cancels out).

    .venv/bin/python benchmarks/bench_edit.py

Prints the ratio; asserts nothing (speed is never asserted in tests).
"""

from __future__ import annotations

import io
import timeit
from pathlib import Path

from ruamel.yaml import YAML

from promoter.kustomize.entries import ImageChange
from promoter.kustomize.splice import set_image_text

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "overlays" / "staging" / "kustomization.yaml").read_text(encoding="utf-8")
CHANGE = ImageChange("web", new_tag="1234567")


def baseline() -> str:
    """What a naive tool does: load, set, dump (and loses bytes on the way)."""
    yaml = YAML()
    data = yaml.load(TEXT)
    data["images"][0]["newTag"] = "1234567"
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def promoter_edit() -> str:
    return set_image_text(TEXT, CHANGE)


def main() -> None:
    runs = 200
    base = min(timeit.repeat(baseline, number=runs, repeat=5)) / runs
    ours = min(timeit.repeat(promoter_edit, number=runs, repeat=5)) / runs
    print(f"ruamel round trip: {base * 1e3:.3f} ms/edit")
    print(f"promoter edit:     {ours * 1e3:.3f} ms/edit (parse, splice, verify)")
    print(f"ratio promoter/baseline: {ours / base:.2f}")


if __name__ == "__main__":
    main()
