"""The per-topic table of docs/security.md ("Personal data on topics"), generated from the code: the
registry (producer), ``acls.SUBSCRIPTIONS`` (subscribers), the field classification (masked and
internal fields; public ones are not listed) and what the external readers may read as is.
``tests/security/test_topic_table.py`` fails when the document and the code disagree."""

from __future__ import annotations

from pm_common.events.classification import classification_table
from pm_common.events.registry import EVENT_TYPES
from pm_common.kafka.acls import EXTERNAL_READERS, SUBSCRIPTIONS, external_topics
from pm_common.topics import TOPICS, producer_service

HEADER = "| topic | producer | subscribers | masked fields | internal fields | external (`bi`) |"


def rows() -> list[str]:
    table = classification_table({t: model for t, (_version, model) in EVENT_TYPES.items()})
    external = set(external_topics())
    out = []
    for topic in sorted(t for t in TOPICS if t in table):
        subscribers = sorted(s for s, consumed in SUBSCRIPTIONS.items() if topic in consumed)
        masked = [f"`{p}`" for p, c in table[topic].items() if c == "masked"]
        internal = [f"`{p}`" for p, c in table[topic].items() if c == "internal"]
        readers = ", ".join(f"**{r}**" for r in EXTERNAL_READERS) + " (as is)" if topic in external else "no"
        cells = [f"`{topic}`", producer_service(TOPICS[topic]), ", ".join(subscribers) or "—"]
        cells += [", ".join(masked) or "—", ", ".join(internal) or "—", readers]
        out.append("| " + " | ".join(cells) + " |")
    return out


if __name__ == "__main__":  # python -m pm_common.events.topic_table: print the table for the document
    print(HEADER)
    print("|---|---|---|---|---|---|")
    print("\n".join(rows()))
