"""The extra hazard pool p2 (release 11): the committed gen_p2_train / gen_p2_dev files are what
`tools/gen_triage_corpus.py --extra-hazards p2` writes, its phrases split train / dev by their own
hash (no test side), and no phrase composes both splits."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

pytestmark = pytest.mark.unit

ROOT = Path(__file__).resolve().parents[4]
CORPUS = ROOT / "services/triage/corpus"


def _tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("gen_triage_corpus", ROOT / "tools/gen_triage_corpus.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_the_committed_files_are_what_the_tool_writes(tmp_path: Path) -> None:
    _tool().extra("p2", 13, tmp_path)
    for split in ("train", "dev"):
        name = f"gen_p2_{split}.tsv"
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name


def test_the_pool_has_no_test_side_and_the_splits_share_no_phrase() -> None:
    tool = _tool()
    families = yaml.safe_load((CORPUS / "pools/hazards_p2.yaml").read_text(encoding="utf-8"))
    sides = {
        tool.extra_side_of(f"{f['family']}:{state}", item)
        for f in families
        for state in tool.STATE_LABEL
        for item in f.get(state) or []
    }
    assert sides == {"train", "dev"}
    rows = {split: tool.read_tsv(CORPUS / f"gen_p2_{split}.tsv") for split in ("train", "dev")}
    assert len(rows["train"]) >= 1000 and len(rows["dev"]) >= 300
    assert all(re.fullmatch(r"gen:[a-z]+:[a-z]+(\+\w+)*", r["source"]) for r in rows["train"] + rows["dev"])
    for f in families:
        for state in tool.STATE_LABEL:
            for item in f.get(state) or []:
                side = tool.extra_side_of(f"{f['family']}:{state}", item)
                other = "dev" if side == "train" else "train"
                # a phrase without placeholders appears verbatim: never in the other split
                if "{" not in item and len(item) >= 8:
                    assert not any(item in r["text"] for r in rows[other]), item
