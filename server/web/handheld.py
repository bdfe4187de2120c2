"""The handheld app's static files, its service worker, the packing station page and the landing page."""
from __future__ import annotations

import hashlib
import json
import posixpath
from pathlib import Path

from flask import Blueprint, Response, abort, render_template, send_from_directory

from server.config import ROOT

HANDHELD = ROOT / "handheld_web"
SOCKET_IO_CLIENT = HANDHELD / "node_modules" / "socket.io-client" / "dist"

handheld = Blueprint("handheld", __name__)


@handheld.get("/")
def landing():
    return render_template("landing.html")


@handheld.get("/hh/")
def handheld_index():
    return send_from_directory(HANDHELD, "index.html", max_age=0)


@handheld.get("/hh/sw.js")
def handheld_service_worker():
    """The app shell's service worker, told which files make the shell and a version of their
    content: any change to them makes a new worker (and cache) that replaces the old one."""
    files = sorted(p.name for p in HANDHELD.iterdir()
                   if p.is_file() and p.suffix in {".js", ".css", ".html"} and p.name != "sw.js"
                   and not p.name.startswith("station"))  # the packing station page is not the handheld app
    digest = hashlib.sha256()
    for path in [HANDHELD / "sw.js", SOCKET_IO_CLIENT / "socket.io.min.js", *(HANDHELD / f for f in files)]:
        digest.update(path.name.encode() + b"\0" + (path.read_bytes() if path.is_file() else b""))
    shell = {"version": digest.hexdigest()[:16], "files": ["./", *files, "vendor/socket.io.min.js"]}
    body = f"self.HH_SHELL = {json.dumps(shell)};\n" + (HANDHELD / "sw.js").read_text(encoding="utf-8")
    return Response(body, mimetype="text/javascript", headers={
        "Cache-Control": "no-cache", "Service-Worker-Allowed": "/hh/"})


@handheld.get("/station/<code>")
def station_page(code: str):  # one page for every station: station.js reads the code from the URL
    return send_from_directory(HANDHELD, "station.html", max_age=0)


@handheld.get("/hh/vendor/<path:name>")
def handheld_vendor(name: str):
    return send_from_directory(SOCKET_IO_CLIENT, name)


@handheld.get("/hh/vendor/zpl-renderer-js/<any('index.esm.js', 'index.umd.js'):name>")
def zpl_renderer(name: str):  # ~9 MB: only the label preview page imports it, on demand
    return send_from_directory(HANDHELD / "node_modules" / "zpl-renderer-js" / "dist", name)


@handheld.get("/hh/<path:name>")
def handheld_file(name: str):
    """The app's own files only: never its npm folder or package files, however the path is spelled
    (`./package.json`, `a/../node_modules/…`)."""
    clean = posixpath.normpath(name)
    parts = clean.split("/")
    if clean.startswith(("/", "..")) or "node_modules" in parts or parts[-1].startswith("package") or \
            any(part.startswith(".") for part in parts) or Path(clean).suffix not in {
            ".js", ".css", ".html", ".png", ".svg", ".json", ".webmanifest", ".ico"}:
        abort(404)
    return send_from_directory(HANDHELD, clean, max_age=0)

