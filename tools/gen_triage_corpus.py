"""生成分诊语料 / Generate the labelled triage corpus from the taxonomy's phrase pools.

Composes owner texts from independently written pools (``services/triage/corpus/pools/*.yaml``:
hazard families × state, matters per nature, out-of-scope kinds, litigation, vague texts) in the
registers owners speak (voice transcripts, run-ons, typos, dialect, angry, elderly, two issues),
plus the hand-written texts (``corpus/handwritten.tsv``, split 60/15/25 % by a hash of the text).
Every pool item is assigned to the train, dev or test side by a stable hash and each split is
composed only from its own side, so dev and test measure generalisation to unseen phrasings.
The test split is **frozen** (generated once before any model work, commit 4acf4da): only train and
dev are rewritten unless ``--write-test`` (a new release's test set). See docs/triage-taxonomy.md.

Usage: ``.venv/bin/python tools/gen_triage_corpus.py [--seed 13] [--out DIR] [--write-test]``, or
``… --extra-hazards NAME [--held-out]`` for an extra hazard pool (``pools/hazards_NAME.yaml``).
Columns: category, urgency, out_of_scope, scope, reason, text, source (``gen:<family>:<state>``, ``hand``).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import random
import re
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "services/triage/corpus"
STATE_LABEL = {
    "now": "urgent",
    "imminent": "urgent",
    "risk": "general",
    "planned": "general",  # an announced supply cut, lift maintenance, a drill
    "general": "general",
    "suggestion": "suggestion",
}
COLUMNS = ["category", "urgency", "out_of_scope", "scope", "reason", "text", "source"]
NUMERALS = "零一二三四五六七八九"
RANK = {"urgent": 2, "general": 1, "suggestion": 0}


def side_of(pool: str, item: str) -> str:
    """Stable assignment of one pool item to a side: test (1 in 4), dev (1 in 5 of the rest), train."""
    digest = hashlib.sha256(f"{pool}\x00{item}".encode()).digest()
    if digest[0] % 4 == 0:
        return "test"
    return "dev" if digest[1] % 5 == 0 else "train"


def extra_side_of(pool: str, item: str) -> str:
    """An extra hazard pool (written after the test split was frozen) has no test side: dev 1 in 5."""
    return "dev" if hashlib.sha256(f"extra\x00{pool}\x00{item}".encode()).digest()[0] % 5 == 0 else "train"


class Pools:
    def __init__(self, folder: Path, side: str, rng: random.Random, hazards: str = "hazards.yaml") -> None:
        load = lambda name: yaml.safe_load((folder / name).read_text(encoding="utf-8"))  # noqa: E731
        self.hazards: list[dict[str, Any]] = load(hazards)
        # the families' items of an extra pool are split by their own hash; registers keep theirs
        self.extra = {f["family"] for f in self.hazards} if hazards != "hazards.yaml" else set()
        self.matters: list[dict[str, Any]] = load("matters.yaml")
        self.oos: list[dict[str, Any]] = load("out_of_scope.yaml")
        self.reg: dict[str, Any] = load("registers.yaml")
        self.special: dict[str, Any] = load("special.yaml")
        # additions belong to the main pools: merged into an extra pool's families, their test-side
        # phrases would be split anew by the extra pool's hash and reach its training side
        if not self.extra:
            merge_additions(self, load("additions.yaml"))
        self.side, self.rng = side, rng

    def items(self, pool: str, values: list[str]) -> list[str]:
        split = extra_side_of if pool.split(":")[0] in self.extra else side_of
        return [v for v in values if split(pool, v) == self.side]

    def pick(self, pool: str, values: list[str]) -> str | None:
        chosen = self.items(pool, values)
        return self.rng.choice(chosen) if chosen else None

    def reg_pick(self, name: str) -> str:
        return self.pick(f"reg:{name}", self.reg[name]) or self.rng.choice(self.reg[name])

    def fill(self, template: str, objects: list[str], pool: str) -> str:
        rng = self.rng
        out = template
        if "{obj}" in out:
            out = out.replace("{obj}", self.pick(f"{pool}:obj", objects) or rng.choice(objects))
        for key, name in (("{who}", "who"), ("{b}", "buildings")):
            while key in out:
                out = out.replace(key, self.reg_pick(name), 1)
        while "{n}" in out:
            out = out.replace("{n}", str(rng.randint(1, 9)), 1)
        return out


def merge_additions(p: Pools, extra: dict[str, Any]) -> None:
    """Append the items of ``additions.yaml`` to their family's (or kind's) state lists."""
    for families, section in ((p.hazards, "hazards"), (p.matters, "matters")):
        by_name = {f["family"]: f for f in families}
        for name, states in (extra.get(section) or {}).items():
            for state, items in states.items():
                by_name[name].setdefault(state, [])
                by_name[name][state] = list(by_name[name][state] or []) + list(items or [])
    kinds = {k["kind"]: k for k in p.oos}
    for kind, texts in (extra.get("out_of_scope") or {}).items():
        kinds[kind]["texts"] = list(kinds[kind]["texts"]) + list(texts)


def matter_text(p: Pools, family: dict[str, Any], state: str) -> str | None:
    pool = f"{family['family']}:{state}"
    phrase = p.pick(pool, family.get(state) or [])
    if phrase is None:
        return None
    return p.fill(phrase, family.get("objects") or [""], family["family"])


def place_prefix(p: Pools, scope: str, text: str) -> tuple[str, str]:
    if p.rng.random() < 0.45 and not any(w in text[:6] for w in ("家", "楼", "小区", "车库", "有人", "有个")):
        values = p.reg["places"][scope]
        chosen = p.pick(f"place:{scope}", values) or p.rng.choice(values)
        place = p.fill(chosen, [""], "place")
        return f"{place}{'' if p.rng.random() < 0.5 else '，'}{text}", scope
    return text, scope


def compose(p: Pools, body: str, urgency: str) -> str:
    """Wrap a matter in an owner's register: opening, plea, closing, then the register transforms."""
    rng = p.rng
    parts = []
    opening = p.fill(p.reg_pick("openings"), [""], "open")
    if rng.random() < 0.12:
        opening = p.fill(p.reg_pick("elderly_open"), [""], "open")
    elif rng.random() < 0.12:
        opening = p.reg_pick("angry_open")
    parts.append(opening + body)
    roll = rng.random()
    if urgency == "urgent":
        plea = p.reg_pick("pleas_urgent") if roll < 0.55 else p.reg_pick("pleas_calm") if roll < 0.8 else ""
    elif urgency == "general":
        plea = p.reg_pick("pleas_urgent") if roll < 0.12 else p.reg_pick("pleas_calm") if roll < 0.6 else ""
    else:
        plea = p.reg_pick("pleas_calm") if roll < 0.5 else ""
    if plea:
        parts.append(plea)
    if rng.random() < 0.1:
        parts.append(p.reg_pick("angry_close"))
    elif rng.random() < 0.08:
        parts.append(p.reg_pick("elderly_close"))
    else:
        closing = p.reg_pick("closings")
        if closing:
            parts.append(closing)
    text = "，".join(x.strip("，") for x in parts if x)
    return registers(p, text)


