"""The supervisor pages' header links only the pages a person may open (docs/security.md, the role table)."""
import re

import pytest
import requests

ALL = ["Day one", "Items", "Orders", "Picking", "Waves", "Work orders", "Receiving", "Returns", "Suppliers", "People",
       "Reports", "Day-end", "Bins", "Layout", "Counts", "Print jobs", "Devices", "Labels", "Packing", "Scans",
       "Telemetry", "Audit", "Handheld"]
# Written out from the role table: what each role's header shows.
EXPECTED = {
    "picker": ["Handheld"],
    "receiver": ["Returns", "Handheld"],
    "packer": ["Returns", "Bins", "Print jobs", "Labels", "Packing", "Handheld"],
    "supervisor": ALL,
    "viewer": ALL,  # looks at every page, changes nothing
}


def header_links(http, url) -> list[tuple[str, str]]:
    html = http.get(f"{url}/sup/sampling", timeout=10).text  # any page: refused or not, it has the header
    nav = re.search(r"<nav>(.*?)</nav>", html, re.S)
    return re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', nav.group(1))


@pytest.mark.parametrize("role", EXPECTED)
def test_the_header_links_the_pages_the_role_may_open_and_each_opens(live_server, role):
    http = live_server.session(role)
    links = header_links(http, live_server.url)
    assert [text for _, text in links] == EXPECTED[role]
    for href, text in links:
        if href.startswith("/sup/"):
            assert http.get(f"{live_server.url}{href}", timeout=10).status_code == 200, text


def test_a_refused_page_leads_a_picker_back_to_the_handheld_and_a_supervisor_to_the_overview(live_server):
    refused = live_server.session("picker").get(f"{live_server.url}/sup/sampling", timeout=10)
    assert refused.status_code == 403 and "Your role (picker) may not do this." in refused.text
    assert 'data-testid="error-back" href="/hh/">← Back</a>' in refused.text
    mistyped = live_server.session("supervisor").get(f"{live_server.url}/sup/sampling?lot_size=x", timeout=10)
    assert mistyped.status_code == 400 and 'data-testid="error-back" href="/sup/">← Back</a>' in mistyped.text


@pytest.mark.parametrize(("role", "lands_on"), [("picker", "/hh/"), ("packer", "/sup/"), ("supervisor", "/sup/")])
def test_logging_in_here_leads_the_floors_roles_to_the_handheld_and_the_rest_to_the_overview(live_server, role,
                                                                                             lands_on):
    http = requests.Session()
    form = http.get(f"{live_server.url}/sup/login", timeout=10).text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = http.post(f"{live_server.url}/sup/login", data={"username": role, "password": "demo", "csrf_token": token},
                       allow_redirects=False, timeout=10)
    assert answer.status_code == 302 and answer.headers["Location"] == lands_on
