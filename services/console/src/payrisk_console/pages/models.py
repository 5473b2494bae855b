"""The models risk can serve, with their metrics, and the operator's activation of another."""

from __future__ import annotations

from payrisk.risk.v1 import risk_pb2
from starlette.requests import Request
from starlette.responses import Response

from ..actions import activate_model
from ..auth.accounts import Role
from ..queue import require_id
from ..services import call
from ..web import console, flash, redirect, render, signed_in


@signed_in()
async def models_page(request: Request) -> Response:
    services = console(request).services
    listed = await call(
        "risk", services.reader.risk.ListModels(risk_pb2.ListModelsRequest(), timeout=services.deadline)
    )
    models = sorted(listed.models, key=lambda m: (m.created_at.seconds, m.version), reverse=True)
    return render(request, "models.html", {"models": models})


@signed_in(Role.OPERATOR)
async def activate(request: Request) -> Response:
    version = require_id("version", request.path_params["version"])
    model = await activate_model(console(request).services, version)
    flash(request, f"Model {model.version} is now active: new decisions use it.")
    return redirect("/models")
