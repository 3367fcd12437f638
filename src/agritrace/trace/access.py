"""Who may read which events in a trace, a recall, a one-step report or an FSMA 204 sheet.

The rule is :func:`agritrace.trust.may_read`, written once there; this module only feeds it the
events a walk meets. An organization reads in full:

1. the events it captured itself;
2. another organization's event only where that event names it as source, destination or
   owning party (a GLN, party or place code it owns, or its own ``organizations.gln``): what
   was shipped to it and what it shipped on, i.e. one step back and one step forward, as
   Circular 17/2021 and FSMA 204 ask;
3. a regulator also the events of its area (:class:`agritrace.trust.Reach`).

**Unreadable events are hidden and counted**, the same way in the trace, the recall, the
one-step report and the FSMA 204 sheet (all four walk through :func:`agritrace.trace.lineage.
trace`): the walk does not follow them and ``Graph.hidden_events`` says how many there were.
Hiding rather than redacting (identity, step and time without quantities or parties) was chosen
because a redacted event still reveals the shape of another company's business (which lots a
supplier blended, how many units it made, when) and the walk behind it would expose the next
party's codes; a recall that needs more than one step asks each party in turn, as the circulars
intend, or a regulator (who reads the area's events). There is no longer an "upstream of what
you hold is open" rule: it let anyone who captured one OBSERVE naming a lot read the owner's
quantities and purchase orders (issue 11, item 3).
"""

from __future__ import annotations

from agritrace.trace.reader import EventReader, StoredEvent
from agritrace.trust import Owners, Viewer, may_read, reach_of


class Access:
    """A viewer's reading of the events one trace meets; owners of their parties loaded in
    batches (:meth:`load`) as the walk goes, so :meth:`sees` asks no query."""

    def __init__(self, reader: EventReader, org_id: int) -> None:
        self.reader = reader
        self.viewer = Viewer(org_id, Owners(), reach_of(reader.conn, org_id))
        self.known: set[str] = set()

    def load(self, events: list[StoredEvent]) -> None:
        """Know the owners of the parties of ``events`` (their ``parties`` group read)."""
        fresh = {t.value for e in events if e.org_id != self.viewer.org_id
                 for t in e.group("parties")} - self.known
        if not fresh:
            return
        self.known |= fresh
        loaded = Owners.load(self.reader.conn, fresh)
        self.viewer = Viewer(self.viewer.org_id, self.viewer.owners.merged(loaded),
                             self.viewer.reach)

    def sees(self, event: StoredEvent) -> bool:
        places = [p for p in (event.read_point, event.biz_location) if p]
        return may_read(self.viewer, event.org_id,
                        [t.value for t in event.group("parties")], places)
