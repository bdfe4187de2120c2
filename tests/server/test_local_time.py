"""Times as people read them: the warehouse's zone from the settings, the database's UTC turned into it."""
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from server import local_time
from server.startup import Refused, check_time_zone

SHANGHAI = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")


def test_a_stored_utc_time_reads_eight_hours_later_in_shanghai():
    stored = datetime(2026, 3, 2, 0, 30)  # the database keeps naive UTC
    assert local_time.local(stored, tz=SHANGHAI) == "2026-03-02 08:30"
    assert local_time.local(datetime(2026, 3, 1, 20, 15), tz=SHANGHAI) == "2026-03-02 04:15"  # the next day there


def test_iso_text_with_or_without_z_is_utc_and_an_offset_is_kept():
    assert local_time.local("2026-11-23T10:00:00Z", tz=SHANGHAI) == "2026-11-23 18:00"
    assert local_time.local("2026-11-23T10:00:00", tz=SHANGHAI) == "2026-11-23 18:00"
    assert local_time.local("2026-11-23T18:00:00+08:00", tz=BERLIN) == "2026-11-23 11:00"
    assert local_time.local_iso(datetime(2026, 11, 23, 10, 0), tz=SHANGHAI) == "2026-11-23T18:00:00+08:00"


def test_berlin_follows_summer_time():
    assert local_time.local(datetime(2026, 1, 15, 12, 0), tz=BERLIN) == "2026-01-15 13:00"  # CET, UTC+1
    assert local_time.local(datetime(2026, 7, 15, 12, 0), tz=BERLIN) == "2026-07-15 14:00"  # CEST, UTC+2
    # the clocks go forward at 01:00 UTC on 29 March 2026: 02:00–03:00 never happens there
    assert local_time.local(datetime(2026, 3, 29, 0, 59), "%H:%M %Z", tz=BERLIN) == "01:59 CET"
    assert local_time.local(datetime(2026, 3, 29, 1, 0), "%H:%M %Z", tz=BERLIN) == "03:00 CEST"
    # and back at 01:00 UTC on 25 October: 02:30 happens twice, told apart by the zone's name
    assert local_time.local(datetime(2026, 10, 25, 0, 30), "%H:%M %Z", tz=BERLIN) == "02:30 CEST"
    assert local_time.local(datetime(2026, 10, 25, 1, 30), "%H:%M %Z", tz=BERLIN) == "02:30 CET"


def test_an_aware_time_is_converted_and_nothing_is_empty():
    assert local_time.local(datetime(2026, 3, 2, 0, 30, tzinfo=UTC), tz=BERLIN) == "2026-03-02 01:30"
    assert local_time.local(None) == "" and local_time.local_iso("") == ""


def test_the_zone_comes_from_the_settings_and_shanghai_when_unset():
    assert local_time.zone_name({"warehouse": {"time_zone": "Europe/Berlin"}}) == "Europe/Berlin"
    assert local_time.zone_name({}) == "Asia/Shanghai"


def test_a_zone_the_machine_does_not_know_refuses_to_start():
    with pytest.raises(Refused) as refused:
        check_time_zone({"warehouse": {"time_zone": "Asia/Shang-hai"}})
    assert "Asia/Shang-hai" in refused.value.en and "时区" in refused.value.zh
    check_time_zone({"warehouse": {"time_zone": "Europe/Berlin"}})
