"""Compositional hazard rules: a hazard object near a dangerous state, happening now or imminent.

Not a phrase list: each family (``hazards.yaml``) has objects and states written independently,
and a hit is any object–state pair within a window, or a state that is dangerous on its own. The
modality decides the urgency: without a present cue (现在, 正在, 还在 …) a hit with a risk cue nearby
(万一, 隐患, 以后, 修好了 …) is a latent risk (general), one with only a past cue (昨天, 上次 …) is a
past event not said to be over (a credible signal for review), otherwise it is happening now. A
supply cut announced beforehand (停水通知, 明天停电检修) or an alarm of a drill (消防演练，警报会响)
is *planned*: general, like a risk. See docs/triage-taxonomy.md §1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Literal

import yaml

from .text import amount, ascii_bounded, normalize

Modality = Literal["now", "past", "risk", "planned"]
DEFAULT_FILE = "hazards.yaml"


@dataclass(frozen=True, slots=True)
class HazardHit:
    family: str
    category: str
    life_safety: bool
    object: str
    state: str
    modality: Modality
    start: int

    @property
    def evidence_value(self) -> str:
        return f"{self.object}+{self.state}" if self.object else self.state


@dataclass(frozen=True)
class Family:
    name: str
    category: str
    life_safety: bool
    objects: tuple[str, ...]
    strong: tuple[str, ...]
    weak: tuple[str, ...]
    alone: tuple[str, ...]
    alone_now: tuple[str, ...] = ()
    benign: tuple[str, ...] = ()  # a harmless source nearby (烧纸 → 烟很大) voids a state alone ...
    flames: tuple[str, ...] = ()  # ... unless it is one of these (着火, 火苗, 点着)
    announced: tuple[str, ...] = ()  # states that an announcement nearby makes planned (警报…响 in a drill)
    announcements: tuple[str, ...] = ()  # the family's own announcement cues (演练, 测试); default: planned
    excuses: tuple[str, ...] = ()  # the states a benign source excuses (default: every state but flames)
    benign_anywhere: bool = False  # a benign source anywhere in the raw text (烟感 … 没电: its battery)


class HazardRules:
    """Finds hazard hits in normalised text (pure; built once from the packaged YAML)."""

    def __init__(self, spec: dict[str, Any], replacements: dict[str, str] | None = None) -> None:
        def norm(terms: Any) -> tuple[str, ...]:  # the gap mark survives normalisation
            return tuple(
                GAP.join(normalize(part, replacements or {})[0] for part in str(t).split(GAP)) for t in terms or ()
            )

        self.window = int(spec.get("window", 12))
        self.context = int(spec.get("context", 14))
        self.negators = norm(spec.get("negators"))
        self.risk_cues = norm(spec.get("risk_cues"))
        self.past_cues = norm(spec.get("past_cues"))
        self.present_cues = norm(spec.get("present_cues"))
        self.resolved_cues = norm(spec.get("resolved_cues"))
        # risk cues that say a danger is over (修好了, 弄好, 没事了): a question or a denial voids them
        self._resolution_risk_cues = frozenset(c for c in self.risk_cues if any(r in c for r in self.resolved_cues))
        self.presence_cues = norm(spec.get("presence_cues"))
        self.neutral = tuple(sorted(norm(spec.get("neutral")), key=len, reverse=True))
        self.planned = norm(spec.get("planned"))
        self.unplanned = norm(spec.get("unplanned"))
        self.families = tuple(
            Family(
                name=name,
                category=str(body["category"]),
                life_safety=bool(body.get("life_safety", False)),
                objects=norm(body.get("objects")),
                strong=norm(body.get("strong")),
                weak=norm(body.get("weak")),
                alone=norm(body.get("alone")),
                alone_now=norm(body.get("alone_now")),
                benign=norm(body.get("benign")),
                flames=norm(body.get("flames")),
                announced=norm(body.get("announced")),
                announcements=norm(body.get("announcements")),
                excuses=norm(body.get("excuses")),
                benign_anywhere=bool(body.get("benign_anywhere", False)),
            )
            for name, body in (spec.get("families") or {}).items()
        )

    @classmethod
    def default(cls, replacements: dict[str, str] | None = None) -> HazardRules:
        raw = resources.files(__package__).joinpath(DEFAULT_FILE).read_text(encoding="utf-8")
        return cls(yaml.safe_load(raw), replacements)

    def find(self, text: str) -> list[HazardHit]:
        masked = self._mask(text)
        hits: list[HazardHit] = []
        for family in self.families:
            hit = self._family_hit(family, masked, text)
            if hit is not None:
                hits.append(hit)
        return hits

    def planned_at(self, text: str, term: str, start: int) -> bool:
        """A lexicon trigger (停电, 来电, 火警 …) at `start` that an announcement nearby makes
        planned, as the hazard rules read the same state (通知, 明天 …; not 没通知)."""
        for family in self.families:
            outage = family.name == "outage" and (term in ("来电", "来水") or any(a in term for a in family.alone))
            if outage or (family.announced and any(a in term for a in family.announced)):
                if self._announced(family, term if not outage else family.alone[0], start, text):
                    return True
        return False

    def _mask(self, text: str) -> str:
        for term in self.neutral:
            if term in text:
                text = text.replace(term, "\u3000" * len(term))
        return text

    def _family_hit(self, family: Family, text: str, raw: str) -> HazardHit | None:
        best: HazardHit | None = None
        for state, start in _occurrences(text, family.alone):
            if self._negated(text, start, family.objects, state):
                continue
            if self._excused(family, state, start, text, raw):
                continue
            # a haze (有烟, 好呛) near a smoker (抽烟, masked as neutral: read on the raw text) is the
            # smoker's; smoke pouring out (浓烟, 冒黑烟) is not excused, and a drill stays planned
            if state in _HAZE and family.benign and self._near(raw, start, family.benign):
                continue
            hit = self._hit(family, "", state, start, text)
            if self._announced(family, state, start, raw):
                hit = HazardHit(family.name, family.category, family.life_safety, "", state, "planned", start)
            best = _prefer(best, hit)
        for state, start in _occurrences(text, family.alone_now):  # only with a present cue (正在偷)
            if self._near(text, start, self.present_cues) and not self._negated(text, start, state=state):
                best = _prefer(best, self._hit(family, "", state, start, text))
        for obj, o_start in _occurrences(text, family.objects):
            lo, hi = max(0, o_start - self.window), o_start + len(obj) + self.window
            span = text[lo:hi]
            for state, s_rel in _occurrences(span, family.strong + family.weak):
                s_start = lo + s_rel
                if s_start < o_start + len(obj) and s_start + len(state) > o_start:
                    continue  # the state overlaps the object itself
                if self._negated(text, s_start, family.objects, state) or self._negated(text, min(o_start, s_start)):
                    continue
                if self._denied_phrase(text, o_start, obj, family):  # 有股怪味，没有煤气味
                    continue
                if state in family.weak and not self._near(text, s_start, self.presence_cues):
                    continue
                if family.benign and self._near(text, min(o_start, s_start), family.benign):  # 蟑螂在墙上爬
                    continue
                if s_start < o_start and _not_this(text, o_start):  # 臭鸡蛋的味道，不是燃气
                    continue
                best = _prefer(best, self._hit(family, obj, state, min(o_start, s_start), text))
        return best

    def excused(self, text: str, term: str) -> bool:
        """A lexicon trigger that is a family's state alone excused by a benign source (没电 of a
        smoke detector's battery), as the hazard rules read the same state."""
        masked = self._mask(text)
        start = masked.find(term)
        if start < 0:  # inside a neutral phrase (电池没电): read where it stands in the raw text
            start = text.find(term)
        return start >= 0 and any(
            term in family.alone and self._excused(family, term, start, masked, text) for family in self.families
        )

    def _excused(self, family: Family, state: str, start: int, text: str, raw: str) -> bool:
        """A harmless source near a state alone (烧纸 → 烟很大), unless the state is a flame; a family
        may name the states its sources excuse and read them anywhere in the raw text."""
        if not family.benign or any(f in state for f in family.flames):
            return False
        if family.excuses and state not in family.excuses:
            return False
        if family.benign_anywhere:
            return any(b in raw for b in family.benign)
        return self._near(text, start, family.benign)

    def _hit(self, family: Family, obj: str, state: str, start: int, text: str) -> HazardHit:
        modality = self.modality_at(text, start)
        return HazardHit(family.name, family.category, family.life_safety, obj, state, modality, start)

    def modality_at(self, text: str, start: int) -> Modality:
        """now, past (not said to be over) or risk, from the cues around position `start`."""
        if start < 0 or self._present(text, start):
            return "now"
        if self._risk_near(text, start):
            return "risk"
        if self._near(text, start, self.past_cues) or self._past_in_sentence(text, start):
            return "risk" if self._resolved_later(text, start) else "past"
        return "now"

    def _past_in_sentence(self, text: str, start: int) -> bool:
        """A past cue earlier in the hit's own sentence (昨晚十一点多小区里两拨人在篮球场打架): the
        sentence tells one event, however long its run-up, unless a later word brings it to today
        (上周贴过通知，可今天毫无征兆地停电了)."""
        begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
        run_up = text[begin:start]
        last = max((run_up.rfind(cue) for cue in self.past_cues), default=-1)
        return last >= 0 and not any(word in run_up[last:] for word in _TODAY)

    def _resolved_later(self, text: str, start: int) -> bool:
        """A past event the text goes on to say is over, later in its sentence or the next (前天电梯
        把我关了一会儿，后来师傅来了，修好了): a specific resolution cue, neither negated (没修好) nor
        asked (修好了吗, 修好没有). Generic words (好了: 说好了; 没事; 出来了: 水冒出来了) do not count."""
        ends = [m.end() for m in _SENTENCE_END.finditer(text, start)]
        stop = ends[1] if len(ends) > 1 else len(text)
        for cue in self.resolved_cues:
            if cue in _WEAK_RESOLUTIONS:
                continue
            if _said(text, cue, start, stop):
                return True
        return False

    def _risk_near(self, text: str, start: int) -> bool:
        """A risk cue near the hit. A cue that says the danger is over (修好了, 弄好) counts only when
        it is said, not asked (上次不是修好了吗, 弄好了没有) or denied (没修好): a question about an
        earlier repair beside a hazard in progress makes it no risk. 以后 and 现在没 count only as a
        risk, not as narration (``_risk_cue_in``)."""
        lo, hi = self._bounds(start)
        span = text[lo:hi]
        return any(
            _said(span, cue) if cue in self._resolution_risk_cues else _risk_cue_in(text, cue, lo, hi)
            for cue in self.risk_cues
        )

    def _bounds(self, start: int) -> tuple[int, int]:
        """Where the text the cues around a hit at `start` are read in begins and ends."""
        return max(0, start - self.context), start + self.context + 6

    def _span(self, text: str, start: int) -> str:
        """The text the cues around a hit at `start` are read in."""
        lo, hi = self._bounds(start)
        return text[lo:hi]

    def _near(self, text: str, start: int, cues: tuple[str, ...]) -> bool:
        span = self._span(text, start)
        return any(cue in span for cue in cues)

    def _present(self, text: str, start: int) -> bool:
        """A present cue near the hit, not one that says it is over (现在好了, 现在没了)."""
        span = self._span(text, start)
        for cue in self.present_cues:
            at = span.find(cue)
            while at >= 0:
                after = span[at + len(cue) : at + len(cue) + 3]
                if not any(word in after for word in _OVER_AFTER_NOW) and not self._resolved_after(span, at):
                    return True
                at = span.find(cue, at + 1)
        return False

    def _resolved_after(self, span: str, at: int) -> bool:
        """The clause a present cue opens says the danger is over (已经自己关阀找人修好了, 已经灭了)."""
        clause = _clause_after(span, at)[:14]
        return any(_said(clause, word) for word in self.resolved_cues)  # not 现在还没修好, 已经弄好了吗

    def _negated(self, text: str, start: int, objects: tuple[str, ...] = (), state: str | None = None) -> bool:
        """A negator right before the state, or before the noun phrase it ends (没有[煤气]味,
        不是[水管]爆了): the scope of a negation is the phrase it precedes, not the clause."""
        starts = [start] + [start - len(o) for o in objects if o and text.endswith(o, 0, start)]
        for at in starts:
            before = text[max(0, at - 5) : at].replace(" ", "")
            if any(before.endswith(n) for n in self.negators):
                return True
        return state is not None and _denied_by_bu(text, start, state)

    def _denied_phrase(self, text: str, o_start: int, obj: str, family: Family) -> bool:
        """The object is the head of a denied object+state phrase (没有[煤气味]): it pairs with no
        other state. A hedged question (是不是煤气) or a missing object (没有井盖) is no denial."""
        tail = text[o_start + len(obj) : o_start + len(obj) + 3]
        if not any(tail.startswith(state) for state in family.strong + family.weak):
            return False
        before = text[max(0, o_start - 5) : o_start].replace(" ", "")
        if any(before.endswith(q) for q in ("是不是", "会不会", "有没有")):
            return False
        return self._negated(text, o_start)

    def _announced(self, family: Family, state: str, start: int, raw: str) -> bool:
        """The outage family's cuts near an announcement; a family's `announced` states near its own
        announcement cues (an alarm in a drill). Read on the unmasked text (停电通知 is masked)."""
        if family.name == "outage":
            return self._planned(raw, start, self.planned)
        if family.announced and any(a in state for a in family.announced):
            return self._planned(raw, start, family.announcements or self.planned)
        return False

    def _planned(self, text: str, start: int, cues: tuple[str, ...]) -> bool:
        span = text[max(0, start - 10) : start + 16]
        if any(cue in text[max(0, start - 8) : start + 4] for cue in self.unplanned):
            return False  # 突然停电了: whatever was announced, this one was not
        for cue in cues:
            at = span.find(cue)
            denied = at >= 0 and any(n in span[at + len(cue) : at + len(cue) + 4] for n in ("没", "无"))  # 通知都没有
            if at >= 0 and not denied and not any(n in span[max(0, at - 6) : at] for n in ("没", "无", "不", "任何")):
                return True
        return False


