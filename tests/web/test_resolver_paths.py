"""Digital Link paths the resolver must read as the standard writes them (issue 12): a consumer
product variant (AI 22), a malformed percent-escape, the alphabetic key names."""

from __future__ import annotations

from sqlalchemy import Engine

from agritrace.ids.compressed_link import compress
from tests.helpers import make_api
from tests.web import stamp_chain

GTIN = "09506000134352"


def test_a_variant_ai_22_answers_like_the_path_without_it(engine: Engine) -> None:
    client = make_api(engine).client
    plain = client.get(f"/01/{GTIN}/10/L1/21/S1")
    moved = client.get(f"/01/{GTIN}/22/V1/10/L1/21/S1", follow_redirects=False)
    assert moved.status_code == 301, moved.text
    assert moved.headers["location"] == f"/01/{GTIN}/10/L1/21/S1"
    followed = client.get(f"/01/{GTIN}/22/V1/10/L1/21/S1")
    assert followed.status_code == plain.status_code != 400


def test_a_malformed_percent_escape_is_a_400_not_a_redirect_to_another_lot(
        engine: Engine) -> None:
    client = make_api(engine).client
    answer = client.get(f"/01/{GTIN}/10/A%G1", follow_redirects=False)
    assert answer.status_code == 400, (answer.status_code, answer.headers.get("location"))
    linkset = client.get(f"/01/{GTIN}/10/A%G1", headers={"Accept": "application/linkset+json"})
    assert linkset.status_code == 400
    assert "two hexadecimal digits" in linkset.json()["detail"]


def test_alphabetic_key_names_redirect_to_the_numeric_path(engine: Engine) -> None:
    client = make_api(engine).client
    for path, canonical in ((f"/gtin/{GTIN[1:]}/lot/L1", f"/01/{GTIN}/10/L1"),
                            ("/sscc/389312340000000012", "/00/389312340000000012"),
                            ("/gln/8931234000011", "/414/8931234000011")):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 301, (path, answer.status_code)
        assert answer.headers["location"] == canonical


def test_a_compressed_link_of_a_bag_redirects_to_its_uncompressed_path(engine: Engine) -> None:
    chain = stamp_chain.load(engine)
    client = make_api(engine).client
    bag = chain.path(stamp_chain.SERIALS[0])
    pairs = [("01", stamp_chain.GTIN), ("10", chain.lot), ("21", stamp_chain.SERIALS[0])]
    full = "/" + compress(pairs)
    partial = f"/01/{stamp_chain.GTIN}/" + compress(pairs[1:])
    for path in (full, partial):
        moved = client.get(path + "?lang=en", follow_redirects=False)
        assert moved.status_code == 301, (path, moved.status_code, moved.text)
        assert moved.headers["location"] == bag + "?lang=en"
    assert client.get(full).status_code == client.get(bag).status_code == 200


def test_a_compressed_link_that_does_not_decode_is_a_located_bilingual_400(
        engine: Engine) -> None:
    client = make_api(engine).client
    cut_short = "/" + compress([("01", GTIN), ("10", "L1")])[:-4]
    for path in (cut_short, f"/01/{GTIN}/EEf"):
        answer = client.get(path, follow_redirects=False)
        assert answer.status_code == 400, (path, answer.status_code)
        assert answer.headers["content-type"] == "application/problem+json"
        problem = answer.json()
        assert "không giải mã được" in problem["detail"] and "does not decode" in problem["detail"]
        assert problem["errors"][0]["path"].startswith("compressed[")
    assert client.get("/dashbord", follow_redirects=False).status_code == 404
