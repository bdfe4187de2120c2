"""The returns desk page as a person uses it (forms posted with their CSRF token, what comes back read as
text): open a case by a shipped parcel's tracking number or as an unknown parcel, find it in the list,
give units their disposition, sign the chain level by level (a skipped level and a second signature by
the same person refused with the reason), cancel a case with a written reason."""
import re

import pytest

from server.db.models import ReturnSignoff, User
from server.extensions import db
from server.local_time import local
from server.services.people.auth import Actor, hash_password
from server.services.returns import return_cases
from tests.server.conftest import log_in_on_the_pages
from tests.server.services.returns.test_return_cases import MUG, TEE, done, ship, unit, w  # noqa: F401  (fixture w)


def desk(app, username: str):
    return log_in_on_the_pages(app.test_client(), username)


def text(page) -> str:
    """The page's words, tags dropped and spaces collapsed, as a reader sees them."""
    body = page.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def flashes(page) -> list[str]:
    return [" ".join(re.sub(r"<[^>]+>", " ", m).split()) for m in
            re.findall(r'<p class="flash [^"]*" data-testid="flash">(.*?)</p>', page.get_data(as_text=True), re.S)]


@pytest.fixture
def manager(w):  # noqa: F811
    boss = User(username="max", name="Max", role="manager", password_hash=hash_password("pw"))
    db.session.add(boss)
    db.session.commit()
    return Actor(boss.id, "max", "Max", "manager")


def test_a_receiver_opens_a_case_from_the_page_by_the_parcels_tracking_number(app, w):  # noqa: F811
    parcel = ship(w)
    client = desk(app, "rex")
    listing = client.get("/sup/returns")
    assert listing.status_code == 200 and "Open a return" in text(listing) and "Unknown parcel" in text(listing)
    page = client.post("/sup/returns/open", data={"code": parcel.tracking, "reason": "size_or_fit"},
                       follow_redirects=True)
    assert flashes(page) == ["Return RMA-000001 opened: inspect its units on the handheld."]
    words = text(page)
    assert "Return RMA-000001" in words and "O-1" in words and parcel.tracking in words
    assert "Size or fit" in words and "size_or_fit" not in words  # the reason in words
    assert "Open" in re.search(r'data-testid="case-status">([^<]+)<', page.get_data(as_text=True)).group(1)
    assert "TEE-BLK-M" in words and "尺码" not in words  # expected back; one language at a time


def test_a_code_that_names_no_shipped_parcel_is_refused_in_words_and_kept_in_the_field(app, w):  # noqa: F811
    client = desk(app, "rex")
    page = client.post("/sup/returns/open", data={"code": "SF404404404", "reason": "defective"},
                       follow_redirects=True)
    assert flashes(page) == ["No shipped order or parcel SF404404404: open it as an unknown parcel to identify later."]
    assert 'value="SF404404404"' in page.get_data(as_text=True)
    client.set_cookie("sup_lang", "zh")
    page = client.post("/sup/returns/open", data={"code": "SF404404404", "reason": "defective"},
                       follow_redirects=True)
    assert flashes(page) == ["没有已发货的订单或包裹 SF404404404：请按未知包裹登记，稍后再识别。"]
    assert return_cases.search_cases()[1] == 0


def test_an_unknown_parcel_is_opened_with_its_note_and_found_by_its_label(app, w):  # noqa: F811
    client = desk(app, "rex")
    page = client.post("/sup/returns/open", data={"code": "YT9988776655", "reason": "other", "unknown": "1",
                                                  "note": "no sender, blue bag"}, follow_redirects=True)
    words = text(page)
    assert flashes(page)[0].startswith("Return RMA-000001 opened")
    assert "unknown parcel" in words and "YT9988776655" in words and "no sender, blue bag" in words
    assert "Unknown parcel: every unit in it is inspected" in words and "Escalated" in words
    found = text(client.get("/sup/returns?q=YT99887"))
    assert "RMA-000001" in found and "unknown parcel" in found
    assert "RMA-000001" not in text(client.get("/sup/returns?q=ZTO1"))
    assert "RMA-000001" not in text(client.get("/sup/returns?status=done"))
    assert "RMA-000001" in text(client.get("/sup/returns?status=open"))


def test_the_list_pages_twenty_five_cases_at_a_time(app, w):  # noqa: F811
    for n in range(27):
        done(return_cases.open_case(f"LBL-{n:03d}", "other", w.receiver, unknown_parcel=True))
    client = desk(app, "sue")
    first = text(client.get("/sup/returns"))
    assert "page 1 / 2" in first and "RMA-000027" in first and "RMA-000002" not in first
    second = text(client.get("/sup/returns?page=2"))
    assert "page 2 / 2" in second and "RMA-000002" in second and "RMA-000001" in second


