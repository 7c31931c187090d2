"""The extra hazard pools p2 (release 11), p3–p6 (release 12) and p7, p8 (release 13), each by an independent writer:
the committed gen_pN_train / gen_pN_dev files are what `tools/gen_triage_corpus.py --extra-hazards
pN` writes (p4's one gen_p4_eval file what `--held-out` writes), a pool's phrases split train / dev
by their own hash (no test side), no phrase composes both splits, and the pools trained on
(``POOL_SETS``) are p2's and p3's, those the alarm alone hears (``ALARM_POOL_SETS``) p5's and p6's:
never the held-out p4's, nor p7's and p8's (release 13's dev side)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from pm_triage.training import ALARM_POOL_SETS, POOL_SETS

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


@pytest.mark.parametrize("pool", ["p2", "p3", "p5", "p6", "p7", "p8"])
def test_the_committed_files_are_what_the_tool_writes(tmp_path: Path, pool: str) -> None:
    _tool().extra(pool, 13, tmp_path)
    for split in ("train", "dev"):
        name = f"gen_{pool}_{split}.tsv"
        assert (tmp_path / name).read_bytes() == (CORPUS / name).read_bytes(), name


def test_the_held_out_pool_is_one_file_of_both_sides_and_never_trained_on(tmp_path: Path) -> None:
    tool = _tool()
    tool.extra("p4", 13, tmp_path, held_out=True)
    assert (tmp_path / "gen_p4_eval.tsv").read_bytes() == (CORPUS / "gen_p4_eval.tsv").read_bytes()
    assert not (tmp_path / "gen_p4_train.tsv").exists()
    rows = tool.read_tsv(CORPUS / "gen_p4_eval.tsv")
    assert len(rows) >= 1500 and {r["urgency"] for r in rows} == {"urgent", "general", "suggestion"}
    assert {p.name for p in POOL_SETS} == {f"gen_{n}_{s}.tsv" for n in ("p2", "p3") for s in ("train", "dev")}
    assert all(p.is_file() for p in POOL_SETS)
    assert {p.name for p in ALARM_POOL_SETS} == {f"gen_{n}_{s}.tsv" for n in ("p5", "p6") for s in ("train", "dev")}
    assert all(p.is_file() for p in ALARM_POOL_SETS)


@pytest.mark.parametrize("pool", ["p2", "p3", "p5", "p6", "p7", "p8"])
def test_the_pool_has_no_test_side_and_the_splits_share_no_phrase(pool: str) -> None:
    tool = _tool()
    families = yaml.safe_load((CORPUS / f"pools/hazards_{pool}.yaml").read_text(encoding="utf-8"))
    sides = {
        tool.extra_side_of(f"{f['family']}:{state}", item)
        for f in families
        for state in tool.STATE_LABEL
        for item in f.get(state) or []
    }
    assert sides == {"train", "dev"}
    rows = {split: tool.read_tsv(CORPUS / f"gen_{pool}_{split}.tsv") for split in ("train", "dev")}
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


def test_held_out_without_a_pool_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("sys.argv", ["gen_triage_corpus.py", "--held-out", "--out", str(tmp_path)])
    with pytest.raises(SystemExit) as refused:
        _tool().main()
    assert refused.value.code == 2 and "--held-out needs --extra-hazards" in capsys.readouterr().err
    assert not list(tmp_path.iterdir())  # nothing written
