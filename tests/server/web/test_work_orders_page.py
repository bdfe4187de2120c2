"""The work orders page: a supervisor orders a gift set assembled with the form, sees its pick steps, and
cancels it with a reason; statuses in words, in the reader's language."""
import re

from server.extensions import db, writes_too
from server.services.catalogue import kits
from server.services.people.auth import Actor
from tests.server.conftest import log_in_on_the_pages


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_a_supervisor_makes_a_work_order_on_the_page_and_cancels_it(app, tiny_warehouse):
    w = tiny_warehouse
    kits.define("GIFT-SET", [kits.Component("TEE-BLK-M", 1), kits.Component("MUG-WHT", 1)],
                Actor(w.supervisor.user_id, "sue", "Sue", "manager"), name_zh="礼盒", name_en="Gift set")
    db.session.commit()
    client = log_in_on_the_pages(app.test_client(), "sue")
    writes_too()  # the fixture's app context outlives the log-in's page reads (read-only connection)
    assert 'data-testid="new-work-order"' in client.get("/sup/work-orders").get_data(as_text=True)

    short = client.post("/sup/work-orders", data={"kind": "assemble", "sku": "GIFT-SET", "qty": "3"},
                        follow_redirects=True).get_data(as_text=True)
    assert "Not enough stock to assemble 3 × GIFT-SET: TEE-BLK-M short 0" not in short
    assert "MUG-WHT short 2" in text(short)

    page = client.post("/sup/work-orders", data={"kind": "assemble", "sku": "GIFT-SET", "qty": "1"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Work order WO-000001 made" in page
    assert "Open" in text(page.split('data-testid="work-order-status"')[1].split("</h1>")[0])
    picks = text(page.split('data-testid="steps-pick"')[1].split("</table>")[0])
    assert "A-01-01-1 TEE-BLK-M T-shirt L1 0 / 1" in picks and "A-01-01-1 MUG-WHT Mug L2 0 / 1" in picks

    listed = client.get("/sup/work-orders").get_data(as_text=True)
    assert 'data-work-order="WO-000001" data-status="open"' in listed

    done = client.post("/sup/work-orders/WO-000001/cancel", data={"reason": "礼盒未到"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Work order WO-000001 cancelled." in done
    assert "礼盒未到" in text(done.split('data-testid="cancellation"')[1].split("</section>")[0])
    assert 'data-testid="cancel-form"' not in done
    client.set_cookie("sup_lang", "zh")
    assert "取消" in text(client.get("/sup/work-orders").get_data(as_text=True).split('data-work-order="WO-000001"')[1]
                        .split("</tr>")[0])
