"""The sampling plan and OC endpoints our acceptance checks use."""
import pytest


@pytest.fixture
def http(live_server):
    return live_server.session("supervisor")


def get(live_server, http, path, **params):
    return http.get(f"{live_server.url}/api/v1/sampling/{path}", params=params, timeout=10)


def test_the_seed_plan_for_a_lot_of_1000_samples_100_then_300(live_server, http):
    plan = get(live_server, http, "plan", policy="seed", lot_size=1000).json()
    assert (plan["policy"], plan["first_sample"], plan["widened_sample"], plan["reject_over_fraction"]) == (
        "seed", 100, 300, 0.3)
    assert get(live_server, http, "plan", policy="seed", lot_size=7).json()["first_sample"] == 1
    returned = get(live_server, http, "plan", policy="seed", lot_size=40, returned=1).json()
    assert returned["first_sample"] == 40


def test_a_supplier_without_history_gets_the_base_rate(live_server, http):
    plan = get(live_server, http, "plan", policy="seed", lot_size=500, supplier="SUP-SZ").json()
    assert plan["rate"] == 0.10 and plan["first_sample"] == 50


def test_the_iso_plan_for_1000_at_aql_1_level_ii_is_j_80_ac_2(live_server, http):
    plan = get(live_server, http, "plan", policy="iso2859", lot_size=1000, aql=1.0, level="II").json()
    assert (plan["code_letter"], plan["n"], plan["ac"], plan["re"]) == ("J", 80, 2, 3)
    arrow = get(live_server, http, "plan", policy="iso2859", lot_size=200, aql=1.0, level="II").json()
    assert (arrow["code_letter"], arrow["plan_letter"], arrow["n"], arrow["ac"]) == ("G", "H", 50, 1)
    tightened = get(live_server, http, "plan", policy="iso2859", lot_size=1000, aql=2.5, state="tightened").json()
    assert (tightened["n"], tightened["ac"], tightened["re"]) == (80, 3, 4)


def test_the_oc_curve_shows_what_the_seed_rule_really_protects(live_server, http):
    oc = get(live_server, http, "oc", policy="seed", lot_size=1000).json()
    ps = [point["p"] for point in oc["points"]]
    assert ps[0] == 0.0 and ps[-1] == 1.0 and max(b - a for a, b in zip(ps, ps[1:], strict=False)) <= 0.005 + 1e-9
    at = {round(point["p"], 3): point["pa"] for point in oc["points"]}
    assert at[0.2] > 0.99 and 0.30 < oc["lq10"] < 0.36
    assert "20" in oc["summary"]["en"] and oc["summary"]["zh"]
    iso = get(live_server, http, "oc", policy="iso2859", lot_size=1000, aql=1.0).json()
    assert 0.06 < iso["lq10"] < 0.07 and len(iso["expected_inspected"]) == len(iso["points"])


@pytest.mark.parametrize("params", [
    {"policy": "seed"}, {"policy": "seed", "lot_size": "zero"}, {"policy": "seed", "lot_size": 0},
    {"policy": "iso2859", "lot_size": 100, "aql": 0.3}, {"policy": "iso2859", "lot_size": 100, "aql": 1, "level": "IV"},
    {"policy": "guess", "lot_size": 100}, {"policy": "seed", "lot_size": 100, "supplier": "SUP-NOPE"},
])
def test_bad_sampling_questions_get_clear_errors(live_server, http, params):
    answer = get(live_server, http, "plan", **params)
    assert answer.status_code in (400, 404)
    assert answer.json()["error"]["code"] in ("bad_request", "not_found")


def test_a_refused_plan_reads_whole_in_each_language(live_server, http):
    """The standard's refusal (an AQL it does not list) and a typing mistake, each said in Chinese too."""
    refused = get(live_server, http, "plan", policy="iso2859", lot_size=1000, aql=3.0, level="II")
    assert refused.status_code == 400
    message = refused.json()["error"]["message"]
    assert message["en"].startswith("The request is incomplete: AQL 3.0 is not one of the standard's AQLs")
    assert message["zh"].startswith("请求不完整：AQL 3.0 不是标准规定的 AQL 值（0.01、0.015、")
    typed = get(live_server, http, "plan", policy="seed", lot_size="ten").json()["error"]["message"]
    assert typed == {"en": "The request is incomplete: lot_size must be a whole number.",
                     "zh": "请求不完整：lot_size 须为整数。"}