def registers(p: Pools, text: str) -> str:
    rng, reg = p.rng, p.reg
    if rng.random() < 0.2:
        for word, forms in reg["dialect"].items():
            if word in text and rng.random() < 0.7:
                text = text.replace(word, rng.choice(forms))
        if rng.random() < 0.5:
            text = re.sub(r"[，。]", lambda m: rng.choice(reg["particles"]) + m.group(0), text, count=1)
    if rng.random() < 0.25:
        for word, forms in reg["typos"].items():
            if word in text and rng.random() < 0.35:
                text = text.replace(word, rng.choice(forms), 1)
    roll = rng.random()
    if roll < 0.2:  # voice transcript: no punctuation, fillers, digits as words
        text = re.sub(r"[0-9]", lambda m: NUMERALS[int(m.group(0))], text)
        text = re.sub(
            r"[，。！？!?、；：]+", lambda _: " " + (rng.choice(reg["fillers"]) if rng.random() < 0.3 else ""), text
        )
        text = re.sub(r"\s+", " ", text).strip()
    elif roll < 0.32:  # run-on: no stops at all
        text = re.sub(r"[，。；]", "", text)
    elif roll < 0.4:
        text = text.replace("，", " ")
    if rng.random() < 0.04:
        text = text.replace("坏了", "broken了").replace("电梯", "lift", 1)
    return text


