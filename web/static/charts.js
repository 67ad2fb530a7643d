// A tiny SVG chart renderer for the dashboard: horizontal bars, stacked
// columns per day and lines per day. Charts are drawn at the container's
// real pixel width (not scaled from a fixed viewBox) so that labels stay
// readable on a 360 px phone. Every chart also gets a visually hidden data
// table for screen readers. Colours are presentation attributes, which the
// page's CSP (no inline styles) allows.
"use strict";
(function () {
  var el = SC.el;
  var PALETTE = ["#0b4f8a", "#b3261e", "#8a5a00", "#1c6130", "#6b3fa0", "#3d4757", "#007c89"];

  // scale picks a whole tick step of 1, 2 or 5 × 10^k giving at most 5
  // ticks, since the counts drawn are whole numbers.
  function scale(v) {
    v = Math.max(1, v);
    var raw = v / 4, p = Math.pow(10, Math.floor(Math.log10(raw)));
    var step = [1, 2, 5, 10].map(function (m) { return m * p; }).filter(function (x) { return x >= raw; })[0];
    step = Math.max(1, step);
    return { max: Math.ceil(v / step) * step, step: step };
  }
  function fmt(n) { return Number(n).toLocaleString("vi-VN"); }

  // svgText draws a text in both languages (the CSS shows one).
  function svgText(vi, en, attrs) {
    var g = el("svg:g");
    g.appendChild(el("svg:text", Object.assign({ "class": "vi" }, attrs), vi));
    g.appendChild(el("svg:text", Object.assign({ "class": "en" }, attrs), en));
    return g;
  }

  function clip(s, n) { return s.length > n ? s.slice(0, n - 1) + "…" : s; }

  function widthOf(container) { return Math.max(280, Math.floor(container.clientWidth || 320)); }

  function table(headers, rows) {
    // A table is never narrower than its content, so the hiding box is a
    // div around it: a hidden table alone would widen a phone's page.
    return el("div", { "class": "visually-hidden" }, el("table", null,
      el("thead", null, el("tr", null, headers.map(function (h) { return el("th", { scope: "col" }, SC.both(h[0], h[1])); }))),
      el("tbody", null, rows.map(function (r) { return el("tr", null, r.map(function (c) { return el("td", null, typeof c === "object" ? c : String(c)); })); }))));
  }

  function empty(container) {
    container.replaceChildren(el("p", { "class": "empty" }, SC.both("Chưa có dữ liệu.", "No data yet.")));
  }

  // bars: items [{vi, en, value}], largest first. On a narrow screen the
  // label goes above its bar instead of beside it, so it is not cut.
  function bars(container, items, captionId) {
    if (!items.length || items.every(function (d) { return !d.value; })) return empty(container);
    var w = widthOf(container), narrow = w < 420;
    var row = narrow ? 40 : 28, top = 4;
    var labelW = narrow ? 0 : Math.min(Math.floor(w * 0.42), 190), valueW = 56;
    var plotW = w - labelW - valueW - 8;
    var h = top + items.length * row;
    var max = Math.max.apply(null, items.map(function (d) { return d.value; }));
    var chars = Math.floor((narrow ? w : labelW) / 7);
    var svg = el("svg:svg", { "class": "plot", width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": captionId });
    items.forEach(function (d, i) {
      var y = top + i * row;
      var barY = narrow ? y + 18 : y + 4, barH = narrow ? 16 : row - 10;
      var bw = max > 0 ? Math.max(d.value > 0 ? 2 : 0, Math.round(plotW * d.value / max)) : 0;
      var g = el("svg:g", { "data-label": d.en });
      g.appendChild(el("svg:title", null, d.vi === d.en ? d.vi : d.vi + " / " + d.en));
      g.appendChild(narrow
        ? svgText(clip(d.vi, chars), clip(d.en, chars), { x: 0, y: y + 13 })
        : svgText(clip(d.vi, chars), clip(d.en, chars), { x: labelW - 6, y: y + row / 2 + 4, "text-anchor": "end" }));
      g.appendChild(el("svg:rect", { x: labelW, y: barY, width: bw, height: barH, rx: 2, fill: PALETTE[0] }));
      g.appendChild(el("svg:text", { x: labelW + bw + 5, y: barY + barH / 2 + 4 }, fmt(d.value)));
      svg.appendChild(g);
    });
    container.replaceChildren(svg, table([["Mục", "Item"], ["Số lượng", "Count"]],
      items.map(function (d) { return [SC.both(d.vi, d.en), d.value]; })));
  }

  function legend(series) {
    return el("ul", { "class": "legend" }, series.map(function (s, i) {
      return el("li", null, el("span", { "class": "sw c" + (i % PALETTE.length), "aria-hidden": "true" }), SC.both(s.vi, s.en));
    }));
  }

  function dayLabel(date) {
    var p = date.split("-");
    return Number(p[2]) + "/" + Number(p[1]);
  }

  // frame draws the axes, grid and day labels of a per-day chart and
  // returns what the series need to place themselves.
  function frame(svg, w, h, dates, sc) {
    var left = 44, right = 8, top = 10, bottom = 24;
    var pw = w - left - right, ph = h - top - bottom;
    var max = sc.max;
    for (var v = 0; v <= max; v += sc.step) {
      var y = top + ph - ph * v / max;
      svg.appendChild(el("svg:line", { "class": v ? "grid" : "axis", x1: left, x2: w - right, y1: y, y2: y }));
      svg.appendChild(el("svg:text", { x: left - 5, y: y + 4, "text-anchor": "end" }, fmt(v)));
    }
    var slot = pw / dates.length;
    var every = Math.max(1, Math.ceil(44 / slot));
    dates.forEach(function (d, i) {
      if ((dates.length - 1 - i) % every) return;
      var x = left + slot * (i + 0.5), anchor = "middle";
      // Keep the newest day's label inside the chart.
      if (x + 18 > w) { x = w - 2; anchor = "end"; }
      svg.appendChild(el("svg:text", { x: x, y: h - 6, "text-anchor": anchor }, dayLabel(d)));
    });
    return { left: left, top: top, pw: pw, ph: ph, slot: slot };
  }

  // stacked: columns per day, one segment per series.
  function stacked(container, dates, series, captionId) {
    var total = dates.map(function (_, i) { return series.reduce(function (a, s) { return a + (s.values[i] || 0); }, 0); });
    if (!dates.length) return empty(container);
    var w = widthOf(container), h = 220;
    var sc = scale(Math.max.apply(null, total)), max = sc.max;
    var svg = el("svg:svg", { "class": "plot", width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": captionId });
    var f = frame(svg, w, h, dates, sc);
    var bw = Math.max(1, f.slot * 0.7);
    dates.forEach(function (d, i) {
      var y = f.top + f.ph;
      series.forEach(function (s, si) {
        var v = s.values[i] || 0;
        if (!v) return;
        var sh = f.ph * v / max;
        y -= sh;
        var r = el("svg:rect", { x: f.left + f.slot * i + (f.slot - bw) / 2, y: y, width: bw, height: sh, fill: PALETTE[si % PALETTE.length] });
        r.appendChild(el("svg:title", null, d + " · " + s.en + ": " + v));
        svg.appendChild(r);
      });
    });
    container.replaceChildren(svg, legend(series), table([["Ngày", "Date"]].concat(series.map(function (s) { return [s.vi, s.en]; })),
      dates.map(function (d, i) { return [d].concat(series.map(function (s) { return s.values[i] || 0; })); })));
  }

  // lines: one polyline per series over the days.
  function lines(container, dates, series, captionId) {
    if (!dates.length) return empty(container);
    var w = widthOf(container), h = 220;
    var all = [];
    series.forEach(function (s) { all = all.concat(s.values); });
    var sc = scale(Math.max.apply(null, all)), max = sc.max;
    var svg = el("svg:svg", { "class": "plot", width: w, height: h, viewBox: "0 0 " + w + " " + h, role: "img", "aria-labelledby": captionId });
    var f = frame(svg, w, h, dates, sc);
    series.forEach(function (s, si) {
      var color = PALETTE[si % PALETTE.length];
      var pts = s.values.map(function (v, i) {
        return (f.left + f.slot * (i + 0.5)).toFixed(1) + "," + (f.top + f.ph - f.ph * (v || 0) / max).toFixed(1);
      });
      svg.appendChild(el("svg:polyline", { points: pts.join(" "), fill: "none", stroke: color, "stroke-width": 2.5, "stroke-linejoin": "round" }));
      if (dates.length <= 31) {
        pts.forEach(function (p, i) {
          var xy = p.split(",");
          var c = el("svg:circle", { cx: xy[0], cy: xy[1], r: 3, fill: color });
          c.appendChild(el("svg:title", null, dates[i] + " · " + s.en + ": " + (s.values[i] || 0)));
          svg.appendChild(c);
        });
      }
    });
    container.replaceChildren(svg, legend(series), table([["Ngày", "Date"]].concat(series.map(function (s) { return [s.vi, s.en]; })),
      dates.map(function (d, i) { return [d].concat(series.map(function (s) { return s.values[i] || 0; })); })));
  }

  window.Charts = { bars: bars, stacked: stacked, lines: lines, scale: scale };
})();
