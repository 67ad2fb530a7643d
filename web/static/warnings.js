// The "Cảnh báo mới" (latest warnings) section of the citizen page: the
// newest published warnings from GET /v1/warnings?latest=5, in both
// languages (a warning without English text shows its Vietnamese in
// both). The section stays hidden when there is nothing to show or the
// request fails: an empty box or an error about warnings would only
// distract from the check above it. Warnings are written by police, but
// they are still inserted as text, never as HTML.
"use strict";
(function () {
  var LATEST = 5;

  var severity = {
    critical: ["Khẩn cấp", "Urgent"],
    warning: ["Cảnh báo", "Warning"],
    info: ["Thông tin", "Information"]
  };

  // day formats a time as a date in Vietnam's time zone, in each language.
  function day(iso, locale) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return "";
    try {
      return d.toLocaleDateString(locale, { timeZone: "Asia/Ho_Chi_Minh", day: "numeric", month: "long", year: "numeric" });
    } catch (e) {
      return d.toISOString().slice(0, 10);
    }
  }

  function item(w) {
    var el = SC.el, both = SC.both;
    var sev = severity[w.severity] || severity.info;
    var titleEN = w.title_en || w.title_vi, titleVI = w.title_vi || w.title_en;
    var bodyEN = w.body_en || w.body_vi || "", bodyVI = w.body_vi || w.body_en || "";
    var when = w.published_at || w.created_at;
    return el("li", { "class": "warning w-" + (severity[w.severity] ? w.severity : "info") },
      el("p", { "class": "warning-head" },
        el("span", { "class": "warning-sev" }, both(sev[0], sev[1])),
        " ",
        el("time", { datetime: when }, both(day(when, "vi-VN"), day(when, "en-GB")))),
      el("h3", { "class": "warning-title" }, both(titleVI, titleEN)),
      bodyVI ? el("p", { "class": "warning-body" }, both(bodyVI, bodyEN)) : null);
  }

  function show(ws) {
    var section = document.getElementById("canh-bao");
    var list = document.getElementById("warning-list");
    if (!section || !list || !ws || ws.length === 0) return;
    list.textContent = "";
    ws.forEach(function (w) { list.appendChild(item(w)); });
    section.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.fetch || !document.getElementById("canh-bao")) return;
    fetch("/v1/warnings?latest=" + LATEST, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (page) { if (page) show(page.warnings); })
      .catch(function () { /* offline or server down: the section stays hidden */ });
  });
})();
