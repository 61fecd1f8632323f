// Document view: bring the first match of the opened section into view, and step through the
// matches with the toolbar buttons or the keys n (next) and N (previous).
//
// Without JavaScript the page still opens at its section (#fragment) with every match marked;
// the toolbar stays hidden because it would do nothing.
(function () {
  "use strict";

  var bar = document.querySelector(".matchnav");
  var marks = Array.prototype.slice.call(document.querySelectorAll(".document .text mark"));
  if (!bar || !marks.length) return;

  var position = bar.querySelector(".match-position");
  var current = -1;

  function sectionOf(mark) {
    return mark.closest("section.section");
  }

  function inView(el) {
    var r = el.getBoundingClientRect();
    return r.top >= bar.offsetHeight && r.bottom <= window.innerHeight;
  }

  function select(i, scroll) {
    if (current >= 0) marks[current].classList.remove("current");
    current = (i + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    position.textContent = "第 " + (current + 1) + " / " + marks.length + " 处";
    if (scroll && !inView(mark)) mark.scrollIntoView({ block: "center" });
    // keep the URL pointing at the section on screen, so a bookmark reopens it
    var section = sectionOf(mark);
    if (section && location.hash !== "#" + section.id) {
      history.replaceState(history.state, "", "#" + section.id);
    }
  }

  // The first match at or after the section the URL names (the whole document if none).
  function firstMatch() {
    var target = location.hash ? document.getElementById(decodeURIComponent(location.hash.slice(1))) : null;
    if (!target) return 0;
    for (var i = 0; i < marks.length; i++) {
      if (target.contains(marks[i]) ||
          (target.compareDocumentPosition(marks[i]) & Node.DOCUMENT_POSITION_FOLLOWING)) return i;
    }
    return 0;
  }

  bar.hidden = false;
  bar.querySelector(".next-match").addEventListener("click", function () { select(current + 1, true); });
  bar.querySelector(".prev-match").addEventListener("click", function () { select(current - 1, true); });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    var el = event.target;
    if (el && (el.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName))) return;
    if (event.key === "n") select(current + 1, true);
    else if (event.key === "N") select(current - 1, true);
    else return;
    event.preventDefault();
  });

  // After the browser has scrolled to the #fragment, make sure the match itself is visible:
  // a long section can start on screen with its first match far below.
  function start() { select(firstMatch(), true); }
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
