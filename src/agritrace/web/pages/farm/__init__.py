"""The farm pages: sign-in, the farmer's diary forms (``/my``) and the manager's office
(``/coop``), server-rendered, Vietnamese first, working without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter

from agritrace.web.pages.farm import farmer, imports, login, manager, offline

router = APIRouter(include_in_schema=False)
for _part in (login, offline, farmer, manager, imports):
    router.include_router(_part.router)
