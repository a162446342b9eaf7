"""One truth on the patient page: a new lesion's status at every scan (listed, not yet seen, not listed) and
lesions treated locally (ablation, embolization) flagged with the rule, from the procedures list."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from web.test_routes import Sign, patient_id


def _text(fragment: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def _rows(html: str, table: str) -> list[str]:
    """The ``<tr>`` elements (as HTML) of the table with id ``table``."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    return body.split("<tr")[1:]


def _row(html: str, table: str, head: str) -> list[str]:
    """The text of each ``<td>`` of the row whose header starts with ``head`` (the header itself first)."""
    for tr in _rows(html, table):
        th = re.search(r"<th[^>]*>(.*?)</th>", tr, re.S)
        if th is not None and _text(th.group(1)).startswith(head):
            return [_text(th.group(1)), *(_text(td) for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S))]
    raise AssertionError(f"no row {head} in #{table}")


def test_a_new_lesion_keeps_its_status_at_each_later_scan(signed_in: Sign) -> None:
    """spec/response.md: a new lesion is listed at every timepoint it is seen; IT-004's X1 is listed on
    2026-03-02 only, so the two later scans say "not listed" (not a dash) and the baseline "not yet seen"."""
    client = signed_in("viewer")
    html = client.get(f"/patients/{patient_id(client, 'IT-004')}").text
    cells = _row(html, "lesion-table", "X1")
    assert cells[3:] == ["not yet seen", "12", "not listed", "not listed"]


def test_a_new_lesion_listed_again_shows_its_diameter_and_flags(signed_in: Sign) -> None:
    """A new lesion seen at two scans shows both diameters; an equivocal one says so (iRECIST, Seymour et al.,
    Lancet Oncol 2017: equivocal new lesions are followed until they are unequivocal)."""
    client = signed_in("radiologist")
    pid = patient_id(client, "IT-004")
    reply = client.post(
        f"/patients/{pid}/timepoints",
        data={
            "date": "2026-07-06",
            "d_T1": "22",
            "d_T2": "8",
            "new_id_0": "X1",
            "new_organ_0": "lung",
            "new_diameter_0": "14",
            "new_equivocal_0": "on",
            "reason_for_change": "week 24",
        },
        follow_redirects=False,
    )
    assert reply.status_code == 303, reply.text
    cells = _row(client.get(f"/patients/{pid}").text, "lesion-table", "X1")
    assert cells[3:] == ["not yet seen", "12", "not listed", "not listed", "14 (equivocal)"]


def test_an_ablated_lesion_is_flagged_from_its_ablation_with_the_rule(signed_in: Sign) -> None:
    """RECIST 1.1 (Eisenhauer et al. 2009) §3.1: a lesion previously treated locally is usually not measurable
    unless it has progressed. IT-003's T1 was ablated on 2026-01-19, after the 2026-01-12 baseline: the baseline
    cell is not flagged, both follow-ups are; T2 (never ablated) is not flagged at all."""
    client = signed_in("viewer")
    html = client.get(f"/patients/{patient_id(client, 'IT-003')}").text
    t1 = _row(html, "lesion-table", "T1")
    assert "ablated 2026-01-19" in t1[0]
    assert re.search(r'<span class="treated" title="[^"]*§3.1[^"]*">ablated 2026-01-19</span>', html)
    assert ["treated locally" in c for c in t1[3:]] == [False, True, True]
    assert not any("treated locally" in c for c in _row(html, "lesion-table", "T2"))
    rule = re.search(r'<p class="note" id="local-rule">(.*?)</p>', html, re.S)
    assert rule and "§3.1" in rule.group(1)
    # each criterion's timepoint table flags the two follow-ups with the fact and the rule, never the baseline
    rows = [tr for tr in html.split("<tr") if re.match(r"\s*>\s*<td>2026-0[1-3]-\d\d</td><td>", tr)]
    flagged = {re.search(r"<td>(2026-\d\d-\d\d)</td>", tr).group(1) for tr in rows if "treated-flag" in tr}  # type: ignore[union-attr]
    assert flagged == {"2026-02-23", "2026-03-23"}
    assert all("T1 treated locally (ablation) on 2026-01-19" in tr for tr in rows if "treated-flag" in tr)
    assert any("2026-01-12" in tr for tr in rows)


def test_a_patient_without_local_treatment_has_no_flag(signed_in: Sign) -> None:
    client = signed_in("viewer")
    html = client.get(f"/patients/{patient_id(client, 'IT-004')}").text
    assert "treated locally" not in "".join(_row(html, "lesion-table", "T1")) and 'id="local-rule"' not in html
    assert "treated-flag" not in html


