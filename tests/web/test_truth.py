"""One truth on the patient page: a new lesion's status at every scan (listed, not yet seen, not listed) and
lesions treated locally (ablation, embolization) flagged with the rule, from the procedures list."""

from __future__ import annotations

import re

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
