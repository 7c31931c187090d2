"""Compaction of the ledger's text logs into their shards (``t|<estate>|<year>|<nnn>`` = ``{upto, p}``).

Each compaction merges the log slots after the shards' coverage into the shards that got new grams.
Reading all ``TEXT_SHARDS`` shards first cost 256 finds per compaction (4–5 per registration, the
largest share of intake's database commands in P1); this process keeps what it wrote at its last
compaction of a key and reuses it while the stored marker ``<key>|upto`` still shows that coverage
(no other process compacted the key since). Anything else — another writer's compaction, a failed
write, a key not kept — reads the stored shards as before. Kept: the ``KEPT`` keys most recently
compacted (a partition's postings; the current year of the busiest estates).
"""

from __future__ import annotations

import asyncio

from bson import Binary

from pm_common.index_log import IndexLog
from pm_common.lru import Lru
from pm_common.mongo import Collection
from pm_intake.domain.ledger_index import TEXT_SHARDS, pack_postings, parse_text_entry, shard_of, unpack_postings

KEPT = 4


class TextCompaction:
    def __init__(self, collection: Collection, log: IndexLog) -> None:
        self.collection = collection
        self.log = log
        # key -> (marker upto, each shard's stored upto, the shards' postings) as last written here
        self._kept: Lru[str, tuple[int, list[int], list[dict[str, set[str]]]]] = Lru(KEPT)

    async def _shards(self, key: str, ids: list[str]) -> tuple[list[int], list[dict[str, set[str]]]]:
        """The shards' coverage and postings as stored: from this process's last compaction of ``key``
        when the marker shows nobody compacted it since (one read instead of ``TEXT_SHARDS``)."""
        kept = self._kept.get(key)
        if kept is not None:
            marker = await self.collection.find_one({"_id": f"{key}|upto"})
            if marker is not None and int(marker["upto"]) == kept[0]:  # still valid (``compact`` replaces it)
                return kept[1], kept[2]
        snaps = await asyncio.gather(*(self.collection.find_one({"_id": i}) for i in ids))
        return [int(s["upto"]) if s else 0 for s in snaps], [unpack_postings(s["p"] if s else None) for s in snaps]

    async def compact(self, key: str) -> None:
        ids = [f"{key}|{s:03d}" for s in range(TEXT_SHARDS)]
        uptos, shards = await self._shards(key, ids)
        self._kept.pop(key)  # changed in place below: kept again only once written
        tail = await self.log.tail(key, min(uptos))
        if not tail:
            return
        changed: set[int] = set()
        for n, entries in tail:
            for entry in entries:
                prefix, has = parse_text_entry(entry)
                for gram in has:
                    shard = shard_of(gram)
                    if n > uptos[shard]:
                        shards[shard].setdefault(gram, set()).add(prefix)
                        changed.add(shard)
        upto = tail[-1][0]
        # a shard no new gram went to keeps its document unless its coverage lags far behind (its
        # ``upto`` stays honest either way: readers take the slots after it from the log); the lag is
        # bounded in slots, not by the compaction interval, as the next compaction reads the log
        # from the laggiest shard on
        due = [s for s in range(TEXT_SHARDS) if s in changed or upto - uptos[s] >= 4 * self.log.compact_every]
        await asyncio.gather(
            *(
                self.collection.replace_one(
                    {"_id": ids[s]}, {"upto": upto, "p": Binary(pack_postings(shards[s]))}, upsert=True
                )
                for s in due
            )
        )
        await self.collection.replace_one({"_id": f"{key}|upto"}, {"upto": upto}, upsert=True)
        self.log.note_compacted(key, upto)
        for s in due:
            uptos[s] = upto
        self._kept.put(key, (upto, uptos, shards))
