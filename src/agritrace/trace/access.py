"""Who may see which events in a trace: the access rule of the trace and recall API.

An organization sees, in any trace:

1. the events it captured itself;
2. the events whose source or destination names it (its GLN as a party, ``…/417/<GLN>``, or
   as a place, ``…/414/<GLN>`` with any extension) — shipments to it and from it;
3. upstream of what it holds: when it may see an event naming the identifier it traces (it
   handled that code), the backward walk from that identifier is open to every event, so a
   retailer can show where a pack it sells came from. The forward walk never opens: where a
   supplier sent other goods is the supplier's business.

Events it may not see are not followed and are counted in ``Graph.hidden_events``.

>>> Viewer(1, "8931234000011").names("urn:epc:id:pgln:8931234.00001")
True
"""

from __future__ import annotations

from dataclasses import dataclass

from agritrace.ids.epc import lenient_id
from agritrace.store.orgs import Organization
from agritrace.trace.reader import StoredEvent

GS1 = "https://id.gs1.org/"


@dataclass(frozen=True)
class Viewer:
    org_id: int
    gln: str | None = None

    @classmethod
    def of(cls, org: Organization) -> Viewer:
        return cls(org.id, org.gln)

    def names(self, value: str) -> bool:
        if not self.gln:
            return False
        canonical = lenient_id(value)
        return canonical == f"{GS1}417/{self.gln}" or canonical == f"{GS1}414/{self.gln}" or (
            canonical.startswith(f"{GS1}414/{self.gln}/"))

    def sees(self, event: StoredEvent) -> bool:
        """Rules 1 and 2 (the event's parties must have been read: role group ``parties``)."""
        if event.org_id == self.org_id:
            return True
        return any(self.names(term.value) for term in event.group("parties"))
