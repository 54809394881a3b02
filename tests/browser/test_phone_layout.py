"""Pages read well on a small phone (360 x 740 px), in Thai.

- The detail pages (device, request, person, work order, donor, loan, and the device's history
  and scan page) give their values room: no sideways scrolling, the facts' values at least
  half the width of the page, and an asset tag or a code (BS-BED-00011, L-000003, a phone
  number) on one line whenever it fits on one.
- Thai text breaks only between words. Thai has no spaces: the browser finds the words with
  its dictionary, and a CSS rule such as ``overflow-wrap: anywhere`` or ``word-break:
  break-all`` on a container breaks them anywhere ("สม|หญิง", "เร่ง|ด่วน"). The check measures
  where each line starts (a Range over each character) and asks Chromium's own
  ``Intl.Segmenter('th', {granularity: 'word'})`` whether that is a word boundary. Only tags
  and codes may break anywhere.

Screenshots of the pages go to ``$SCREENSHOT_DIR`` (default: a temporary folder) for a person to look at.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

PHONE_360 = {"width": 360, "height": 740}
SHOTS = Path(os.environ.get("SCREENSHOT_DIR") or tempfile.gettempdir()) / "phone-360"

# (name, endpoint, user, arguments from the demo data)
DETAIL_PAGES = [
    ("loan", "loans.loan_view", "staff", lambda d: {"loan_id": d.open_loan_id}),
    ("loan-closed", "loans.loan_view", "staff", lambda d: {"loan_id": d.closed_loan_id}),
    ("device", "devices.device_view", "staff", lambda d: {"tag": d.tags["on_loan"]}),
    ("device-history", "devices.device_history", "staff", lambda d: {"tag": d.order_tag}),
    ("request", "requests.request_view", "staff", lambda d: {"request_id": d.requests["delivered"]}),
    ("person", "people.person_view", "staff", lambda d: {"person_id": d.person_id}),
    ("work-order", "maintenance.order_view", "maintenance", lambda d: {"order_id": d.open_order_id}),
    ("donor", "fund.donor_view", "treasurer", lambda d: {"donor_id": d.donor_id}),
    ("scan", "devices.scan", "staff", lambda d: {"tag": d.tags["on_loan"]}),
]
MAIN_PAGES = [
    ("board", "requests.board", "staff", lambda d: {}),
    ("approvals", "requests.approvals", "supervisor", lambda d: {}),
    ("waitlist", "requests.waitlist", "staff", lambda d: {}),
    ("follow-ups", "loans.due", "staff", lambda d: {}),
    ("loan", "loans.loan_view", "staff", lambda d: {"loan_id": d.open_loan_id}),
    ("person", "people.person_view", "staff", lambda d: {"person_id": d.person_id}),
    ("device", "devices.device_view", "staff", lambda d: {"tag": d.tags["on_loan"]}),
    ("scan", "devices.scan", "staff", lambda d: {"tag": d.tags["on_loan"]}),
    ("scan-public", "devices.scan", None, lambda d: {"tag": d.tags["available"]}),
    ("fund-books", "fund.books", "treasurer", lambda d: {}),
    ("fund-journal", "fund.journal", "treasurer", lambda d: {}),
    ("donor", "fund.donor_view", "treasurer", lambda d: {"donor_id": d.donor_id}),
]

# Each place where a line of Thai text starts inside a word: [{where, context}], "|" marking the break.
THAI_BREAKS_INSIDE_WORDS = """() => {
  const THAI = /[\\u0E00-\\u0E7F]/;
  const words = new Intl.Segmenter("th", {granularity: "word"});
  const graphemes = new Intl.Segmenter("th", {granularity: "grapheme"});
  const found = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT, {acceptNode: (node) =>
    THAI.test(node.data) && !node.parentElement.closest('.tag, .code, a[href^="tel:"], script, style, title')
      ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_REJECT});
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.data;
    const boundaries = new Set([0, text.length]);
    for (const word of words.segment(text)) boundaries.add(word.index);
    let last = null;  // the previous character drawn: its line's top and height, where it ends
    for (const g of graphemes.segment(text)) {
      if (/^\\s+$/.test(g.segment)) continue;
      range.setStart(node, g.index);
      range.setEnd(node, g.index + g.segment.length);
      const rect = range.getClientRects()[0];
      if (!rect || (rect.width === 0 && rect.height === 0)) continue;  // not drawn
      if (last && rect.top > last.top + Math.max(last.height, rect.height) / 2) {
        // A new line starts at g.index. Between words (a space, or a boundary the segmenter
        // sees) is fine; inside a word that has Thai on either side is not.
        const spaced = /\\s/.test(text.slice(last.end, g.index));
        const thai = THAI.test(text.slice(last.end - 1, last.end)) || THAI.test(g.segment);
        if (!spaced && thai && !boundaries.has(g.index)) {
          const el = node.parentElement;
          found.push({where: el.tagName.toLowerCase() + (el.className ? "." + el.className.replace(/ /g, ".") : ""),
                      context: text.slice(Math.max(0, g.index - 15), g.index) + "|"
                               + text.slice(g.index, g.index + 15)});
        }
      }
      last = {top: rect.top, height: rect.height, end: g.index + g.segment.length};
    }
  }
  return found;
}"""

# Tags and codes drawn on more than one line although their box would hold them on one.
BROKEN_CODES = """() => Array.from(document.querySelectorAll('main .tag, main .code, a[href^="tel:"]'))
  .filter((el) => el.getClientRects().length > 0)
  .map((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const tops = new Set(Array.from(range.getClientRects()).filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    // The widest it could be: its parent block's content box.
    let block = el.parentElement;
    while (block && getComputedStyle(block).display.startsWith("inline")) block = block.parentElement;
    const style = getComputedStyle(block);
    const room = block.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    const probe = el.cloneNode(true);
    probe.style.cssText = "position:absolute;visibility:hidden;white-space:nowrap;width:max-content;max-width:none";
    block.append(probe);
    const needed = probe.getBoundingClientRect().width;
    probe.remove();
    return {text: el.textContent.trim(), lines: tops.size, needed: Math.ceil(needed), room: Math.floor(room)};
  })
  .filter((c) => c.lines > 1 && c.needed <= c.room)"""

# Values of definition lists squeezed beside their labels: narrower than half the main column.
SQUEEZED_FACTS = """() => {
  const main = document.querySelector("main").getBoundingClientRect().width;
  return Array.from(document.querySelectorAll("main dl dd")).filter((dd) => dd.getClientRects().length)
    .map((dd) => ({text: dd.innerText.slice(0, 40), width: Math.round(dd.getBoundingClientRect().width)}))
    .filter((dd) => dd.width < main / 2);
}"""

SIDEWAYS = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def add_css(page, rule: str) -> None:
    """Add a rule through the CSSOM (the page's CSP refuses a <style> element)."""
    page.evaluate("(rule) => { const s = document.styleSheets;"
                  " s[s.length - 1].insertRule(rule, s[s.length - 1].cssRules.length); }", rule)


def open_page(new_page, live_server, endpoint, user, values):
    page = new_page(PHONE_360, user=user, lang="th", shared=True)
    url = live_server.url_for(endpoint, **values(live_server.demo))
    response = page.goto(url)
    assert response.status == 200, url
    assert page.locator("html").get_attribute("lang") == "th"
    return page


@pytest.mark.parametrize("name, endpoint, user, values", DETAIL_PAGES, ids=[p[0] for p in DETAIL_PAGES])
def test_detail_pages_give_their_values_room_at_360px(name, endpoint, user, values, new_page, live_server):
    page = open_page(new_page, live_server, endpoint, user, values)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    assert page.evaluate(SIDEWAYS) <= 0, f"{name} scrolls sideways at 360 px"
    assert not page.evaluate(SQUEEZED_FACTS), f"{name}: values squeezed beside their labels"
    assert page.locator("main .tag, main .code").count() > 0 or name == "person"
    broken = page.evaluate(BROKEN_CODES)
    assert not broken, f"{name}: tags or codes broken although they fit on a line: {broken}"


@pytest.mark.parametrize("name, endpoint, user, values", MAIN_PAGES, ids=[p[0] for p in MAIN_PAGES])
def test_thai_lines_break_only_between_words_at_360px(name, endpoint, user, values, new_page, live_server):
    page = open_page(new_page, live_server, endpoint, user, values)
    found = page.evaluate(THAI_BREAKS_INSIDE_WORDS)
    assert not found, f"{name}: Thai broken inside words at 360 px:\n  " + "\n  ".join(
        f"{f['where']}: {f['context']}" for f in found)


def test_the_checks_can_fail(new_page, live_server):
    """Against the rules that caused the trouble, each check finds it."""
    page = open_page(new_page, live_server, "loans.loan_view", "staff", lambda d: {"loan_id": d.open_loan_id})
    assert page.evaluate(THAI_BREAKS_INSIDE_WORDS) == []
    assert page.evaluate(BROKEN_CODES) == [] and page.evaluate(SQUEEZED_FACTS) == []

    add_css(page, "main * { word-break: break-all !important; }")
    found = page.evaluate(THAI_BREAKS_INSIDE_WORDS)
    assert len(found) >= 3, found

    # What the loan page did: values squeezed beside a long label, broken anywhere.
    page.reload()
    add_css(page, "main .facts { grid-template-columns: max-content 1fr !important; }")
    add_css(page, "main .facts dd { overflow-wrap: anywhere !important; }")
    assert page.evaluate(SQUEEZED_FACTS)
    add_css(page, "main .facts { grid-template-columns: 86% minmax(0, 1fr) !important; }")  # a longer label
    assert page.evaluate(THAI_BREAKS_INSIDE_WORDS)

    # A tag that starts late on a line and may break at its hyphens (or anywhere).
    page.reload()
    add_css(page, "main .tag { display: inline !important; width: auto !important; word-break: break-all !important; }")
    page.locator("main dl.facts dd").first.evaluate("dd => dd.prepend('อุปกรณ์ที่ส่งมอบถึงบ้านผู้ป่วยแล้วคือ ')")
    broken = page.evaluate(BROKEN_CODES)
    assert broken and broken[0]["text"].startswith("BS-"), broken
