"""The trust rules themselves (agritrace.trust): owners, speakers, claims, custody, reading."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from agritrace.errors import ConflictException, NoSuchResourceException, ValidationException
from agritrace.store import grants
from agritrace.store.orgs import create_organization
from agritrace.trust import Custody, Owners, Viewer, claims, may_claim, may_read, owns

BAG = "https://id.gs1.org/01/08931234000356/21/X7K9Q2MN3P4R"
BAG_URN = "urn:epc:id:sgtin:8931234.000035.X7K9Q2MN3P4R"
LOT = "https://id.gs1.org/01/08931234000356/10/R26-1106"
PALLET = "https://id.gs1.org/00/389312340000000012"
OTHER = "https://id.gs1.org/01/08935555000019/10/L1"
RETAILER_PARTY = "https://id.gs1.org/417/8935555000008"


def test_the_owner_holds_the_longest_grant_and_a_gtin_grant_beats_a_prefix(engine: Engine) -> None:
    coop, brand, packer = (create_organization(engine, n) for n in ("HTX", "Brand", "Packer"))
    grants.grant(engine, coop, "prefix", "893123", "operator")
    grants.grant(engine, brand, "prefix", "8931234", "operator")
    grants.grant(engine, packer, "gtin", "08931234000356", "operator")
    with engine.connect() as conn:
        owners = Owners.load(conn, [BAG, LOT, PALLET, BAG_URN, "https://id.gs1.org/01/08931230000017"])
    assert owners.owner(BAG) == packer.id and owners.owner(BAG_URN) == packer.id
    assert owners.owner(PALLET) == brand.id
    assert owners.owner("https://id.gs1.org/01/08931230000017") == coop.id
    assert owners.owner(OTHER) is None and owners.owner("urn:example:thing") is None


def test_delegates_speak_for_the_owner_until_revoked(engine: Engine) -> None:
    owner, packer, stranger = (create_organization(engine, n) for n in ("O", "P", "S"))
    grants.grant(engine, owner, "prefix", "8931234", "operator")
    grants.delegate(engine, owner, packer, "O")
    with engine.connect() as conn:
        assert may_claim(conn, packer.id, LOT) and may_claim(conn, owner.id, LOT)
        assert not may_claim(conn, stranger.id, LOT)
        assert may_claim(conn, stranger.id, OTHER)  # nobody owns it
        assert owns(conn, owner.id, LOT) and not owns(conn, packer.id, LOT)
    grants.revoke_delegation(engine, owner, packer)
    with engine.connect() as conn:
        assert not may_claim(conn, packer.id, LOT)
    with pytest.raises(NoSuchResourceException):
        grants.revoke_delegation(engine, owner, packer)


def test_a_code_is_granted_once_and_a_revoked_grant_owns_nothing(engine: Engine) -> None:
    first, second = create_organization(engine, "A"), create_organization(engine, "B")
    grants.grant(engine, first, "prefix", "8931234", "operator")
    with pytest.raises(ConflictException, match="already granted to A"):
        grants.grant(engine, second, "prefix", "8931234", "operator")
    with pytest.raises(ValidationException):
        grants.grant(engine, second, "gtin", "08931234000357", "operator")  # bad check digit
    with pytest.raises(ValidationException):
        grants.grant(engine, second, "prefix", "89", "operator")
    grants.revoke_grant(engine, first, "prefix", "8931234")
    with engine.connect() as conn:
        assert Owners.load(conn, [LOT]).owner(LOT) is None
    grants.grant(engine, second, "prefix", "8931234", "operator")
    assert [(g.org, g.revoked_us is None) for g in grants.grants_of(engine)] == [
        ("A", False), ("B", True)]


def test_an_organizations_own_gln_counts_as_a_grant(engine: Engine) -> None:
    retailer = create_organization(engine, "Retailer", gln="8935555000008")
    with engine.connect() as conn:
        assert Viewer(retailer.id, Owners.load(conn, [RETAILER_PARTY])).named(RETAILER_PARTY)


@pytest.mark.parametrize(("event", "claimed"), [
    (("ObjectEvent", "ADD", "commissioning", "active", True), {BAG}),
    (("ObjectEvent", "OBSERVE", None, "recalled", False), {BAG, LOT}),
    (("ObjectEvent", "DELETE", "decommissioning", "inactive", False), {BAG, LOT}),
    (("ObjectEvent", "OBSERVE", "destroying", None, False), {BAG, LOT}),
    (("ObjectEvent", "OBSERVE", "retail_selling", "retail_sold", False), set()),
    (("ObjectEvent", "OBSERVE", "shipping", "in_transit", False), set()),
    (("TransformationEvent", None, "commissioning", None, True), {BAG, LOT}),
    (("TransformationEvent", None, "transforming", None, False), {PALLET}),
    (("AggregationEvent", "ADD", "packing", None, False), set()),
])
def test_claims_are_what_only_a_speaker_may_say(
        event: tuple[str, str | None, str | None, str | None, bool], claimed: set[str]) -> None:
    event_type = event[0]
    terms = ([("input", BAG), ("input_class", LOT), ("output", PALLET)]
             if event_type == "TransformationEvent" and not event[4]
             else [("output", BAG), ("output_class", LOT), ("input_class", OTHER)]
             if event_type == "TransformationEvent"
             else [("parent", PALLET), ("child", BAG)] if event_type == "AggregationEvent"
             else [("epc", BAG), ("epc_class", LOT), ("destination", RETAILER_PARTY)])
    if event_type == "ObjectEvent" and event[1] == "ADD":
        terms = [("epc", BAG)]
    assert claims(*event, terms) == claimed


def test_custody_admits_the_party_a_believed_event_shipped_to(engine: Engine) -> None:
    owner = create_organization(engine, "Owner")
    retailer = create_organization(engine, "Retailer", gln="8935555000008")
    stranger = create_organization(engine, "Stranger")
    grants.grant(engine, owner, "prefix", "8931234", "operator")
    with engine.connect() as conn:
        owners = Owners.load(conn, [BAG, RETAILER_PARTY])
    custody = Custody(owners.speakers(BAG))
    assert custody.believes(owner.id, is_claim=True)
    assert not custody.believes(retailer.id, is_claim=False)
    custody.follow(owners, [(RETAILER_PARTY, "owning_party")])
    assert custody.believes(retailer.id, is_claim=False)
    assert not custody.believes(retailer.id, is_claim=True)  # custody never makes it a speaker
    assert not custody.believes(stranger.id, is_claim=False)


def test_an_event_is_read_by_its_capturer_and_by_the_parties_it_names(engine: Engine) -> None:
    owner = create_organization(engine, "Owner")
    retailer = create_organization(engine, "Retailer", gln="8935555000008")
    stranger = create_organization(engine, "Stranger")
    with engine.connect() as conn:
        for org, expected in ((owner, True), (retailer, True), (stranger, False)):
            viewer = Viewer(org.id, Owners.load(conn, [RETAILER_PARTY]))
            assert may_read(viewer, owner.id, [RETAILER_PARTY]) is expected
            assert may_read(viewer, owner.id, []) is (org is owner)


def test_a_regulator_reads_what_lies_in_its_area(engine: Engine) -> None:
    from agritrace.farm.places import add_place
    from agritrace.farm.profiles import set_profile
    from agritrace.farm.registry import org_actor
    from agritrace.province.areas import check_area, make_regulator
    from agritrace.trust import viewer_for

    highland = create_organization(engine, "HTX Mường Ảng")
    delta = create_organization(engine, "HTX Lúa Tân Hồng")
    province = create_organization(engine, "Sở NN&MT Điện Biên")
    commune = create_organization(engine, "UBND xã Ẳng Nưa")
    southern = create_organization(engine, "Sở NN&MT Đồng Tháp")
    set_profile(engine, org_actor(highland), {"province": "Điện Biên"})
    plot = add_place(engine, org_actor(highland), {"name": "Nương A", "crop": "coffee",
                                                   "area_ha": 1.0, "province": "tỉnh Điện Biên",
                                                   "commune": "xã Ẳng Nưa"}).place
    paddy = add_place(engine, org_actor(delta), {"name": "Ruộng 1", "crop": "rice",
                                                 "area_ha": 2.0, "province": "Tiền Giang"}).place
    make_regulator(engine, province, check_area("Điện Biên"), "operator")
    make_regulator(engine, commune, check_area("Điện Biên", "Ẳng Nưa"), "operator")
    make_regulator(engine, southern, check_area("Đồng Tháp"), "operator")
    with pytest.raises(ValidationException):
        check_area("Atlantis")
    with engine.connect() as conn:
        officer = viewer_for(conn, province.id)
        local = viewer_for(conn, commune.id)
        south = viewer_for(conn, southern.id)
        ordinary = viewer_for(conn, highland.id)
    assert may_read(officer, highland.id, []) and not may_read(officer, delta.id, [])
    assert may_read(local, delta.id, [], [plot.uri])  # an event at a place of its commune
    assert may_read(local, highland.id, []) and not may_read(local, delta.id, [], [paddy.uri])
    assert may_read(south, delta.id, [])  # Tiền Giang is part of Đồng Tháp since 1/7/2025
    assert ordinary.reach is None and not may_read(ordinary, delta.id, [], [paddy.uri])
