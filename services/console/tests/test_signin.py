"""Signing in: every page needs it, passwords are checked, the session cookie cannot be forged, and every
form post carries the session's CSRF token."""

from __future__ import annotations

from console_client import ANALYST, csrf_of, sign_in
from payrisk_console.auth.sessions import COOKIE


async def test_pages_send_a_stranger_to_sign_in_and_back(anonymous):
    page = await anonymous.get("/merchants/m-shell")
    assert page.status_code == 303
    assert page.headers["location"] == "/login?next=%2Fmerchants%2Fm-shell"
    posted = await anonymous.post("/freezes/f-1/release", data={"reason": "x"})
    assert posted.status_code == 401


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(anonymous):
    for name, password in (("ana", "not-it"), ("nobody", "analyst-password")):
        page = await anonymous.get("/login")
        refused = await anonymous.post(
            "/login", data={"username": name, "password": password, "csrf_token": csrf_of(page.text)}
        )
        assert refused.status_code == 401
        assert "Wrong name or password." in refused.text
        assert (await anonymous.get("/queue")).status_code == 303


async def test_signing_in_needs_the_forms_token(anonymous):
    refused = await anonymous.post("/login", data={"username": ANALYST[0], "password": ANALYST[1]})
    assert refused.status_code == 400
    assert (await anonymous.get("/queue")).status_code == 303


async def test_a_signed_in_analyst_returns_where_they_were_going(anonymous):
    page = await anonymous.get("/login", params={"next": "/models"})
    done = await anonymous.post(
        "/login",
        data={
            "username": ANALYST[0],
            "password": ANALYST[1],
            "csrf_token": csrf_of(page.text),
            "next": "/models",
        },
    )
    assert done.headers["location"] == "/models"
    # Never to another site.
    other = await anonymous.get("/login", params={"next": "//evil.example/x"})
    assert other.headers["location"] == "/queue"


async def test_a_tampered_session_cookie_is_no_session(anonymous):
    assert (await sign_in(anonymous, ANALYST)).status_code == 303
    value = anonymous.cookies[COOKIE]
    body, _, signature = value.partition(".")
    anonymous.cookies.set(COOKIE, body[:-2] + ("AA" if body[-2:] != "AA" else "BB") + "." + signature)
    assert (await anonymous.get("/queue")).status_code == 303


async def test_signing_out_ends_the_session(analyst):
    page = await analyst.get("/queue")
    assert (await analyst.post("/logout", data={"csrf_token": csrf_of(page.text)})).status_code == 303
    assert (await analyst.get("/queue")).status_code == 303


async def test_the_session_cookie_is_http_only_and_pages_have_a_strict_policy(anonymous):
    signed_in = await sign_in(anonymous, ANALYST)
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie
    page = await anonymous.get("/queue")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"
