// Results as you type, and the keyboard shortcuts of every page.
//
// The server renders every page; this script only fetches the same results page the form
// would load and swaps its <main>, so what is on screen is always what the URL in the
// address bar gives on reload, and every page works without JavaScript.
//
// History: the first update of a burst of typing pushes one entry (the page the user was on
// stays reachable with Back); later updates of the same burst replace it. Enter ends the
// burst, so the next burst gets its own entry.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var box = document.getElementById("q");
  var main = document.getElementById("main");
  var announcer = document.getElementById("announce");
  if (!box || !main || !window.fetch || !window.history.pushState) return;
  var form = box.form;

  var timer = 0;
  var inFlight = null;
  var burstEntry = false; // the current history entry was pushed by an unfinished burst of typing
  var composing = false; // an input method (pinyin, wubi…) is still composing

  function resultsUrl(q) {
    var url = new URL(form.action, location.href);
    url.searchParams.set("q", q);
    return url.href;
  }

  function queryOf(href) {
    var url = new URL(href);
    return url.pathname === new URL(form.action, location.href).pathname
      ? url.searchParams.get("q") || "" : null;
  }

  function announce() {
    var count = main.querySelector("#result-count, .error .message, .empty");
    announcer.textContent = count ? count.textContent.replace(/\s+/g, " ").trim() : "";
  }

  function record(href, how) {
    if (how === "none") return;
    var replace = how === "type" ? burstEntry : burstEntry || href === location.href;
    if (replace) history.replaceState({ swapped: true }, "", href);
    else history.pushState({ swapped: true }, "", href);
    burstEntry = how === "type";
  }

  // Fetch `href`, put its <main> on screen, and record it in history: `how` is "type" (as you
  // type), "enter" (a search the user asked for) or "none" (Back/Forward). The decision is made
  // when the page arrives, because an aborted request must not have touched history.
  // Falls back to a plain page load on any failure.
  function show(href, how) {
    if (inFlight) inFlight.abort();
    var controller = new AbortController();
    inFlight = controller;
    main.setAttribute("aria-busy", "true");
    return fetch(href, { signal: controller.signal, headers: { Accept: "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        var fresh = page.getElementById("main");
        if (!fresh) throw new Error("no <main> in " + href);
        record(href, how);
        main.innerHTML = fresh.innerHTML;
        document.title = page.title;
        var alt = document.querySelector('link[rel="alternate"]');
        var freshAlt = page.querySelector('link[rel="alternate"]');
        if (alt && freshAlt) alt.href = freshAlt.getAttribute("href");
        main.removeAttribute("aria-busy");
        announce();
      })
      .catch(function (err) {
        if (err.name === "AbortError") return;
        location.assign(href);
      })
      .finally(function () {
        if (inFlight === controller) inFlight = null;
      });
  }

  function searchAsYouType() {
    clearTimeout(timer);
    var q = box.value;
    if (!q.trim() || q === queryOf(location.href)) return;
    show(resultsUrl(q), "type");
  }

  box.addEventListener("compositionstart", function () { composing = true; });
  box.addEventListener("compositionend", function () {
    composing = false;
    clearTimeout(timer);
    timer = setTimeout(searchAsYouType, DEBOUNCE_MS);
  });
  box.addEventListener("input", function (event) {
    if (composing || event.isComposing) return;
    clearTimeout(timer);
    timer = setTimeout(searchAsYouType, DEBOUNCE_MS);
  });

  form.addEventListener("submit", function (event) {
    var q = box.value;
    if (!q.trim()) return; // let the server say what an empty query means
    event.preventDefault();
    clearTimeout(timer);
    show(resultsUrl(q), "enter");
  });

  window.addEventListener("popstate", function () {
    burstEntry = false;
    clearTimeout(timer);
    var q = queryOf(location.href);
    box.value = q === null ? "" : q;
    show(location.href, "none");
  });

  // --- keyboard ---------------------------------------------------------------------------

  function hitLinks() {
    return Array.prototype.slice.call(main.querySelectorAll("li.hit .hit-title a"));
  }

  function moveHit(step) {
    var links = hitLinks();
    if (!links.length) return false;
    var at = links.indexOf(document.activeElement);
    if (at === 0 && step < 0) {
      box.focus();
      return true;
    }
    var next = at < 0 ? (step > 0 ? 0 : links.length - 1)
      : Math.min(links.length - 1, Math.max(0, at + step));
    links[next].focus();
    links[next].closest("li.hit").scrollIntoView({ block: "nearest" });
    return true;
  }

  function isEditable(el) {
    return el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    if (event.isComposing) return;
    var target = event.target;
    if (target === box) {
      if (event.key === "Escape") {
        event.preventDefault();
        if (box.value) box.value = ""; else box.blur();
        clearTimeout(timer);
      } else if (event.key === "ArrowDown" && moveHit(1)) {
        event.preventDefault();
      }
      return;
    }
    if (isEditable(target)) return;
    var handled = false;
    switch (event.key) {
      case "/":
        box.focus();
        box.select();
        handled = true;
        break;
      case "j":
      case "ArrowDown":
        handled = moveHit(1);
        break;
      case "k":
      case "ArrowUp":
        handled = moveHit(-1);
        break;
    }
    if (handled) event.preventDefault();
  });
})();
