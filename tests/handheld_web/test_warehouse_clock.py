"""The handheld and the station show times on the warehouse's clock (the server sends its zone with the
user and the station view), not on the device's: a tablet left on Berlin time still shows Shanghai's."""
import pytest

pytestmark = pytest.mark.browser

FORMAT = """async ([zone, moment, lang]) => {
  const i18n = await import("/hh/i18n.js");
  i18n.setLang(lang);
  i18n.setTimeZone(zone);
  return [i18n.when(moment), i18n.when(moment, { timeOnly: true })];
}"""


def test_times_follow_the_warehouses_zone_not_the_devices(chromium, live_server):
    context = chromium.new_context(timezone_id="Europe/Berlin", locale="de-DE")
    try:
        page = context.new_page()
        page.goto(f"{live_server.url}/hh/")
        assert page.evaluate(FORMAT, ["Asia/Shanghai", "2026-03-02T00:30:00Z", "en"]) == ["02/03/2026, 08:30", "08:30"]
        assert page.evaluate(FORMAT, ["Asia/Shanghai", "2026-03-02T00:30:00Z", "zh"])[1] == "08:30"
        # summer time in Berlin: UTC+2
        assert page.evaluate(FORMAT, ["Europe/Berlin", "2026-07-15T12:00:00Z", "en"])[1] == "14:00"
        # a zone the browser does not know: the device's own (Berlin, UTC+1 in March)
        assert page.evaluate(FORMAT, ["Mars/Olympus", "2026-03-02T00:30:00Z", "en"])[1] == "01:30"
    finally:
        context.close()


def test_the_user_carries_the_zone(live_server):
    packer = live_server.session("packer")
    me = packer.get(f"{live_server.url}/api/v1/auth/me", timeout=10).json()
    assert me["user"]["time_zone"] == "Asia/Shanghai"
