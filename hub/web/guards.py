"""Request checks every route gets before its handler: sane ids and query strings, then CSRF."""

from __future__ import annotations

from litestar import Request, Response

from hub.web.security import check_csrf, refusal

#: Ids are 32-bit integers in both databases; a larger one cannot name anything.
MAX_ID = 2**31 - 1


async def check_request(request: Request) -> Response | None:
    if request.method == "OPTIONS":
        return allowed_methods(request)
    for name, value in request.path_params.items():
        if isinstance(value, int) and not 1 <= value <= MAX_ID:
            return refusal(request, 404, f"There is nothing with that {name.replace('_', ' ')}.")
    if "%00" in request.scope.get("query_string", b"").decode("latin-1"):
        return refusal(request, 400, "The address contains a null character, which the hub cannot search for.")
    return await check_csrf(request)


def allowed_methods(request: Request) -> Response:
    """OPTIONS: Litestar's own answer lists only the methods of the first handler registered for a path, so a
    path that a GET and a PUT handler share would claim to have no PUT. The route knows all of them."""
    template = request.scope.get("path_template")
    methods = next((r.methods for r in request.app.routes if r.path_format == template), {"OPTIONS"})
    return Response(None, status_code=204, headers={"Allow": ", ".join(sorted(methods))})