_OVER_AFTER_NOW = ("好", "没", "不", "正常", "恢复了", "恢复正常")  # 现在好了, 现在恢复了: over (not 现在还恢复不了)
_SENTENCE_END = re.compile(r"[。！？!?]+")
_HAZE = frozenset({"有烟", "好呛", "呛死"})
_TODAY = ("今天", "今早", "今晚", "今儿", "今日", "这会儿", "刚才", "刚刚", "现在", "此刻", "眼下")
_WEAK_RESOLUTIONS = frozenset({"好了", "没事", "修了", "出来了"})  # too common to end a past event far away

GAP = "…"  # in a term: up to GAP_CHARS characters of anything (冒…烟 matches 冒出好多烟)
GAP_CHARS = 5


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern[str]:
    return re.compile(f".{{0,{GAP_CHARS}}}".join(re.escape(part) for part in term.split(GAP)))


@lru_cache(maxsize=1024)
def _by_first_char(terms: tuple[str, ...]) -> dict[str, tuple[str, ...]]:
    index: dict[str, list[str]] = {}
    for term in terms:
        if term:
            index.setdefault(term[0], []).append(term)
    return {char: tuple(group) for char, group in index.items()}


def _asked_or_denied(text: str, at: int, cue: str) -> bool:
    """A resolution cue (修好了) at `at` that is asked (修好了吗, 修好没有, 上次不是修好了) or denied
    (没修好), so it says nothing is over."""
    repair = any(word in cue for word in ("恢复", "修", "好", "正常"))
    if repair and any(word in _clause_after(text, at + len(cue))[:8] for word in ("又", "还是")):
        return True  # 恢复了一下又停了, 修好了又坏了: over only for a moment (not 事后又让我交钱)
    after = text[at + len(cue) : at + len(cue) + 3]
    asked = any(q in after for q in ("吗", "没", "未", "么", "不", "?", "？")) or "不是" in text[max(0, at - 5) : at]
    return asked or any(n in text[max(0, at - 2) : at] for n in ("没", "不", "未"))


