"""The supervisor pages in one language at a time, English or 中文, with a switch in the navigation (as the
handheld has). The choice is kept in a cookie; without one, the logged-in person's `locale`, else the
browser's Accept-Language. Templates say both texts where they are written, `t("Items", "货品")`, and show
the one the reader chose; data that carries both languages (an (en, zh) pair, {"en", "zh"}, an error's
message, "English · 中文" text built in Python) goes through the `lang` filter. Times go through `local`
(server/local_time.py): the warehouse's time zone, never UTC."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, has_request_context, redirect, request, session
from markupsafe import Markup

from server import local_time
from server.web.common import sup

LANGUAGES = ("en", "zh")
COOKIE = "sup_lang"
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def current() -> str:
    """The reader's language: the switch's cookie, else their account's locale, else the browser's."""
    cached = request.environ.get("wms.sup_lang")  # per request (g can outlive one: an app context in tests)
    if cached:
        return cached
    chosen = request.cookies.get(COOKIE)
    if chosen not in LANGUAGES:
        chosen = _account_locale() or (request.accept_languages.best_match(["en", "zh"], default="zh") or "zh")
        chosen = chosen if chosen in LANGUAGES else "zh"
    request.environ["wms.sup_lang"] = chosen
    return chosen


def _account_locale() -> str | None:
    user_id = session.get("user_id")
    if not user_id:
        return None
    from server.services.people import auth
    user = auth.get_user(user_id)
    locale = (user.locale or "").lower()[:2] if user else ""
    return locale if locale in LANGUAGES else None


def t(en: Any, zh: Any = None, **values: Any) -> Any:
    """The text in the reader's language: t("Items", "货品"), t("Zone {zone}", "库区 {zone}", zone=z), or
    one value carrying both (see `pick`). The page escapes the result, values included."""
    if zh is None:
        return pick(en)
    text = zh if current() == "zh" else en
    return text.format(**values) if values else text


def pick(value: Any) -> Any:
    """One language of a value that carries both: an (en, zh) pair, a mapping or object with en/zh, or text
    written "English · 中文" (the last " · " before Chinese splits it). Anything else is shown as it is;
    outside a request (no reader) everything is."""
    if not has_request_context():
        return value
    zh = current() == "zh"
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return value[1] if zh else value[0]
    if isinstance(value, Mapping) and "en" in value and "zh" in value:
        # a name given in one language only (an item's English name is optional) is shown as it is
        chosen, other = (value["zh"], value["en"]) if zh else (value["en"], value["zh"])
        return chosen or other
    if hasattr(value, "en") and hasattr(value, "zh"):
        return value.zh if zh else value.en
    for mark in (" · ", " / "):  # " / ": stored print job titles ("Test print P1 / 测试打印 P1")
        if isinstance(value, str) and mark in value:
            left, _, right = value.rpartition(mark)
            if _CJK.search(right) and not _CJK.search(left):
                chosen = right if zh else left
                return Markup(chosen) if isinstance(value, Markup) else chosen
    return value


def badge(code: str | None, testid: str | None = None) -> Markup:
    """A status as a word in the reader's language with its colour (server/web/statuses.py); the code stays
    in data-status for scripts and tests."""
    from server.domain.status_words import names
    en, zh, tone = names(code)
    test = Markup(' data-testid="{}"').format(testid) if testid else ""
    return Markup('<span class="badge tone-{}" data-status="{}"{}>{}</span>').format(
        tone, code or "", test, zh if current() == "zh" else en)


def channel(code: str | None) -> str:
    """An order's channel as people call it, in the reader's language ("淘宝", "Taobao"); unknown: as it came."""
    from printers.documents import CHANNEL_NAMES  # one list of names, the labels' and the pages'
    name = CHANNEL_NAMES.get(str(code or "").lower())
    if name is None:
        return str(code or "")
    en, _, zh = name.partition(" ")
    return (zh or en) if current() == "zh" else en


# How a pick list's route was worked out (server/domain/routing ROUTERS), as a supervisor reads it.
ROUTE_METHODS = {"optimal": ("optimal", "最优"), "sshape": ("S-shape", "S 形"),
                 "largest_gap": ("largest gap", "最大间隙"), "return": ("return", "返回式"),
                 "midpoint": ("midpoint", "中点式"), "bin_order": ("bin order", "按货位顺序")}


def route_method(code: str | None) -> str:
    """A route method in the reader's language; one not known here as it came."""
    en, zh = ROUTE_METHODS.get(str(code or ""), (str(code or ""),) * 2)
    return zh if current() == "zh" else en


def column_name(names: Any, field: str) -> str:
    """An import column as the reader calls it: the Chinese header, or in English the first English one the
    import also understands (else the field's own name)."""
    if current() == "zh":
        return names[0]
    return next((n for n in names if not _CJK.search(n)), field.replace("_", " "))


def local(moment: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored (UTC) time as the warehouse's clock shows it."""
    return local_time.local(moment, fmt)


@sup.get("/language/<code>")
def switch_language(code: str):
    """The navigation's switch: remember the language for a year, back to the page it was pressed on."""
    back = request.args.get("next") or request.referrer or "/sup/"
    parts = urlsplit(back)
    back = (parts.path or "/sup/") + (f"?{parts.query}" if parts.query else "")  # this site only
    if not back.startswith("/") or back.startswith(("//", "/\\")):
        back = "/sup/"
    response = redirect(back)
    if code in LANGUAGES:
        response.set_cookie(COOKIE, code, max_age=365 * 24 * 3600, samesite="Lax", httponly=True)
    return response


def install(app: Flask) -> None:
    app.jinja_env.globals.update(t=t, language=current, time_zone=local_time.zone_name, badge=badge,
                               column_name=column_name, channel=channel, route_method=route_method)
    app.jinja_env.filters.update(lang=pick, local=local)
