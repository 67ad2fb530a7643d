// Shared by every page: the language (Vietnamese by default, English on
// request, remembered in localStorage) and small DOM helpers. Loaded
// without defer in <head> so that the remembered language is applied
// before the first paint and English readers never see a flash of
// Vietnamese.
"use strict";
(function () {
  var KEY = "scamcheck.lang";
  var listeners = [];

  function stored() {
    try {
      var v = window.localStorage.getItem(KEY);
      return v === "en" ? "en" : "vi";
    } catch (e) {
      // Storage can be disabled (private mode, policies): stay in Vietnamese.
      return "vi";
    }
  }

  function lang() { return document.documentElement.lang === "en" ? "en" : "vi"; }

  // Attributes cannot hold two languages, so pages carry both as
  // data-*-vi / data-*-en and this copies the right one in.
  function applyAttrs(l) {
    var attrs = ["placeholder", "aria-label", "title"];
    attrs.forEach(function (a) {
      var sel = "[data-" + a + "-" + l + "]";
      document.querySelectorAll(sel).forEach(function (el) {
        el.setAttribute(a, el.getAttribute("data-" + a + "-" + l));
      });
    });
    var body = document.body;
    if (body && body.getAttribute("data-title-" + l)) {
      document.title = body.getAttribute("data-title-" + l);
    }
    var btn = document.getElementById("lang-toggle");
    if (btn) {
      btn.textContent = l === "vi" ? "English" : "Tiếng Việt";
      btn.setAttribute("lang", l === "vi" ? "en" : "vi");
      btn.setAttribute("aria-label", l === "vi" ? "Switch to English" : "Chuyển sang tiếng Việt");
    }
  }

  function setLang(l, remember) {
    document.documentElement.lang = l;
    if (remember) {
      try { window.localStorage.setItem(KEY, l); } catch (e) { /* not remembered, still switched */ }
    }
    applyAttrs(l);
    listeners.forEach(function (f) { f(l); });
  }

  document.documentElement.lang = stored();

  document.addEventListener("DOMContentLoaded", function () {
    applyAttrs(lang());
    var btn = document.getElementById("lang-toggle");
    if (btn) {
      btn.addEventListener("click", function () { setLang(lang() === "vi" ? "en" : "vi", true); });
    }
  });

  // el builds an element: el("p", {class: "x"}, "text", child, ...).
  function el(tag, attrs) {
    var svg = tag.indexOf("svg:") === 0;
    var node = svg ? document.createElementNS("http://www.w3.org/2000/svg", tag.slice(4)) : document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (attrs[k] !== undefined && attrs[k] !== null && attrs[k] !== false) node.setAttribute(k, String(attrs[k]));
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var c = arguments[i];
      if (c === undefined || c === null || c === false) continue;
      if (Array.isArray(c)) {
        c.forEach(function (x) { if (x) node.appendChild(typeof x === "string" ? document.createTextNode(x) : x); });
      } else {
        node.appendChild(typeof c === "string" || typeof c === "number" ? document.createTextNode(String(c)) : c);
      }
    }
    return node;
  }

  // both builds the two language versions of a text as sibling spans, so
  // that a later language switch needs no re-render.
  function both(vi, en, tag) {
    var f = document.createDocumentFragment();
    f.appendChild(el(tag || "span", { "class": "vi", lang: "vi" }, vi));
    f.appendChild(el(tag || "span", { "class": "en", lang: "en" }, en));
    return f;
  }

  window.SC = {
    lang: lang,
    onLang: function (f) { listeners.push(f); },
    el: el,
    both: both
  };
})();
