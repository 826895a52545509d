"""Cookies, security headers and CSRF: the protections every route gets without asking.

Every visitor carries one cookie. Before sign-in it holds a random anonymous id that the
database has never seen, so a planted cookie cannot become a session; at sign-in it is
replaced by a brand-new session secret. CSRF tokens are an HMAC of that cookie, and unsafe
requests must also come from our own origin when the browser says where they come from.
"""

from __future__ import annotations

from http.cookies import SimpleCookie
from html import escape
from urllib.parse import urlsplit

from litestar import Request, Response
from litestar.datastructures import MutableScopeHeaders
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from hub import auth
from hub.settings import Settings

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
    "cross-origin-opener-policy": "same-origin",
}
HSTS = "max-age=31536000; includeSubDomains"


def security_headers(settings: Settings) -> dict[str, str]:
    """What every answer carries. HSTS only in production over HTTPS (COOKIE_SECURE): from a developer's
    machine it would keep browsers off http://localhost for a year."""
    if settings.is_production and settings.cookie_secure:
        return {**SECURITY_HEADERS, "strict-transport-security": HSTS}
    return dict(SECURITY_HEADERS)


def session_cookie_header(settings: Settings, value: str, max_age: int | None) -> str:
    parts = [f"{settings.session_cookie}={value}", "Path=/", "HttpOnly", "SameSite=Lax"]
    if settings.cookie_secure:
        parts.append("Secure")
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    return "; ".join(parts)


def read_cookie(scope: Scope, name: str) -> str | None:
    for key, value in scope.get("headers", []):
        if key == b"cookie":
            jar = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # noqa: BLE001 - a malformed cookie header is treated as none
                return None
            if name in jar:
                return jar[name].value
    return None


def host_allowed(scope: Scope, allowed: set[str]) -> bool:
    host = ""
    for key, value in scope.get("headers", []):
        if key == b"host":
            host = value.decode("latin-1").lower()
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in allowed or any(a.startswith("*.") and name.endswith(a[1:]) for a in allowed)


async def bad_host(scope: Scope, receive: Receive, send: Send) -> None:
    body = b'{"status_code": 400, "detail": "This host name is not one the hub answers to (ALLOWED_HOSTS)."}'
    await send({"type": "http.response.start", "status": 400, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def security_middleware(app: ASGIApp, settings: Settings) -> ASGIApp:
    """Wraps the whole app, outside Litestar's routing and exception handlers (hub.app puts it there): so
    404s, 405s, error pages, static files and the refusal of a foreign host all carry the security headers,
    and the host check runs before any route is looked up."""
    allowed = {h.lower() for h in settings.allowed_hosts} | {urlsplit(settings.base_url).hostname or ""}
    headers_for_all = security_headers(settings)

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        new_visitor = None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableScopeHeaders.from_message(message)
                for name, value in headers_for_all.items():
                    if name not in headers:
                        headers[name] = value
                sets_own = any(
                    v.startswith(settings.session_cookie + "=") for v in headers.getall("set-cookie", [])
                )
                if new_visitor and not sets_own:
                    headers.add("set-cookie", session_cookie_header(settings, new_visitor, None))
            await send(message)

        if not host_allowed(scope, allowed):
            await bad_host(scope, receive, send_with_headers)
            return
        visitor = read_cookie(scope, settings.session_cookie)
        if not visitor or len(visitor) > 200:
            visitor = new_visitor = auth.new_anonymous_visitor()
        scope.setdefault("state", {})["visitor"] = visitor
        await app(scope, receive, send_with_headers)

    return middleware


def _same_origin(request: Request, settings: Settings) -> bool:
    site = request.headers.get("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None:
        return True
    ours = {urlsplit(settings.base_url)._replace(path="").geturl()}
    host = request.headers.get("host")
    if host:
        ours.add(f"{request.url.scheme}://{host}")
    return origin in ours


def refusal(request: Request, status: int, message: str) -> Response:
    """Before a handler runs there is no page context yet: a small, self-contained answer."""
    if request.url.path.startswith("/api"):
        return Response({"detail": message, "status_code": status}, status_code=status)
    return Response(
        f"<!doctype html><html lang=en><title>That did not work</title><main><h1>That did not work</h1>"
        f"<p>{escape(message)}</p><p><a href=\"/\">Go to the start page</a></p></main></html>",
        status_code=status,
        media_type="text/html",
    )


def forbidden(request: Request, message: str) -> Response:
    return refusal(request, 403, message)


async def check_csrf(request: Request) -> Response | None:
    """before_request hook: unsafe requests need our origin and a token bound to the cookie."""
    if request.method in SAFE_METHODS or request.route_handler.opt.get("csrf_exempt"):
        return None
    settings: Settings = request.app.state.settings
    if not _same_origin(request, settings):
        return forbidden(request, "This request came from another site, so it was refused.")
    token = request.headers.get("x-csrf-token")
    if token is None and request.content_type[0] in ("application/x-www-form-urlencoded", "multipart/form-data"):
        token = (await request.form()).get("_csrf")
    visitor = request.scope.get("state", {}).get("visitor", "")
    if not auth.csrf_ok(settings, visitor, token):
        return forbidden(request, "This form has expired. Please reload the page and try again.")
    return None
