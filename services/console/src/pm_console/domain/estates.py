"""The estates the console knows (names, time zone) and local-time display.

Intake has no estate listing API yet; the console ships the demo estates and reads more from
``CONSOLE_ESTATES_FILE`` (a JSON list of ``{"id","name","name_en","timezone"}``)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict


class Estate(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    name_en: str
    timezone: str = "Asia/Shanghai"

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" else self.name


DEMO_ESTATES = (
    Estate(id="SUNNY", name="阳光花园", name_en="Sunny Garden"),
    Estate(id="JADE", name="翠湖苑", name_en="Jade Lake Court"),
    Estate(id="JINXIU", name="锦绣华庭", name_en="Jinxiu Residence"),
)


class EstateDirectory:
    def __init__(self, estates: tuple[Estate, ...] = DEMO_ESTATES, default_tz: str = "Asia/Shanghai") -> None:
        self._by_id = {e.id: e for e in estates}
        self.default_tz = default_tz

    def all(self) -> list[Estate]:
        return list(self._by_id.values())

    def visible(self, scope: tuple[str, ...]) -> list[Estate]:
        """The estates of a session's scope (``*``: all known)."""
        if "*" in scope:
            return self.all()
        return [self._by_id.get(e) or Estate(id=e, name=e, name_en=e) for e in scope]

    def get(self, estate_id: str) -> Estate | None:
        return self._by_id.get(estate_id)

    def local_time(self, value: str | datetime | None, estate_id: str | None) -> str:
        """``YYYY-MM-DD HH:MM`` in the estate's own time zone (empty for no value)."""
        if value in (None, ""):
            return ""
        moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        estate = self._by_id.get(estate_id or "")
        zone = ZoneInfo(estate.timezone if estate else self.default_tz)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
