// Results as you type, and the keyboard shortcuts of every page.
//
// The server renders every page; this script only fetches the same results page the form
// would load and swaps its <main>, so what is on screen is always what the URL in the
// address bar gives on reload, and every page works without JavaScript.
//
// History: the first update of a burst of typing pushes one entry (the page the user was on
// stays reachable with Back); later updates of the same burst replace it. Enter, or a pause
// of BURST_IDLE_MS, ends the burst, so the next one gets its own entry.
(function () {
  "use strict";

  var DEBOUNCE_MS = 250;
  var BURST_IDLE_MS = 2000;
  var box = document.getElementById("q");
  var main = document.getElementById("main");
  var announcer = document.getElementById("announce");
  if (!box || !main || !window.fetch || !window.history.pushState) return;
  var form = box.form;

  var timer = 0;
  var composing = false;
  var inFlight = null;
  var burstEntry = false; // the current history entry was pushed by an unfinished burst of typing
  var lastTyped = 0;      // when the burst last updated the page (ms)
  var shown = withoutHash(location.href); // the page whose <main> is on screen

  function withoutHash(href) {
    return href.split("#")[0];
  }

  // The form's own fields besides the box: a filtered page's filter (hidden fields in <main>,
  // tied to the form by its id) rides along, as it does when the form is submitted.
  // A pasted text longer than the server searches is sent cut to one character more than it
  // searches, so the server cuts it as it would have and says so: whole, a long text made an
  // address past the server's 64 KB limit, answered with a bare 431 page (breaker).
  var maxChars = parseInt(box.getAttribute("data-max-chars"), 10) || 0;

  function resultsUrl(q) {
    var url = new URL(form.action, location.href);
    // control characters as the server reads them (params.clean_query): those between words
    // as a space, the others dropped, before counting
    q = q.replace(/[\t\n\v\f\r\x1c-\x1f\x85]/g, " ").replace(/[\x00-\x08\x0e-\x1b\x7f-\x9f]/g, "");
    var chars = Array.from(q);  // characters, as the server counts them, not UTF-16 units
    if (maxChars && chars.length > maxChars + 1) q = chars.slice(0, maxChars + 1).join("");
    url.searchParams.set("q", q);
    Array.prototype.forEach.call(form.elements, function (field) {
      if (field.type === "hidden" && field.name) url.searchParams.set(field.name, field.value);
    });
    return url.href;
  }

  function queryOf(href) {
    var url = new URL(href);
    return url.pathname === new URL(form.action, location.href).pathname
      ? url.searchParams.get("q") || "" : null;
  }

  function announce(text) {
    if (text === undefined) {
      var count = main.querySelector("#result-count, .error .message, .empty");
      text = count ? count.textContent : "";
    }
    announcer.textContent = text.replace(/\s+/g, " ").trim();
  }

  // A short message above the results that the next update removes (a query that cannot be
  // searched yet while typing, the server out of reach).
  function notice(text) {
    var old = main.querySelector(".typing-notice");
    if (old) old.remove();
    if (!text) return;
    var p = document.createElement("p");
    p.className = "note typing-notice";
    p.setAttribute("role", "status");
    p.textContent = text;
    main.prepend(p);
  }

  // Copy the parts of `page` that belong to the shown results: <main>, title, the JSON
  // alternate link and the footer (which links the JSON twin).
  function adopt(page) {
    main.innerHTML = page.getElementById("main").innerHTML;
    document.title = page.title;
    var alt = document.querySelector('link[rel="alternate"]');
    var freshAlt = page.querySelector('link[rel="alternate"]');
    if (alt) alt.remove();
    if (freshAlt) document.head.appendChild(document.importNode(freshAlt, true));
    var foot = document.querySelector("footer");
    var freshFoot = page.querySelector("footer");
    if (foot && freshFoot) foot.innerHTML = freshFoot.innerHTML;
  }

  function record(href, how) {
    if (how === "none") return;
    // a pause ends the burst whatever comes next: a search asked for after it gets its own
    // entry rather than taking the burst's
    if (Date.now() - lastTyped > BURST_IDLE_MS) burstEntry = false;
    // the address on screen again (a long paste typed on past the cut) never adds an entry
    var replace = burstEntry || href === location.href;
    if (replace) history.replaceState({ swapped: true }, "", href);
    else history.pushState({ swapped: true }, "", href);
    burstEntry = how === "type";
  }

  // Fetch `href`, put its <main> on screen, and record it in history: `how` is "type" (as you
  // type), "enter" (a search the user asked for) or "none" (Back/Forward). The decision is made
  // when the page arrives, because an aborted request must not have touched history.
  // While typing, a query the server refuses (an unfinished "-word", say) leaves the results
  // as they are and says why; the same query with Enter shows the error page.
  function show(href, how) {
    if (inFlight) inFlight.abort();
    var controller = new AbortController();
    inFlight = controller;
    main.setAttribute("aria-busy", "true");
    var ok = true;
    return fetch(href, { signal: controller.signal, headers: { Accept: "text/html" } })
      .then(function (response) {
        ok = response.ok;
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        if (!page.getElementById("main")) throw new Error("no <main> in " + href);
        if (!ok && how === "type") {
          var message = page.querySelector(".error .message");
          notice(message ? message.textContent : "");
          announce(message ? message.textContent : "");
          return;
        }
        record(href, how);
        if (how === "type") lastTyped = Date.now();
        adopt(page);
        shown = withoutHash(href);
        announce();
      })
      .catch(function (err) {
        if (err.name === "AbortError") return;
        if (err instanceof TypeError) {
          // the server is out of reach: stay, keep what was typed, and say so
          notice("无法连接搜索服务，请稍后再试。");
          announce("无法连接搜索服务");
          return;
        }
        location.assign(href);
      })
      .finally(function () {
        if (inFlight === controller) {
          inFlight = null;
          main.removeAttribute("aria-busy");
        }
      });
  }

  function searchAsYouType() {
    clearTimeout(timer);
    if (composing) return;
    var q = box.value;
    if (!q.trim()) return;
    var href = resultsUrl(q);
    // back to what is on screen (or typing on past the cut of a long paste, which asks for
    // it again): a request sent for an intermediate text must not land
    if (q === queryOf(shown) || href === shown) {
      if (inFlight) inFlight.abort();
      notice("");
      return;
    }
    show(href, "type");
  }

  // A word committed and the next one begun within the pause: the search for the first
  // waits until the second is committed too, or a half-typed "湿地bao" was fetched (new-user
  // trial)
  box.addEventListener("compositionstart", function () {
    composing = true;
    clearTimeout(timer);
  });
  box.addEventListener("compositionend", function () {
    composing = false;
    clearTimeout(timer);
    timer = setTimeout(searchAsYouType, DEBOUNCE_MS);
  });
  // While an input method (pinyin, wubi…) composes, input events carry isComposing; the
  // committed text arrives with compositionend (Chromium) or a last input event (Firefox).
  box.addEventListener("input", function (event) {
    if (event.isComposing) return;
    // an input event outside a composition: none is going on, whatever ended the last one
    // (Back, or Escape, set the box while composing and Chromium sent no compositionend, so
    // as-you-type stayed off: breaker)
    composing = false;
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
    // a #fragment step within the page on screen is the browser's own business
    if (withoutHash(location.href) === shown) return;
    var q = queryOf(location.href);
    if (q === null || queryOf(shown) === null) {
      // not between two results pages (a document, the home page…): load it whole, so its
      // own script runs
      location.reload();
      return;
    }
    composing = false; // Back ends a composition without a compositionend
    box.value = q;
    show(location.href, "none");
  });

  // --- keyboard ---------------------------------------------------------------------------

  // a results page's hits, or a concordance's lines (new-user trial: the one list view
  // without j/k, its lines reached only by tabbing through nine controls first)
  function hitLinks() {
    return Array.prototype.slice.call(
      main.querySelectorAll("li.hit .hit-title a, table.kwic td.kw a"));
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
    links[next].closest("li.hit, tr").scrollIntoView({ block: "nearest" });
    return true;
  }

  function onHit(el) {
    return hitLinks().indexOf(el) >= 0;
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
        composing = false;
        if (box.value) box.value = ""; else box.blur();
        clearTimeout(timer);
      } else if (event.key === "ArrowDown" && moveHit(1)) {
        event.preventDefault();
      } else if (event.key === "/" && !box.value) {
        // "/" is the go-to-search key; in the empty box (focused on load) it is already there
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
        handled = moveHit(1);
        break;
      case "k":
        handled = moveHit(-1);
        break;
      // the arrows move between hits from a hit only: elsewhere (the page, a facet) they
      // scroll, as a reader expects (UI review: they never scrolled a results page)
      case "ArrowDown":
        handled = onHit(target) && moveHit(1);
        break;
      case "ArrowUp":
        handled = onHit(target) && moveHit(-1);
        break;
    }
    if (handled) event.preventDefault();
  });

  // Back from a document to its results (#hit-<section>, which the document view's link
  // carries): the hit it opened has the focus, so j and the arrows go on from it (new-user
  // trial: the page reopened at its top and j went to the first hit again). After load: the
  // browser's own scroll to the #fragment took the focus back to the page.
  // and a hit focused since names itself in the address, so that Back from the document it
  // opens, when the browser loads this page again, focuses it and not the one before
  // (breaker)
  main.addEventListener("focusin", function (event) {
    var hit = event.target.closest && event.target.closest("li.hit");
    if (hit && hit.id && event.target.matches(".hit-title a") && location.hash !== "#" + hit.id) {
      history.replaceState(history.state, "", "#" + hit.id);
    }
  });
  window.addEventListener("load", function () {
    var arrived = location.hash.indexOf("#hit-") === 0
      ? document.getElementById(location.hash.slice(1)) : null;
    var link = arrived && arrived.querySelector(".hit-title a");
    if (link) link.focus();
  });
})();