def _clause_after(text: str, at: int) -> str:
    """The text from `at` to the end of its clause (the next comma or sentence end)."""
    return re.split(r"[，。！？!?,;；]", text[at:], maxsplit=1)[0]


def _said(text: str, cue: str, lo: int = 0, hi: int | None = None) -> bool:
    """`cue` occurs in text[lo:hi] at least once neither asked nor denied (``_asked_or_denied``)."""
    at = text.find(cue, lo, hi)
    while at >= 0:
        if not _asked_or_denied(text, at, cue):
            return True
        at = text.find(cue, at + 1, hi)
    return False


def _risk_cue_in(text: str, cue: str, lo: int, hi: int) -> bool:
    """`cue` occurs in text[lo:hi] as a risk, not as narration: 以后 right after an event (撞倒以后就没
    起来, 摔下来以后，一直躺着, 十点以后) tells what came next; 现在没 tells that a danger is over only
    when what follows is one (现在没事了, 现在没味了), not someone still missing (到现在没回来). The
    characters around an occurrence are read in the whole text, not in the window."""
    at = text.find(cue, lo, hi)
    while at >= 0:
        if cue == "以后":
            if not (at > 0 and text[at - 1] in _AFTER_AN_EVENT) and not text.endswith("熄火", 0, at):  # 熄火以后
                return True
        elif cue == "现在没":
            rest = at + len(cue) + (1 if text.startswith("有", at + len(cue)) else 0)  # 现在没(有)事
            if text.startswith(_OVER_NOW, rest):
                return True
        else:
            return True
        at = text.find(cue, at + 1, hi)
    return False