def hazard_rows(p: Pools, count: int) -> list[dict[str, str]]:
    rows = []
    weights = {"now": 4, "imminent": 2, "risk": 2.5, "planned": 1.2, "general": 2, "suggestion": 1}
    for _ in range(count * 3):
        if len(rows) >= count:
            break
        family = p.rng.choice(p.hazards)
        state = p.rng.choices(list(weights), weights=list(weights.values()))[0]
        body = matter_text(p, family, state)
        if body is None:
            continue
        urgency = STATE_LABEL[state]
        body, scope = place_prefix(p, family["scope"], body)
        rows.append(row(family["category"], urgency, body, scope, f"gen:{family['family']}:{state}", p))
    return rows


def matter_rows(p: Pools, count: int) -> list[dict[str, str]]:
    rows = []
    for _ in range(count * 3):
        if len(rows) >= count:
            break
        family = p.rng.choice(p.matters)
        state = "suggestion" if p.rng.random() < 0.3 else "general"
        body = matter_text(p, family, state)
        if body is None:
            continue
        body, scope = place_prefix(p, family["scope"], body)
        rows.append(row(family["category"], STATE_LABEL[state], body, scope, f"gen:{family['family']}:{state}", p))
    return rows


def row(category: str, urgency: str, body: str, scope: str, source: str, p: Pools, **extra: str) -> dict[str, str]:
    text = compose(p, body, urgency)
    if p.rng.random() < 0.15 and not extra:  # two issues in one text
        second_family = p.rng.choice(p.matters)
        second = matter_text(p, second_family, "general")
        if second:
            joiner = p.reg_pick("joiners")
            text = f"{text}，{joiner}{registers(p, second)}"
            source += "+two"
    if p.rng.random() < 0.06 and urgency != "urgent" and not extra:  # the urgent issue second
        family = p.rng.choice(p.hazards)
        urgent_body = matter_text(p, family, "now")
        if urgent_body:
            text = f"{text}，{p.reg_pick('joiners')}{registers(p, urgent_body)}"
            category, urgency, source = family["category"], "urgent", source + "+urgent_second"
    return {"category": category, "urgency": urgency, "out_of_scope": extra.get("oos", "0"), "scope": scope,
            "reason": extra.get("reason", ""), "text": text.replace("\t", " "), "source": source}  # fmt: skip


def special_rows(p: Pools, count: int) -> list[dict[str, str]]:
    rows, rng, sp = [], p.rng, p.special
    for _ in range(count * 3):
        if len(rows) >= count:
            break
        roll = rng.random()
        if roll < 0.7:
            kind = rng.choice(p.oos)
            text = p.pick(f"oos:{kind['kind']}", kind["texts"])
            if text is None:
                continue
            rows.append(row(kind["category"], "general", text, "unit", f"gen:oos:{kind['kind']}", p,
                            oos="1", reason=f"outside_duties:{kind['kind']}"))  # fmt: skip
        elif roll < 0.85:
            matter = p.pick("lit:matter", list(sp["litigation_matters"]))
            state = p.pick("lit:state", sp["litigation_states"])
            if matter is None or state is None:
                continue
            tail = rng.choice(sp["litigation_tails"])
            text = f"{matter}{rng.choice(['，', '', ' '])}{state}{'，' + tail if tail else ''}"
            rows.append(row(sp["litigation_matters"][matter], "general", text, "unit", "gen:litigation", p,
                            oos="1", reason="in_litigation"))  # fmt: skip
        else:
            text = p.pick("vague", sp["no_facts"])
            if text is None:
                continue
            text += rng.choice(["", "！", "！！", "。", " 哼"])
            rows.append({"category": "other", "urgency": "general", "out_of_scope": "1", "scope": "estate",
                         "reason": "no_facts", "text": text, "source": "gen:no_facts"})  # fmt: skip
    return rows


