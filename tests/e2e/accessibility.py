"""What every portal page must have for people using a screen reader or a keyboard, checked in
the browser on the page as rendered: a title, a language, one h1 and no skipped heading level,
a label for every input, a name for every button and link, and errors the input points to; and
for people on a phone or zoomed in, a page no wider than the screen (WCAG 2.2, 1.4.10 Reflow)."""

import re

from playwright.sync_api import Locator, Page

PROBLEMS_OF_PAGE = """() => {
  const problems = [];
  const named = (el) => (el.getAttribute("aria-label") || el.textContent || "").trim();
  if (!document.title.trim()) problems.push("the page has no title");
  if (!document.documentElement.lang) problems.push("<html> has no lang");
  const levels = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map(
    (h) => Number(h.tagName[1]));
  if (levels.filter((level) => level === 1).length !== 1) {
    problems.push(`one h1 expected, found ${levels.filter((level) => level === 1).length}`);
  }
  if (levels.length && levels[0] !== 1) problems.push(`the first heading is an h${levels[0]}`);
  levels.forEach((level, i) => {
    if (i && level > levels[i - 1] + 1) problems.push(`h${levels[i - 1]} is followed by h${level}`);
  });
  for (const field of document.querySelectorAll("input:not([type=hidden]), select, textarea")) {
    if (!field.labels.length && !field.getAttribute("aria-label")) {
      problems.push(`field ${field.name} has no label`);
    }
    if (field.getAttribute("aria-invalid") === "true" && !field.getAttribute("aria-describedby")) {
      problems.push(`field ${field.name} is invalid but points to no error`);
    }
  }
  for (const field of document.querySelectorAll("[aria-describedby]")) {
    for (const id of field.getAttribute("aria-describedby").split(/\\s+/)) {
      const description = document.getElementById(id);
      if (!description || !description.textContent.trim()) {
        problems.push(`${field.name || field.tagName} is described by #${id}, which is missing or empty`);
      }
    }
  }
  for (const control of document.querySelectorAll("button, a[href]")) {
    if (!named(control)) problems.push(`a ${control.tagName.toLowerCase()} has no name`);
  }
  return problems;
}"""


def assert_accessible(page: Page) -> None:
    problems = page.evaluate(PROBLEMS_OF_PAGE)
    assert problems == [], f"{page.url}: {problems}"
    assert_fits_the_screen(page)


def assert_fits_the_screen(page: Page) -> None:
    """Nothing makes the page scroll sideways: the document is no wider than the window."""
    widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{page.url} is {widths[0]} px wide on a {widths[1]} px screen"


def field(page: Page, label: str) -> Locator:
    """The input a label names, exactly (Django's labels end with a colon)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}:?$"))


def error_of(field: Locator) -> str:
    """The error a field shows: the text of what its aria-describedby names, as a screen reader
    reads it; the field must also be marked invalid."""
    assert field.get_attribute("aria-invalid") == "true", f"{field} is not marked invalid"
    described_by = field.get_attribute("aria-describedby") or ""
    return " ".join(
        field.page.locator(f"#{element_id}").inner_text() for element_id in described_by.split()
    )
