"""Redaction of personal data in free text before it leaves the service that holds it in clear.

Owners type names, phone numbers, ID-card numbers and plates into what they write ("我叫张伟，电话
13812345678，粤B12345 的车被堵了"). Events carry such text only through :func:`redact`: mobile and
landline numbers keep their first 3 and last 4 digits (``138****5678``, the form of
``owner_phone_masked``), ID-card and bank-card numbers are replaced by a tag, plates keep province,
city letter and last character, e-mail addresses their first letter and domain, names after a cue
(我叫 / 姓名 / 联系人 …) and every known value of the owner (their registered name, phone, e-mail)
their first character. The clear text stays in the producing service (intake: readable by the roles
allowed to reveal). Applied to text already redacted it changes nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

ID_CARD_TAG = "[身份证号]"
BANK_CARD_TAG = "[银行卡号]"

_ID_CARD = re.compile(
    r"(?<![0-9A-Za-z])[1-9]\d{5}(?:18|19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[0-9Xx](?![0-9A-Za-z])"
    r"|(?<!\d)[1-9]\d{7}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}(?!\d)"  # 15-digit card (before 1999)
)
_BANK_CARD = re.compile(r"(?<!\d)(?:\d{4}[ -]){3,4}\d{1,4}(?!\d)|(?<!\d)\d{16,19}(?!\d)")
_MOBILE = re.compile(r"(?<![\d*])(?:(?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?\d{4}[- ]?(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<![\d*])(0\d{2,3})[- ]?\d{3,4}[- ]?(\d{4})(?!\d)")
_EMAIL = re.compile(r"\b([A-Za-z0-9])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})\b")
_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(rf"([{_PROVINCES}][A-HJ-NP-Z])[·•\s]?([A-HJ-NP-Z0-9]{{4,5}})([A-HJ-NP-Z0-9挂学警])(?![A-Za-z0-9])")
_HANDLE = re.compile(r"(微信号?|wx|vx|QQ|qq|抖音号?)([:：\s]*)([A-Za-z0-9_-]{5,20})", re.IGNORECASE)
_NAME_CUE = re.compile(r"(我叫|我的名字是|名字叫|姓名[:：]?|联系人[:：]?|业主姓名[:：]?)(\s*)([\u4e00-\u9fa5·]{2,4})")
_NOT_NAMES = ("业主", "物业", "保安", "客服", "师傅")


def mask_name(name: str) -> str:
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_digits(number: str) -> str:
    digits = re.sub(r"\D", "", number)
    return digits[:3] + "****" + digits[-4:] if len(digits) >= 8 else "****"


def _name(match: re.Match[str]) -> str:
    cue, space, name = match.groups()
    if name.startswith(_NOT_NAMES):
        return match.group(0)
    return f"{cue}{space}{mask_name(name)}"


def redact(text: str, *, known: Iterable[str | None] = ()) -> str:
    """``text`` with the personal data in it masked (see the module docstring)."""
    for value in sorted({v.strip() for v in known if v and v.strip()}, key=len, reverse=True):
        if len(value) >= 2:
            masked = mask_name(value) if not any(c.isdigit() for c in value) else mask_digits(value)
            text = text.replace(value, masked)
    text = _ID_CARD.sub(ID_CARD_TAG, text)
    text = _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _BANK_CARD.sub(BANK_CARD_TAG, text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-****{m.group(2)}", text)
    text = _EMAIL.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    text = _PLATE.sub(lambda m: f"{m.group(1)}{'*' * len(m.group(2))}{m.group(3)}", text)
    text = _HANDLE.sub(lambda m: f"{m.group(1)}{m.group(2)}***", text)
    return _NAME_CUE.sub(_name, text)


def redact_optional(text: str | None, *, known: Iterable[str | None] = ()) -> str | None:
    return None if text is None else redact(text, known=known)
