"""Imports of day one: `POST /api/v1/imports/<kind>` with the file in the multipart field `file`;
`?dry_run=1` shows what would happen and writes nothing, `?good_rows_only=1` loads the good rows of a file
that has wrong ones. `mapping` (a form field or query parameter, JSON {field: "column name"}) names the
columns of a file whose names are not understood out of the box."""
from __future__ import annotations

import json

from flask import Blueprint, jsonify, request

from server.api.common import current_actor
from server.domain.errors import WmsError, Words
from server.services.setup import imports

bp = Blueprint("imports", __name__, url_prefix="/api/v1/imports")

TRUE = ("1", "true", "yes", "on")


@bp.get("")
def kinds():
    current_actor()
    return jsonify([{"kind": kind, "columns": imports.columns(kind)} for kind in imports.kinds()])


@bp.post("/<kind>")
def run(kind: str):
    actor = current_actor()
    actor.require(imports.importer(kind).permission)  # before the body is read: a refusal reads nothing
    upload = request.files.get("file")
    if upload is None:
        raise WmsError("bad_request", detail=Words("upload the file in the multipart field `file`",
                                                   "请在 multipart 字段 `file` 中上传文件"))
    answer, status = imports.run(kind, upload.read(), upload.filename or "", actor,
                                 dry_run=_flag("dry_run"), good_rows_only=_flag("good_rows_only"),
                                 mapping=_mapping())
    return jsonify(answer), status


def _flag(name: str) -> bool:
    return (request.args.get(name) or request.form.get(name) or "").lower() in TRUE


def _mapping() -> dict[str, str]:
    text = request.form.get("mapping") or request.args.get("mapping") or ""
    if not text.strip():
        return {}
    try:
        mapping = json.loads(text)
    except ValueError:
        raise WmsError("bad_request", detail=Words("mapping must be a JSON object {field: column name}",
                                                   "mapping 必须是 JSON 对象 {字段: 列名}")) from None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise WmsError("bad_request", detail=Words("mapping must be a JSON object {field: column name}",
                                                   "mapping 必须是 JSON 对象 {字段: 列名}"))
    return {str(k): v for k, v in mapping.items()}
