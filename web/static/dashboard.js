// The dashboard: fetches GET /v1/stats and draws it with charts.js.
"use strict";
(function () {
  var el = SC.el;
  var KINDS = { phone: ["Số điện thoại", "Phone numbers"], bank_account: ["Tài khoản ngân hàng", "Bank accounts"], domain: ["Tên miền", "Domains"], url: ["Đường link", "Links"] };
  var STATUSES = { reported: ["Được báo cáo", "Reported"], confirmed: ["Công an xác nhận", "Confirmed"], delisted: ["Đã gỡ", "Delisted"], trusted: ["Chính thức", "Trusted"] };
  var CATEGORIES = { scam: ["Lừa đảo tiền", "Fraud"], phishing: ["Trang giả mạo", "Phishing"], impersonation: ["Giả danh", "Impersonation"], investment: ["Đầu tư, việc làm", "Investment, jobs"], gambling: ["Cờ bạc", "Gambling"], malware: ["Mã độc", "Malware"], other: ["Khác", "Other"] };
  var CHANNELS = [["web", "Web", "Web"], ["app", "Ứng dụng", "App"], ["hotline", "Đường dây nóng", "Hotline"], ["police", "Công an", "Police"]];

  var data = null;

  function items(counts, names) {
    return Object.keys(counts || {}).map(function (k) {
      var n = names[k] || [k, k];
      return { key: k, vi: n[0], en: n[1], value: counts[k] };
    }).sort(function (a, b) { return b.value - a.value || a.key.localeCompare(b.key); });
  }

  // quizTile shows the share of completed awareness quizzes that recognised
  // at least pass_mark scams: the centre's progress toward its goal (85%).
  function quizTile(q) {
    var share = q.completed ? Math.round((q.share || 0) * 100) + "%" : "–";
    var goal = Math.round((q.goal || 0.85) * 100) + "%";
    return el("div", { "class": "tile", id: "tile-quiz" }, el("span", { "class": "n" }, share),
      SC.both("Người làm bài nhận biết được lừa đảo (mục tiêu " + goal + ", " + (q.completed || 0) + " lượt)",
        "Quiz takers who recognised the scams (goal " + goal + ", " + (q.completed || 0) + " taken)"));
  }

  function tile(n, vi, en, id) {
    return el("div", { "class": "tile", id: id }, el("span", { "class": "n" }, Number(n).toLocaleString("vi-VN")), SC.both(vi, en));
  }

  function sum(days, f) { return days.reduce(function (a, d) { return a + (f(d) || 0); }, 0); }

  function render() {
    if (!data) return;
    var ind = data.indicators || {};
    var days = data.days || [];
    var dates = days.map(function (d) { return d.date; });
    var checks = sum(days, function (d) { return d.checks; });
    var hits = sum(days, function (d) { return d.hits; });
    document.getElementById("tiles").replaceChildren(
      tile(ind.total || 0, "Dấu hiệu trong danh sách", "Indicators listed", "tile-total"),
      tile((ind.by_status || {}).confirmed || 0, "Đã được công an xác nhận", "Confirmed by police", "tile-confirmed"),
      tile(sum(days, function (d) { return d.reports; }), "Báo cáo trong kỳ", "Reports in period", "tile-reports"),
      tile(checks, "Lượt kiểm tra trong kỳ", "Checks in period", "tile-checks"),
      tile(hits, "Lượt trúng trong kỳ", "Hits in period", "tile-hits"),
      quizTile(data.quiz || {}));

    Charts.stacked(document.getElementById("chart-reports"), dates, CHANNELS.map(function (c) {
      return { vi: c[1], en: c[2], values: days.map(function (d) { return (d.reports_by_channel || {})[c[0]] || 0; }) };
    }), "cap-reports");
    Charts.lines(document.getElementById("chart-checks"), dates, [
      { vi: "Lượt kiểm tra", en: "Checks", values: days.map(function (d) { return d.checks || 0; }) },
      { vi: "Lượt trúng", en: "Hits", values: days.map(function (d) { return d.hits || 0; }) }
    ], "cap-checks");
    Charts.bars(document.getElementById("chart-kind"), items(ind.by_kind, KINDS), "cap-kind");
    Charts.bars(document.getElementById("chart-status"), items(ind.by_status, STATUSES), "cap-status");
    Charts.bars(document.getElementById("chart-category"), items(ind.by_category, CATEGORIES), "cap-category");
    Charts.bars(document.getElementById("chart-banks"), (data.top_banks || []).map(function (b) {
      var name = b.name || b.bin;
      return { key: b.bin, vi: name, en: name, value: b.reports };
    }), "cap-banks");
    Charts.bars(document.getElementById("chart-domains"), (data.top_domains || []).map(function (d) {
      return { key: d.domain, vi: d.domain, en: d.domain, value: d.reports };
    }), "cap-domains");
  }

  async function load() {
    var status = document.getElementById("status");
    var days = document.getElementById("days").value;
    status.replaceChildren(SC.both("Đang tải…", "Loading…"));
    try {
      var res = await fetch("/v1/stats?days=" + encodeURIComponent(days), { credentials: "omit", cache: "no-store" });
      if (!res.ok) throw new Error("HTTP " + res.status);
      data = await res.json();
    } catch (e) {
      status.replaceChildren(el("span", { role: "alert" }, SC.both("Không tải được số liệu. Hãy thử lại.", "Could not load the statistics. Please try again.")));
      return;
    }
    var now = new Date();
    status.replaceChildren(SC.both("Cập nhật lúc " + now.toLocaleTimeString("vi-VN"), "Updated at " + now.toLocaleTimeString("en-GB")));
    document.body.setAttribute("data-loaded", "true");
    render();
  }

  document.addEventListener("DOMContentLoaded", function () {
    function options(l) {
      document.querySelectorAll("option[data-vi]").forEach(function (o) { o.textContent = o.getAttribute("data-" + l); });
    }
    options(SC.lang());
    SC.onLang(options);
    document.getElementById("days").addEventListener("change", load);
    var timer = 0, lastW = window.innerWidth;
    window.addEventListener("resize", function () {
      if (window.innerWidth === lastW) return;
      lastW = window.innerWidth;
      clearTimeout(timer);
      timer = setTimeout(render, 150);
    });
    load();
  });
})();
