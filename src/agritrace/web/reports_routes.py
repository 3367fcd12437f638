"""Every EUDR and rice methane route, API and pages, as the one router the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from agritrace.web.api import reports as api
from agritrace.web.pages import reports as pages

router = APIRouter()
router.include_router(api.router)
router.include_router(pages.router)
