"""Sampling plans and their operating characteristic, for supervisors and acceptance checks."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor
from server.domain import sampling
from server.domain.errors import WmsError, Words
from server.services.receiving import inspection

bp = Blueprint("sampling", __name__, url_prefix="/api/v1/sampling")
MAX_LOT = 10_000_000


def plan_from_args():
    """?policy=seed&lot_size=N[&supplier=CODE][&returned=1] or
    ?policy=iso2859&lot_size=N&aql=A[&level=II][&state=normal|tightened|reduced]"""
    args = request.args
    try:
        lot_size = int(args.get("lot_size", ""))
    except ValueError:
        raise WmsError("bad_request", detail=Words("lot_size must be a whole number", "lot_size 须为整数")) from None
    if not 0 < lot_size <= MAX_LOT:  # the OC curve's work grows with the lot: a huge one would hang a worker
        raise WmsError("bad_request", detail=Words(f"lot_size must be between 1 and {MAX_LOT}",
                                                   f"lot_size 须在 1 到 {MAX_LOT} 之间"))
    policy = args.get("policy", "seed")
    try:
        if policy == "seed":
            rules = inspection.seed_policy()
            if args.get("returned") in ("1", "true"):
                rate = rules.returned_rate
            elif args.get("supplier"):
                supplier = inspection.find_supplier(args["supplier"])
                rate = sampling.supplier_rate(inspection.supplier_history(supplier.id), rules)
            else:
                rate = _number(args, "rate", rules.base_rate)
            return sampling.seed_plan(lot_size, rate, rules)
        if policy == "iso2859":
            return sampling.iso_single_plan(lot_size, _number(args, "aql", ""), args.get("level", "II"),
                                            args.get("state", "normal"))
    except ValueError as error:
        # The plans' refusals (server/domain/sampling) carry their Words; any other is the server's
        # [receiving.sampling.seed] settings, which SeedPolicy refuses in English.
        raise WmsError("bad_request", detail=Words.of(error, "服务器的抽样规则设置有误，请联系管理员")) from None
    raise WmsError("bad_request", detail=Words("policy must be seed or iso2859", "policy 须为 seed 或 iso2859"))


def _number(args, name: str, default) -> float:
    try:
        return float(args.get(name, default))
    except ValueError:
        raise WmsError("bad_request", detail=Words(f"{name} must be a number", f"{name} 须为数字")) from None


@bp.get("/plan")
def plan():
    current_actor()
    return jsonify(plan_from_args().as_dict())


@bp.get("/oc")
def oc():
    current_actor()
    chosen = plan_from_args()
    curve = sampling.oc_curve(chosen)
    return jsonify(curve.as_dict() | {"plan": chosen.as_dict(),
                                      "summary": {"en": sampling.describe(curve, "en"),
                                                  "zh": sampling.describe(curve, "zh")}})