_AFTER_AN_EVENT = frozenset("倒来去下了着完到住开走掉进出回家点")  # 撞倒以后, 摔下来以后, 趴着以后, 十点以后
_OVER_NOW = ("事", "味", "问题", "危险", "什么", "烟", "火", "响", "漏", "了")  # 现在没事了, 现在没味了


def _not_this(text: str, start: int) -> bool:
    """The object at `start` is said not to be the source (不是燃气, 不像煤气), not hedged (是不是煤气)
    and not missing (没有井盖 is the hazard itself)."""
    before = text[max(0, start - 5) : start].replace(" ", "")
    return before.endswith(("不是", "不像", "并非")) and not before.endswith("是不是")


_NOT_A_DENIAL = frozenset("这那是会能要可好行还")  # 这不着火了吗 (look:), 是不是, 会不会, 还不快来


def _denied_by_bu(text: str, start: int, state: str) -> bool:
    """不 touching the state itself (它不咬人, 不冒烟了) denies it; not 这不 (look: …), a question's
    不 (是不是, 会不会), an A不A question (漏不漏电), nor a 不 across a pause (说不 起火了)."""
    if start < 1 or text[start - 1] != "不":
        return False
    before = text[start - 2] if start >= 2 else ""
    return before not in _NOT_A_DENIAL and before != state[0]


def _occurrences(text: str, terms: tuple[str, ...]) -> list[tuple[str, int]]:
    found: list[tuple[str, int]] = []
    index = _by_first_char(terms)
    chars = set(text)
    # the terms in their own order (a set's order changes with each process's hash seed, and the
    # first hit of a modality is the one kept, so its evidence would too)
    for term in (t for char, group in index.items() if char in chars for t in group):
        if GAP in term:
            found.extend((m.group(0), m.start()) for m in _pattern(term).finditer(text))
            continue
        start = text.find(term)
        while start >= 0:
            # 120 is no call for an ambulance inside room 1203, nor in 维修费120元
            if ascii_bounded(text, start, len(term)) and not amount(text, start, len(term)):
                found.append((term, start))
            start = text.find(term, start + 1)
    return found


def _prefer(current: HazardHit | None, new: HazardHit) -> HazardHit:
    """Within one family, now beats past beats risk beats planned; else the first found stays."""
    order = {"now": 0, "past": 1, "risk": 2, "planned": 3}
    if current is None or order[new.modality] < order[current.modality]:
        return new
    return current