def generate(
    side: str, seed: int, n_hazard: int, n_matter: int, n_special: int, hazards: str = "hazards.yaml"
) -> list[dict[str, str]]:
    p = Pools(CORPUS / "pools", side, random.Random(seed), hazards)
    rows = hazard_rows(p, n_hazard) + matter_rows(p, n_matter) + special_rows(p, n_special)
    seen: set[str] = set()
    unique = []
    for r in rows:
        if r["text"] not in seen:
            seen.add(r["text"])
            unique.append(r)
    return unique


def hand_split(text: str) -> str:
    digest = hashlib.sha256(("hand\x00" + text).encode()).digest()[0] % 20
    return "train" if digest < 12 else "dev" if digest < 15 else "test"


def read_tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def write_tsv(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, COLUMNS, delimiter="\t", quoting=csv.QUOTE_NONE, lineterminator="\n",
                                extrasaction="ignore")  # fmt: skip
        writer.writeheader()
        writer.writerows(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--out", type=Path, default=CORPUS)
    parser.add_argument("--write-test", action="store_true", help="regenerate the frozen test split too")
    parser.add_argument(
        "--extra-hazards",
        metavar="NAME",
        help="compose hazard rows from the extra pool pools/hazards_NAME.yaml into gen_NAME_train.tsv and "
        "gen_NAME_dev.tsv (its items split train / dev by their own hash; no test side)",
    )
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="with --extra-hazards: write both sides into one gen_NAME_eval.tsv, a set that is never trained on",
    )
    args = parser.parse_args()
    if args.held_out and not args.extra_hazards:
        parser.error("--held-out 只能与 --extra-hazards 同用 / --held-out needs --extra-hazards NAME")
    if args.extra_hazards:
        extra(args.extra_hazards, args.seed, args.out, held_out=args.held_out)
        return
    splits = {
        "train": generate("train", args.seed, 1600, 1000, 360),
        "dev": generate("dev", args.seed + 1, 320, 210, 100),
        "test": generate("test", args.seed + 2, 380, 260, 110),
    }
    train_texts = {r["text"] for r in splits["train"]}
    splits["dev"] = [r for r in splits["dev"] if r["text"] not in train_texts]
    for r in read_tsv(CORPUS / "handwritten.tsv"):
        r["source"] = "hand"
        splits[hand_split(r["text"])].append(r)
    for name, rows in splits.items():
        if name == "test" and not args.write_test:
            print(f"test: frozen, not rewritten ({len(read_tsv(args.out / 'test.tsv'))} rows)")
            continue
        write_tsv(args.out / f"{name}.tsv", rows)
        urgent = sum(r["urgency"] == "urgent" for r in rows)
        oos = sum(r["out_of_scope"] == "1" for r in rows)
        print(f"{name}: {len(rows)} rows ({urgent} urgent, {oos} out of scope)")


def extra(name: str, seed: int, out: Path, *, held_out: bool = False) -> None:
    pool = f"hazards_{name}.yaml"
    train = generate("train", seed, 1500, 0, 0, pool)
    seen = {r["text"] for r in train}
    dev = [r for r in generate("dev", seed + 1, 400, 0, 0, pool) if r["text"] not in seen]
    splits = (("eval", train + dev),) if held_out else (("train", train), ("dev", dev))
    for split, rows in splits:
        write_tsv(out / f"gen_{name}_{split}.tsv", rows)
        urgent = sum(r["urgency"] == "urgent" for r in rows)
        print(f"gen_{name}_{split}: {len(rows)} rows ({urgent} urgent)")


if __name__ == "__main__":
    main()
