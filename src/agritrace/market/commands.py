"""CLI: ``agritrace market offer GTIN --org NAME [--price …] [--currency …] [--availability …]``
and ``agritrace market feed --out FILE [--format jsonld|xml|csv] [--org NAME]``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from agritrace.console import fail, migrated_engine, out, output_file
from agritrace.errors import AgritraceError
from agritrace.market import catalogue, feeds, offers
from agritrace.market.offers import AVAILABILITY
from agritrace.settings import get_settings
from agritrace.store.orgs import find_organization

market_app = typer.Typer(help="The public catalogue's offers and product feeds.",
                         no_args_is_help=True)
Org = Annotated[str, typer.Option("--org", help="The organization whose product it is")]


def register(app: typer.Typer) -> None:
    app.add_typer(market_app, name="market")


@market_app.command("offer")
def offer_command(
    gtin: Annotated[str, typer.Argument(help="The product's GTIN (8, 12, 13 or 14 digits)")],
    org: Org,
    price: Annotated[str | None, typer.Option(help="Price, e.g. 185000")] = None,
    currency: Annotated[str, typer.Option(help="ISO 4217 code")] = "VND",
    availability: Annotated[str, typer.Option(
        help="One of " + ", ".join(AVAILABILITY))] = "in_stock",
) -> None:
    """Set what the catalogue, feeds and shelf cards show for one product."""
    engine = migrated_engine()
    try:
        offer = offers.set_offer(engine, find_organization(engine, org), gtin, {
            "price": price, "currency": currency, "availability": availability})
    except AgritraceError as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    shown = "—" if offer.price is None else f"{offer.price} {offer.currency}"
    out.print(f"{offer.gtin}: {shown}, {offer.availability}", highlight=False)


@market_app.command("feed")
def feed_command(
    output: Annotated[Path, typer.Option("--out", help="The file to write")],
    output_format: Annotated[str, typer.Option("--format", help="jsonld | xml | csv")] = "jsonld",
    org: Annotated[str | None, typer.Option("--org", help="Only this organization's")] = None,
) -> None:
    """Write the product feed a marketplace imports (the same as /feeds/products.*)."""
    if output_format not in ("jsonld", "xml", "csv"):
        raise typer.BadParameter(f"{output_format!r}: expected jsonld, xml or csv",
                                 param_hint="--format")
    engine = migrated_engine()
    try:
        filters = catalogue.Filters(org_id=find_organization(engine, org).id if org else None)
        links = feeds.Links(get_settings().base_url)
        items = catalogue.stream(engine, filters)
        chunks = (feeds.jsonld_chunks(items, links, "agritrace") if output_format == "jsonld"
                  else feeds.rss_chunks(items, links, "agritrace", links.base + "/catalogue")
                  if output_format == "xml" else feeds.csv_chunks(items, links))
        with output_file(output).open("wb") as target:
            for chunk in chunks:
                target.write(chunk)
    except (AgritraceError, OSError) as exc:
        raise fail(exc) from exc
    finally:
        engine.dispose()
    out.print(f"written: {output}", highlight=False)
