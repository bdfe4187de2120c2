"""Sampling plans and their operating characteristic, for supervisors and acceptance checks."""
from flask import Blueprint, jsonify, request

from server.api.common import current_actor
from server.domain import sampling
from server.domain.errors import WmsError
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
        raise WmsError("bad_request", detail="lot_size must be a whole number") from None
    if not 0 < lot_size <= MAX_LOT:  # the OC curve's work grows with the lot: a huge one would hang a worker
        raise WmsError("bad_request", detail=f"lot_size must be between 1 and {MAX_LOT}")
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
                rate = float(args.get("rate", rules.base_rate))
            return sampling.seed_plan(lot_size, rate, rules)
        if policy == "iso2859":
            return sampling.iso_single_plan(lot_size, float(args.get("aql", "")), args.get("level", "II"),
                                            args.get("state", "normal"))
    except ValueError as error:
        raise WmsError("bad_request", detail=str(error)) from None
    raise WmsError("bad_request", detail="policy must be seed or iso2859")


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
