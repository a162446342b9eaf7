"""Accessibility checks in the browser (issue 5, "Accessibility"): every input has a label, text contrast meets
WCAG 2.1 AA (4.5:1, 3:1 for large text), and the main forms work from the keyboard alone."""

from __future__ import annotations

import re
from typing import Any

import pytest

pytestmark = pytest.mark.browser

#: WCAG 2.1 relative luminance and contrast ratio, computed in the page on the rendered colours.
CONTRAST_SCRIPT = """
() => {
  const parse = c => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = el => {
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const bad = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.offsetParent) continue;
    const style = getComputedStyle(el);
    const fg = parse(style.color).slice(0, 3), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const needed = (size >= 24 || (size >= 18.66 && bold)) ? 3 : 4.5;
    if (ratio < needed) bad.push(`${el.tagName} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)}`);
  }
  return bad;
}
"""
UNLABELLED_SCRIPT = """
() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea')]
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id)
"""


def test_labels_and_contrast_on_the_main_pages(new_page: Any) -> None:
    page = new_page("radiologist")
    page.goto("/cohort")
    patient = page.get_by_role("link", name="IT-001", exact=True).get_attribute("href")
    for path in ("/cohort", patient, f"{patient}/toxicity/crs", f"{patient}/toxicity/icans", f"{patient}/plan"):
        page.goto(path)
        page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
        assert page.evaluate(UNLABELLED_SCRIPT) == [], path
        assert page.evaluate(CONTRAST_SCRIPT) == [], path
    page.goto("/login")
    assert page.evaluate(UNLABELLED_SCRIPT) == []
    # the checks do catch a defect (the colour set through the CSSOM: the CSP refuses inline style attributes)
    page.evaluate(
        "document.querySelector('main').insertAdjacentHTML('beforeend', '<p id=faint>faint</p><input name=bare>');"
        "document.getElementById('faint').style.color = '#aaa'"
    )
    assert page.evaluate(CONTRAST_SCRIPT) == ['P "faint" 2.32']
    assert page.evaluate(UNLABELLED_SCRIPT) == ["bare"]


def test_sign_in_and_grade_crs_with_the_keyboard_only(new_page: Any) -> None:
    page = new_page()
    page.goto("/login")
    page.keyboard.type("coordinator")  # the user name field has the focus
    page.keyboard.press("Tab")
    page.keyboard.type("coordinator-demo-pass")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cohort")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.get_by_role("link", name="IT-005", exact=True).focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/patients/\d+$"))
    page.get_by_role("link", name="Record CRS").focus()
    page.keyboard.press("Enter")
    page.get_by_label("Highest temperature (°C)").focus()
    page.keyboard.type("38.7")
    page.keyboard.press("Tab")  # fever masked
    page.keyboard.press("Tab")  # hypotension
    assert page.evaluate("document.activeElement.id") == "t-hypo"
    page.keyboard.press("ArrowDown")  # responds to fluids: grade 2
    page.locator("#grade-preview .grade.g2").wait_for()
