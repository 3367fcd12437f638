"""The farmer pages' script and service worker, served from ``/my`` (same origin, no CDN).

The service worker sits at ``/my/sw.js`` and controls ``/my`` and everything below it: the
``Service-Worker-Allowed`` header lets its scope include the plot list at ``/my`` itself.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from agritrace.web.pages.farm.common import static_text

router = APIRouter()
_JS = "text/javascript; charset=utf-8"


@router.get("/my/farm.js")
def farm_script() -> Response:
    return Response(static_text("farm.js"), media_type=_JS,
                    headers={"Cache-Control": "no-cache"})


@router.get("/my/sw.js")
def service_worker() -> Response:
    return Response(static_text("farm-sw.js"), media_type=_JS,
                    headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/my"})
