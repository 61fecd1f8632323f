// Document view: bring the first match of the opened section into view, and step through the
// matches with the toolbar buttons or the keys n (next) and N (previous).
//
// Without JavaScript the page still opens at its section (#fragment) with every match marked;
// the toolbar stays hidden because it would do nothing.
(function () {
  "use strict";

  // the id the address's #fragment names ("" for none, null for a malformed one)
  function fragmentId() {
    try {
      return decodeURIComponent(location.hash.slice(1));
    } catch (e) {
      return null;
    }
  }

  // the section the address names, or null (none, malformed, or no section of this page)
  function targetSection() {
    var id = fragmentId();
    var el = id ? document.getElementById(id) : null;
    return el && el.matches("section.section") ? el : null;
  }

  // a bookmark or a concordance link whose #section the document no longer holds (its
  // titles changed, or it was removed): say so rather than open elsewhere without a word
  var stale = document.querySelector(".stale-section");
  function sayIfStale() {
    var id = fragmentId();
    // only a section's address (#main, the skip link's, is no section and no stale link)
    stale.hidden = !id || id.indexOf(stale.dataset.prefix) !== 0 || !!targetSection();
  }
  if (stale) {
    sayIfStale();
    // a section address typed or pasted into this page's address bar (breaker), shown where
    // the reader is, with matches or without
    window.addEventListener("hashchange", function () {
      sayIfStale();
      if (!stale.hidden) stale.scrollIntoView({ block: "center" });
    });
  }

  // the way back to the results names the hit this document was opened from, which the
  // results page then focuses (search.js)
  var back = document.querySelector(".docnav a.back");
  var opened = targetSection();
  if (back && opened && /\/search$/.test(back.pathname)) {
    back.hash = "hit-" + opened.id;
  }

  var goneMatch = document.querySelector(".stale-match"); // see sayGone
  // the m= the address came with, when it is one whole number (0: none)
  var given = new URLSearchParams(location.search).getAll("m");
  var asked = given.length === 1 && /^[1-9][0-9]*$/.test(given[0]) ? parseInt(given[0], 10) : 0;
  var bar = document.querySelector(".matchnav");
  var marks = Array.prototype.slice.call(document.querySelectorAll(".document .text mark"));
  if (!bar || !marks.length) {
    // a page without a mark: a bookmarked match of a section that now has none
    if (asked && (!stale || stale.hidden)) sayGone(asked, targetSection());
    return;
  }

  var position = bar.querySelector(".match-position");
  var unplaced = position.textContent; // "共 N 处", before any match is current
  var current = -1;
  // with no current mark (the reader is at a section without marks): the mark n goes to,
  // the first after that section (marks.length: none after it, so n wraps to the first)
  var after = 0;
  // what a step says to a screen reader: the match in its words, not only "第 4 / 12 处"
  // (UI review: the match was scrolled into view but neither focused nor read)
  var spoken = document.createElement("span");
  spoken.className = "visually-hidden";
  spoken.setAttribute("aria-live", "polite");
  position.removeAttribute("aria-live");
  bar.appendChild(spoken);
  // overlapping matches share one mark (data-n: how many it holds); say so when they do
  var matches = marks.reduce(function (sum, mark) {
    return sum + (parseInt(mark.dataset.n, 10) || 1);
  }, 0);
  // counts as the page writes them, 25,123 (its numbers are grouped: the UI review read
  // "25,000 处匹配" above a toolbar saying "/ 20000")
  function grouped(n) { return n.toLocaleString("en-US"); }
  var merged = matches !== marks.length ? "标记（共 " + grouped(matches) + " 处匹配，重叠的合为一处）" : "";

  function sectionOf(mark) {
    return mark.closest("section.section");
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.top >= bar.offsetHeight && r.bottom <= window.innerHeight;
  }

  // `scroll`: bring the match into view; `moved`: the user stepped away from where the URL
  // pointed, so its m= no longer applies.
  function select(i, scroll, moved) {
    // stepped to a match, the reader has left the gone section's address behind
    if (stale && moved) stale.hidden = true;
    if (goneMatch && moved) goneMatch.hidden = true;
    if (current >= 0) marks[current].classList.remove("current");
    current = (i + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    position.textContent = "第 " + grouped(current + 1) + " / " + grouped(marks.length) + " 处" + merged;
    spoken.textContent = "第 " + grouped(current + 1) + " 处：" + contextOf(mark);
    if (scroll && !inView(mark)) mark.scrollIntoView({ block: "center" });
    // keep the URL pointing at the match on screen, so a reload or a bookmark reopens it:
    // its section (#id) and, past the section's first, its number there (m=, as a
    // concordance line gives it; a mark holding overlapping matches carries the first's)
    var section = sectionOf(mark);
    if (section) {
      var url = new URL(location.href);
      if (moved) {
        var m = parseInt(mark.dataset.m, 10);
        if (m > 1) url.searchParams.set("m", m);
        else url.searchParams.delete("m");
      }
      url.hash = section.id;
      if (url.href !== location.href) history.replaceState(history.state, "", url.href);
    }
  }

  // The mark's sentence around it, as far as its section's text goes: 15 characters a side.
  function contextOf(mark) {
    var box = mark.closest(".text");
    if (!box) return mark.textContent;
    var range = document.createRange();
    range.setStart(box, 0);
    range.setEndBefore(mark);
    var left = range.toString().slice(-15);
    range.setStartAfter(mark);
    range.setEnd(box, box.childNodes.length);
    return left + "【" + mark.textContent + "】" + range.toString().slice(0, 15);
  }

  // At a section without marks: no mark is current, and the toolbar says why, the section
  // having no match, or matches past those a very long document marks; n then goes to the
  // first mark after it (the first of all past the last), N to the one before. The reader
  // stays where the address put them (UI review: a section without a match jumped to the
  // next match's section, rewrote the address to it, and n skipped that match).
  function clear(target) {
    if (current >= 0) marks[current].classList.remove("current");
    current = -1;
    after = firstAfter(target);
    position.textContent = target.classList.contains("has-match")
      ? "本节的匹配未标出" : "本节没有匹配";
    spoken.textContent = position.textContent;
  }

  // No match current and none to start from: n goes to the first (at a gone section's address).
  function unplace() {
    if (current >= 0) marks[current].classList.remove("current");
    current = -1;
    after = 0;
    position.textContent = unplaced;
    spoken.textContent = "";
  }

  function next() { select(current < 0 ? after : current + 1, true, true); }
  function previous() { select(current < 0 ? after - 1 : current - 1, true, true); }

  function urlMatch() { return parseInt(new URLSearchParams(location.search).get("m"), 10); }

  // overlapping matches share a mark: data-m/data-n say which match numbers it holds
  function holds(mark, m) {
    var from = parseInt(mark.dataset.m, 10), count = parseInt(mark.dataset.n, 10);
    return from <= m && m < from + count;
  }

  // The match the URL names: the m-th (1-based, from a concordance line) of the #section,
  // else the section's first, else (no #section) the document's first; -1 when the section
  // has no mark (see clear).
  function firstMatch() {
    var target = targetSection();
    if (!target) return 0;
    var m = urlMatch();
    for (var j = 0; m >= 1 && j < marks.length; j++) {
      if (target.contains(marks[j]) && holds(marks[j], m)) return j;
    }
    for (var i = 0; i < marks.length; i++) {
      if (target.contains(marks[i])) return i;
    }
    return -1;
  }

  // The first mark after the section `target` (marks.length when there is none).
  function firstAfter(target) {
    for (var i = 0; i < marks.length; i++) {
      if (target.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING) return i;
    }
    return marks.length;
  }

  bar.hidden = false;
  bar.querySelector(".next-match").addEventListener("click", next);
  bar.querySelector(".prev-match").addEventListener("click", previous);

  document.addEventListener("keydown", function (event) {
    // the page may since show results typed into the search box
    if (!bar.isConnected) return;
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var el = event.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
    if (event.key === "n") next();
    else if (event.key === "N") previous();
    else return;
    event.preventDefault();
  });

  // After the browser has scrolled to the #fragment, make sure the match itself is visible:
  // a long section can start on screen with its first match far below.
  // An m= that names no match there (m=99 in a section of two, a link from before the
  // document changed) is replaced by the number of the match shown, as stepping does.
  function start() {
    if (stale && !stale.hidden) {
      // a link to a section the document no longer holds: the reader stays at the note that
      // says so, and the address as it came; n goes to the first match (new-user trial: the
      // page scrolled to a match in another section, 6,000 px below the note, and rewrote
      // the address to that section, so a new bookmark saved the wrong place)
      return unplace();
    }
    var i = firstMatch();
    if (i < 0) {
      // the section has no mark: no m= names one (it stayed: breaker), and a bookmarked
      // one is gone (breaker: said nothing when the section had none left)
      var url = new URL(location.href);
      url.searchParams.delete("m");
      if (url.href !== location.href) history.replaceState(history.state, "", url.href);
      clear(targetSection());
      if (asked) sayGone(asked, targetSection());
      return;
    }
    // kept only when it is one whole number naming the match shown (m=abc, m=2.9 and
    // m=3&m=4 stayed in the address too)
    var named = asked > 0 && holds(marks[i], asked);
    select(i, true, given.length > 0 && !named);
    if (asked && !named) sayGone(asked, targetSection());
  }

  // A bookmark of a match the section no longer holds (m=3 where it now has one): say so
  // at the section, where the reader is, as for a gone section (breaker: m= was dropped from
  // the address without a word). Only past the section's last: a number the document view
  // never makes (m=1 is left out) was no match of a changed text; matches counted, marked or
  // not (past the 20,000 a document marks).
  function sayGone(asked, target) {
    var held = target ? parseInt(target.dataset.matches, 10) : NaN;
    // a number no section reaches (m=99999999999999999999) was never a match's
    if (!goneMatch || !(asked > held) || asked > 1e9) return;
    goneMatch.textContent = "链接指向这一节的第 " + grouped(asked) + " 处匹配，这一节现在" +
      (held ? "只有 " + grouped(held) + " 处" : "没有匹配") + "：文档在链接生成之后改过。" +
      (held ? "下面是第 1 处。" : "");
    target.insertBefore(goneMatch, target.querySelector(".text"));
    goneMatch.hidden = false;
  }
  // a table-of-contents link or Back/Forward moved to another section: continue from there
  window.addEventListener("hashchange", function () {
    if (bar.isConnected && stale && !stale.hidden) {
      // a gone section's address pasted while reading: as when the page opens at it (breaker:
      // the note showed far above, and n went on from the match left behind)
      return unplace();
    }
    if (!bar.isConnected || !targetSection()) return;
    var url = new URL(location.href);
    url.searchParams.delete("m"); // it counted within the section we came from
    history.replaceState(history.state, "", url.href);
    var i = firstMatch();
    if (i >= 0) select(i, false, true);
    else clear(targetSection());
  });
  // Back/Forward to an entry of this page: show the match its address names (m= and
  // #section as it was; a table-of-contents jump had dropped m= from the entry after it, so
  // the browser fired no hashchange on the way back and the toolbar kept the later match:
  // breaker)
  window.addEventListener("popstate", function () {
    if (!bar.isConnected || !targetSection()) return;
    var i = firstMatch();
    if (i >= 0) select(i, false, false);
    else clear(targetSection());
  });
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
