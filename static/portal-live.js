// Keeps the parts of a page marked data-live-url current without a reload: every few seconds it
// asks that URL (customer_quantum/views/live.py) for the part's HTML and swaps it in when it
// differs, until the answer says the part is final. Without JavaScript the page is whole as served;
// while the tab is hidden it asks nothing.
"use strict";

const LIVE_INTERVAL_MS = 4000;

function followLivePart(part) {
  let timer = null;
  let asking = false;
  let finished = false;

  const schedule = () => {
    if (!finished && !document.hidden && !asking && timer === null) {
      timer = setTimeout(refresh, LIVE_INTERVAL_MS);
    }
  };

  async function refresh() {
    timer = null;
    asking = true;
    try {
      // Not followed: a redirect (to the login page) means the session ended; it is not ok.
      const response = await fetch(part.dataset.liveUrl, {
        headers: { Accept: "application/json" },
        redirect: "manual",
        cache: "no-store",
      });
      if (response.ok) {
        show(await response.json());
      } else {
        finished = true; // signed out, or not this customer's any more: the page stays as it is
      }
    } catch {
      // The network or the server is away for now: ask again at the next turn.
    } finally {
      asking = false;
      schedule();
    }
  }

  function show(update) {
    // Both sides serialized by the browser, so equal content compares equal and an unchanged
    // part is left alone: a screen reader announces only a real change.
    const fresh = document.createElement("template");
    fresh.innerHTML = update.html;
    if (fresh.innerHTML !== part.innerHTML) part.replaceChildren(fresh.content);
    finished = update.final;
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else if (!finished && !asking && timer === null) {
      refresh(); // back to the tab: show what changed meanwhile at once
    }
  });
  schedule();
}

document.querySelectorAll("[data-live-url]").forEach(followLivePart);
