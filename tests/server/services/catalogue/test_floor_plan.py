"""The floor plan as data: saving it places the bins (aisle order, pitch, bay width) and pick routes walk
its cross aisles — a route between two aisles' far ends takes the middle cross aisle once there is one."""
from sqlalchemy import select

from server.db.models import Bin
from server.domain.routing import route
from server.extensions import db
from server.services.catalogue import bin_master, floor_plan
from server.services.people.auth import Actor
from server.services.picking.waves import FloorMap

ADMIN = Actor(user_id=None, username="admin", name="Admin", role="admin")


def bin_at(code: str) -> Bin:
    return db.session.execute(select(Bin).where(Bin.code == code)).scalar_one()


def test_saving_the_plan_places_bins_and_routes_use_its_cross_aisle(app):
    bin_master.generate("A", "01-04", "01-20", "1", "storage", 50, ADMIN)
    picks = [bin_at("A-01-10-1"), bin_at("A-03-10-1")]  # bay 10: 11.4 m from the front

    def walk() -> float:
        floor = FloorMap()
        return route(floor.layout, [floor.point(b.id, b.code) for b in picks]).length

    one_block = walk()
    placed = floor_plan.save(floor_plan.FloorPlan(aisle_pitch_m=3, bay_width_m=1.2, bays_per_block=10,
                                                  aisles=["A-02", "A-01", "A-03", "A-04"]), ADMIN)
    assert placed > 0
    assert (bin_at("A-02-01-1").x, bin_at("A-01-01-1").x, bin_at("A-03-05-1").x) == (0, 3, 6)
    assert bin_at("A-01-10-1").y == 11.4
    floor = FloorMap()
    assert (floor.layout.blocks, floor.layout.aisle_length) == (2, 12)
    # One block 24 m deep: up A-01 to 11.4 m, over to A-03 through the front (2 × 11.4 beats 2 × 12.6 via the
    # back), back to the depot: 11.4 + 6 + 22.8 + 6 + 11.4.
    assert round(one_block, 1) == 57.6
    # With a cross aisle at 12 m: the depot now stands at A-02 (x 0); A-01 is at 3 m, A-03 at 6 m, and the
    # walk between the picks goes up 0.6 m to the middle cross aisle and down again.
    assert round(walk(), 1) == round(3 + 11.4 + 0.6 + 3 + 0.6 + 11.4 + 6, 1)
    assert walk() < one_block


def test_a_new_bin_stands_where_the_saved_plan_says(app):
    floor_plan.save(floor_plan.FloorPlan(aisle_pitch_m=2.5, bay_width_m=1.0, aisles=["B-01", "A-01"]), ADMIN)
    bin_master.generate("A", "01", "01-02", "1", "storage", 50, ADMIN)
    bin_master.generate("B", "01", "01-02", "1", "storage", 50, ADMIN)
    assert (bin_at("B-01-02-1").x, bin_at("B-01-02-1").y) == (0, 1.5)
    assert (bin_at("A-01-02-1").x, bin_at("A-01-02-1").y) == (2.5, 1.5)


def test_map_cells_count_units_and_blocks_per_bay(app):
    bin_master.generate("C", "01", "01-02", "1-2", "storage", 10, ADMIN)
    bin_master.set_blocked("C-01-02-2", True, "leaking roof", ADMIN)
    cells = {(c.aisle, c.bay): c for c in floor_plan.map_cells(zone="C")}
    assert set(cells) == {("C-01", 1), ("C-01", 2)}
    assert (cells[("C-01", 2)].capacity, cells[("C-01", 2)].blocked, sorted(cells[("C-01", 2)].codes)) == (
        20, 1, ["C-01-02-1", "C-01-02-2"])
