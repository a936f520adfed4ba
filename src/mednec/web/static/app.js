/* mednec: light progressive enhancement. Every page works without this file. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn); }
  ready(function () {
    // Move focus to an error summary so screen-reader and keyboard users hear it first.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();

    // "Which best describes you?": switch audience as soon as a choice is made.
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.addEventListener("change", function () { form.submit(); });
      var btn = form.querySelector("[data-autosubmit-hide]");
      if (btn) btn.classList.add("visually-hidden");
    });

    // A link to something inside a closed section (a citation, a reference) opens that section first.
    function reveal(id) {
      var el = id && document.getElementById(id);
      for (var d = el; d; d = d.parentElement) { if (d.tagName === "DETAILS") d.open = true; }
      return el;
    }
    document.addEventListener("click", function (e) {
      var a = e.target.closest && e.target.closest("a[href^='#']");
      if (a) reveal(decodeURIComponent(a.getAttribute("href").slice(1)));
    });
    window.addEventListener("hashchange", function () { reveal(decodeURIComponent(location.hash.slice(1))); });
    if (location.hash) { var t = reveal(decodeURIComponent(location.hash.slice(1))); if (t) t.scrollIntoView(); }
    // Printing shows every section.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("details.art-sec").forEach(function (d) { d.open = true; });
    });

    // Example questions fill the question box.
    document.querySelectorAll("[data-example]").forEach(function (b) {
      b.addEventListener("click", function () {
        var box = document.getElementById(b.getAttribute("data-target") || "question");
        if (box) { box.value = b.getAttribute("data-example"); box.focus(); }
      });
    });

    // Repeating rows (transfusions, ESA courses, doses): an "Add a row" button clones the last row.
    document.querySelectorAll("[data-add-row]").forEach(function (btn) {
      btn.hidden = false;
      btn.addEventListener("click", function () {
        var body = document.getElementById(btn.getAttribute("data-add-row"));
        if (!body) return;
        var rows = body.querySelectorAll("tr");
        var last = rows[rows.length - 1];
        var next = last.cloneNode(true);
        var n = rows.length;
        next.querySelectorAll("input, select, label").forEach(function (el) {
          ["name", "id", "for", "aria-describedby"].forEach(function (attr) {
            var v = el.getAttribute(attr);
            if (v) el.setAttribute(attr, v.replace(/-\d+-/, "-" + n + "-"));
          });
          if (el.tagName === "INPUT") el.value = "";
          if (el.tagName === "SELECT") el.selectedIndex = 0;
          el.removeAttribute("aria-invalid");
        });
        body.appendChild(next);
        var first = next.querySelector("input, select");
        if (first) first.focus();
      });
    });
  });
})();