def test_the_chain_is_signed_level_by_level_from_the_page(app, w, manager):  # noqa: F811
    w.tee.unit_cost_cents = 60_000  # two tees worth 1200.00: the manager's level is needed too
    db.session.commit()
    ship(w, lines=(("TEE-BLK-M", 2),))
    case = done(return_cases.open_case("O-1", "defective", w.receiver))
    unit(case, TEE, "damaged", w.inspector)
    unit(case, TEE, "good", w.inspector)
    inspector = desk(app, "ida")
    page = inspector.get(f"/sup/returns/{case.number}")
    assert "Signing starts once every unit is inspected and has its disposition." in text(page)
    units = [u.id for u in return_cases.units_of(case)]
    page = inspector.post(f"/sup/returns/{case.number}/dispose", data={"unit": units, "disposition": "scrap"},
                          follow_redirects=True)
    assert flashes(page) == ["2 unit(s): Scrap."]
    assert re.findall(r'data-testid="disposition">([^<]+)<', page.get_data(as_text=True)) == ["Scrap", "Scrap"]
    assert "Next: level 1, signed by the role “inspector”." in text(page)
    assert "Sign level 1 as Ida" in text(page)
    page = inspector.post(f"/sup/returns/{case.number}/sign", data={"level": "1"}, follow_redirects=True)
    assert flashes(page) == [f"Level 1 of {case.number} signed by Ida."]

    boss = desk(app, "max")
    page = boss.get(f"/sup/returns/{case.number}")
    words = text(page)
    assert "Next: level 2, signed by the role “supervisor”. Your role is “manager”: you cannot sign it." in words
    assert "Sign level" not in words  # no button for a level this person may not sign
    page = boss.post(f"/sup/returns/{case.number}/sign", data={"level": "3"}, follow_redirects=True)
    assert flashes(page) == [f"Level 2 (supervisor) must sign return {case.number} before level 3: no level may be "
                             "skipped."]

    supervisor = desk(app, "sue")
    page = supervisor.post(f"/sup/returns/{case.number}/sign", data={"level": "2", "note": "scrap ok"},
                           follow_redirects=True)
    assert flashes(page) == [f"Level 2 of {case.number} signed by Sue."]
    page = supervisor.post(f"/sup/returns/{case.number}/sign", data={"level": "3"}, follow_redirects=True)
    assert flashes(page) == [f"Sue already signed level 2 of return {case.number}: another person must sign level 3."]

    page = boss.post(f"/sup/returns/{case.number}/sign", data={"level": "3"}, follow_redirects=True)
    assert flashes(page) == [f"Level 3 of {case.number} signed by Max.",
                             "Every level is signed: the units are on their way (put-away, repair, vendor or scrap)."]
    html = page.get_data(as_text=True)
    signed = {s.level: s for s in db.session.query(ReturnSignoff).filter_by(return_id=case.id)}
    for level, name in ((1, "Ida"), (2, "Sue"), (3, "Max")):
        cell = " ".join(re.sub(r"<[^>]+>", " ", re.search(
            rf'data-testid="signed-{level}">(.*?)</td>', html, re.S).group(1)).split())
        assert cell == f"{name} {local(signed[level].signed_at)}"  # who, and when on the warehouse's clock
    assert 'data-status="done"' in html and 'data-testid="sign"' not in html and 'data-testid="cancel"' not in html


def test_a_case_is_cancelled_from_the_page_with_a_written_reason(app, w):  # noqa: F811
    case = done(return_cases.open_case("LBL-1", "other", w.receiver, unknown_parcel=True))
    client = desk(app, "sue")
    page = client.post(f"/sup/returns/{case.number}/cancel", data={"reason": "  "}, follow_redirects=True)
    assert flashes(page) == [f"Say why return {case.number} is cancelled."]
    page = client.post(f"/sup/returns/{case.number}/cancel", data={"reason": "belongs to the shop next door"},
                       follow_redirects=True)
    assert flashes(page) == [f"Return {case.number} is cancelled."]
    html = page.get_data(as_text=True)
    assert re.search(r'data-status="cancelled" data-testid="case-status">Cancelled<', html)
    assert "belongs to the shop next door" in text(page) and 'data-testid="cancel"' not in html
    page = client.post(f"/sup/returns/{case.number}/cancel", data={"reason": "again"}, follow_redirects=True)
    assert flashes(page) == [f"Return {case.number} is cancelled: its units can no longer change."]


def test_a_packer_may_open_but_not_sign_or_cancel(app, w):  # noqa: F811
    case = done(return_cases.open_case("LBL-2", "other", w.receiver, unknown_parcel=True))
    client = desk(app, "pat")
    assert client.get(f"/sup/returns/{case.number}").status_code == 200
    assert client.post(f"/sup/returns/{case.number}/cancel", data={"reason": "x"}).status_code == 403
    assert client.post(f"/sup/returns/{case.number}/sign", data={"level": "1"}).status_code == 403
    assert return_cases.find_case(case.number).status == "open"