def test_each_plot_downloads_as_png_svg_and_pdf(signed_in: Sign) -> None:
    """The cohort page links PNG (300 dpi), SVG and PDF of each plot, and the route serves each format."""
    client = signed_in("viewer")
    html = client.get("/cohort?criteria=irecist").text
    for kind in ("waterfall", "spider", "swimmer"):
        for fmt in ("png", "svg", "pdf"):
            assert f'href="/cohort/plots/{kind}.{fmt}?subset=overall&amp;criteria=irecist" download' in html
    pdf = client.get("/cohort/plots/swimmer.pdf?criteria=irecist")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (
        pdf.content.startswith(b"%PDF-")
        and 'filename="swimmer-overall-page1.pdf"' in pdf.headers["content-disposition"]
    )
    png = client.get("/cohort/plots/waterfall.png")
    assert png.content[:8] == b"\x89PNG\r\n\x1a\n" and png.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(png.content)) as image:  # the pHYs chunk says 300 dpi (matplotlib's default is 100)
        assert [round(d) for d in image.info["dpi"]] == [300, 300]
    svg = client.get("/cohort/plots/spider.svg?subset=injected")
    assert svg.headers["content-type"] == "image/svg+xml" and svg.content.lstrip().startswith(b"<?xml")
    assert 'filename="spider-injected.svg"' in svg.headers["content-disposition"]
    assert client.get("/cohort/plots/waterfall.gif").status_code == 404
    one_page = client.get("/cohort/plots/waterfall.png?page=2")  # only the swimmer plot is paged
    assert one_page.status_code == 404 and "page=2: a waterfall plot has one page" in one_page.text


def test_plot_cache_keys_hold_the_page_and_the_format(signed_in: Sign, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each (page, format) of one state of the data is its own cache entry, drawn once: a key without the page
    would serve page 1 for page 2, a key without the format an SVG for a PDF."""
    from ioguide.plots import response as figures
    from ioguide.services import plot_cache

    monkeypatch.setattr(figures, "SWIMMER_PAGE", 2)
    monkeypatch.setattr(plot_cache, "PLOTS", plot_cache.PlotCache())
    client = signed_in("viewer")
    bodies = {
        (page, fmt): client.get(f"/cohort/plots/swimmer.{fmt}?criteria=irecist&page={page}").content
        for page in (1, 2)
        for fmt in ("svg", "pdf")
    }
    assert plot_cache.PLOTS.misses == 4 and plot_cache.PLOTS.hits == 0
    assert len(set(bodies.values())) == 4
    again = client.get("/cohort/plots/swimmer.pdf?criteria=irecist&page=2").content
    assert again == bodies[(2, "pdf")] and plot_cache.PLOTS.hits == 1 and plot_cache.PLOTS.misses == 4


def test_the_swimmer_plot_pages_with_previous_and_next_links(signed_in: Sign, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two lanes a page: the demo's swimmer lanes spread over pages, each page a different figure (its title says
    which patients of how many), the links step through them and a page past the last is refused."""
    from ioguide.plots import response as figures
    from ioguide.services import plot_cache

    monkeypatch.setattr(figures, "SWIMMER_PAGE", 2)
    plot_cache.PLOTS.clear()
    plot_cache.INPUTS.clear()
    client = signed_in("viewer")
    first = client.get("/cohort?criteria=irecist").text
    lanes = int(re.search(r"swimmer page 1 of (\d+) \((\d+) patients\)", first).group(2))  # type: ignore[union-attr]
    pages = -(-lanes // 2)
    assert pages >= 2
    assert 'href="/cohort?criteria=irecist&amp;subset=overall&amp;swimmer_page=2#plot-swimmer" rel="next"' in first
    assert 'rel="prev">previous 2 patients' not in first
    second = client.get("/cohort?criteria=irecist&swimmer_page=2").text
    assert 'src="/cohort/plots/swimmer.png?subset=overall&amp;criteria=irecist&amp;page=2"' in second
    assert 'swimmer_page=1#plot-swimmer" rel="prev"' in second
    one = client.get("/cohort/plots/swimmer.svg?criteria=irecist&page=1").content
    two = client.get("/cohort/plots/swimmer.svg?criteria=irecist&page=2").content
    assert one != two and f"(page 2 of {pages})".encode() in two  # the cache keys the page
    past = client.get(f"/cohort/plots/swimmer.svg?criteria=irecist&page={pages + 1}")
    assert past.status_code == 404 and f"page={pages + 1}: the swimmer plot of {lanes} patient(s)" in past.text
    past_page = client.get(f"/cohort?criteria=irecist&swimmer_page={pages + 1}")
    assert past_page.status_code == 404 and f"swimmer_page={pages + 1}: the swimmer plot" in past_page.text
    last = client.get(f"/cohort?criteria=irecist&swimmer_page={pages}").text
    assert 'rel="next"' not in last and f'swimmer_page={pages - 1}#plot-swimmer" rel="prev"' in last
    svg = client.get("/cohort/plots/swimmer.svg?criteria=irecist&page=2").content
    assert svg == two and client.get("/cohort/plots/swimmer.pdf?criteria=irecist&page=2").content != two
