// The citizen page: kind detection as you type, the check and its result
// card, and the report form. Everything goes to this server's own API
// (/v1/check, /v1/reports); nothing else is fetched. qr.js adds the
// payment QR scan and the dispute form on top of what this file exposes.
"use strict";
(function () {
  var el = SC.el, both = SC.both;

  // detectKind mirrors indicators.detectKind (indicators/parse.go) so the
  // label shown while typing matches what the server will decide. The
  // server stays the judge: this only labels.
  var PHONE_PUNCT = " +-.()/\u00a0\u2010\u2011\u2012\u2013\u2014\uff0b\uff0d\u3000";
  var DIGIT = /\p{Nd}/u;
  function count(s, ch) { return s.split(ch).length - 1; }
  function phoneShaped(s) {
    var digits = 0;
    for (var ch of s) {
      if (DIGIT.test(ch)) digits++;
      else if (PHONE_PUNCT.indexOf(ch) < 0) return false;
    }
    return digits > 0 && count(s, ".") !== 3;
  }
  function mostlyDigits(s) {
    var d = 0, o = 0;
    for (var ch of s) {
      if (DIGIT.test(ch)) d++;
      else if (ch !== ".") o++;
    }
    return d > 0 && o === 0;
  }
  function hasDigitRun(s, n) {
    var run = 0;
    for (var ch of s) {
      if (DIGIT.test(ch)) { if (++run >= n) return true; }
      else if (ch !== " " && ch !== "-" && ch !== ".") run = 0;
    }
    return false;
  }
  function detectKind(input) {
    var s = input.trim();
    if (!s) return "";
    if (s.toLowerCase().indexOf("tel:") === 0 || phoneShaped(s)) return "phone";
    if (s.indexOf("://") >= 0) return "url";
    if (s.split(/\s+/).length === 1) {
      var i = s.search(/[/?#]/);
      if (i > 0 && s.slice(0, i).indexOf(".") >= 0) return "url";
      if (s.indexOf(".") >= 0 || s.indexOf("\u3002") >= 0) {
        if (mostlyDigits(s)) return count(s, ".") === 3 ? "domain" : "phone";
        return "domain";
      }
    }
    if (hasDigitRun(s, 6)) return "bank_account";
    return "";
  }

  // Exposed so that the browser tests can hold it to the Go original.
  SC.detectKind = detectKind;
  // Exposed for qr.js, so that a scanned QR gets the same card, errors
  // and kind labels as a typed check.
  SC.errors = ERRORS;
  SC.getJSON = function (url, opts) { return getJSON(url, opts); };
  SC.showKind = function (input, out) { showKind(input, out); };

  var KINDS = {
    phone: ["Số điện thoại", "Phone number"],
    bank_account: ["Tài khoản ngân hàng", "Bank account"],
    domain: ["Tên miền", "Domain"],
    url: ["Đường link", "Link"]
  };
  var VERDICTS = {
    dangerous: ["Nguy hiểm", "Dangerous"],
    suspicious: ["Đáng ngờ", "Suspicious"],
    unknown: ["Chưa có báo cáo", "No reports yet"],
    trusted: ["Đã xác minh", "Verified"]
  };
  var CATEGORIES = {
    scam: ["Lừa đảo chiếm đoạt tiền", "Fraud"],
    phishing: ["Trang giả mạo, lừa lấy thông tin", "Phishing"],
    impersonation: ["Giả danh", "Impersonation"],
    investment: ["Đầu tư, việc làm online", "Investment, online jobs"],
    gambling: ["Cờ bạc", "Gambling"],
    malware: ["Phần mềm độc hại", "Malware"],
    other: ["Khác", "Other"]
  };
  var STATUSES = {
    confirmed: ["Công an đã xác nhận", "Confirmed by police"],
    reported: ["Được báo cáo, chưa xác nhận", "Reported, not yet confirmed"],
    trusted: ["Danh sách chính thức", "Official list"]
  };
  var ERRORS = {
    empty_input: ["Hãy nhập số điện thoại, tài khoản, tên miền hoặc đường link.", "Enter a phone number, account, domain or link."],
    input_too_long: ["Nội dung quá dài.", "That is too long."],
    invalid_phone: ["Số điện thoại không hợp lệ.", "That is not a valid phone number."],
    phone_too_short: ["Số điện thoại quá ngắn.", "That phone number is too short."],
    phone_too_long: ["Số điện thoại quá dài.", "That phone number is too long."],
    phone_has_letters: ["Số điện thoại có chữ cái.", "That phone number contains letters."],
    phone_not_possible: ["Số điện thoại này không thể tồn tại.", "That phone number cannot exist."],
    unknown_bank: ["Không nhận ra tên ngân hàng. Hãy ghi tên ngân hàng rồi số tài khoản, ví dụ „Vietcombank 0011004353201”.", "We do not recognise the bank. Write the bank's name, then the account number, e.g. “Vietcombank 0011004353201”."],
    missing_bank: ["Hãy ghi cả tên ngân hàng cùng số tài khoản.", "Include the bank's name with the account number."],
    invalid_account: ["Số tài khoản không hợp lệ (6 đến 19 chữ số).", "That account number is not valid (6 to 19 digits)."],
    invalid_domain: ["Tên miền không hợp lệ.", "That is not a valid domain."],
    invalid_url: ["Đường link không hợp lệ.", "That is not a valid link."],
    undetected_kind: ["Không nhận ra đây là số điện thoại, tài khoản, tên miền hay đường link. Với tài khoản, hãy ghi cả tên ngân hàng.", "This does not look like a phone number, account, domain or link. For an account, include the bank's name."],
    unknown_old_prefix: ["Số 11 chữ số này không có đầu số cũ nào của mạng di động trước năm 2018. Hãy kiểm tra lại số.", "This 11-digit number does not start with any mobile prefix used before 2018. Check the number again."],
    invalid_qr: ["Mã QR này không đúng chuẩn mã chuyển khoản (có thể bị cắt hoặc hỏng). Đừng chuyển tiền theo mã này.", "This QR code is not a well-formed payment code (it may be cut off or damaged). Do not pay with it."],
    qr_bad_crc: ["Mã QR này đã bị sửa hoặc đọc sai (sai mã kiểm tra). Đừng chuyển tiền theo mã này; hãy xin người nhận mã khác.", "This QR code has been altered or misread (its checksum is wrong). Do not pay with it; ask the recipient for another code."],
    qr_no_account: ["Mã QR này không chứa tài khoản ngân hàng VietQR (có thể là mã ví điện tử hoặc mã thẻ).", "This QR code holds no VietQR bank account (it may be an e-wallet or card code)."],
    rate_limited: ["Bạn gửi quá nhiều yêu cầu. Hãy thử lại sau ít phút.", "Too many requests. Please try again in a few minutes."],
    network: ["Không kết nối được máy chủ. Hãy thử lại.", "Could not reach the server. Please try again."],
    consent: ["Bạn đã ghi thông tin liên hệ: hãy đánh dấu ô đồng ý, hoặc xóa thông tin liên hệ.", "You gave contact details: tick the consent box, or clear them."],
    amount: ["Số tiền chỉ gồm chữ số.", "The amount must be digits only."],
    description: ["Hãy kể ngắn gọn chuyện gì đã xảy ra.", "Briefly say what happened."]
  };

  function pair(table, key) { return table[key] || [key, key]; }
  function text(table, key) { var p = pair(table, key); return both(p[0], p[1]); }

  function fmtDate(iso, locale) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return d.toLocaleDateString(locale, { day: "numeric", month: "long", year: "numeric", timeZone: "Asia/Ho_Chi_Minh" });
  }

  var CHANNELS = {
    web: ["qua web", "web"], app: ["qua ứng dụng", "app"],
    hotline: ["qua đường dây nóng", "hotline"], police: ["tại công an", "at police"]
  };
  // sourceName says where a listing came from: citizens' reports by
  // channel, the authorities (writes with an API key are named
  // "api:<key name>", which means nothing to a citizen), or a feed's name.
  function sourceName(s) {
    var m = /^citizen:(.+)$/.exec(s);
    if (m) {
      var ch = CHANNELS[m[1]] || [m[1], m[1]];
      return ["Người dân báo cáo " + ch[0], "Citizen reports (" + ch[1] + ")"];
    }
    if (s === "police" || /^api:/.test(s)) return ["Cơ quan chức năng", "Authorities"];
    return [s, s];
  }

  function explanation(r) {
    switch (r.verdict) {
      case "dangerous":
        return r.status === "confirmed"
          ? ["Công an đã xác nhận đây là lừa đảo.", "Police have confirmed this is a scam."]
          : ["Nhiều người đã báo cáo đây là lừa đảo.", "Many people have reported this as a scam."];
      case "suspicious":
        return r.degraded
          ? ["Có dấu hiệu trong danh sách nhưng lúc này chưa tra cứu đầy đủ được. Hãy cẩn trọng.", "It matches our list, but we cannot look up the details right now. Be careful."]
          : ["Đã có người báo cáo, công an chưa xác nhận.", "Someone has reported it; police have not confirmed it yet."];
      case "trusted":
        return ["Có trong danh sách chính thức đã xác minh (ví dụ tổng đài, trang web của ngân hàng). Kẻ gian vẫn có thể giả mạo số hoặc trang giống hệt: hãy tự tìm số chính thức để gọi lại.", "On the verified official list (e.g. a bank's hotline or website). Scammers can still fake identical numbers or pages: look up the official number yourself and call back."];
      default:
        return ["Chúng tôi chưa nhận được báo cáo nào. Điều đó không có nghĩa là đáng tin: kẻ lừa đảo liên tục dùng số và tài khoản mới.", "We have no report about it. That does not mean it can be trusted: scammers keep switching to new numbers and accounts."];
    }
  }

  var STEP_NO_TRANSFER = ["Không chuyển tiền, không đọc mã OTP, không cài ứng dụng hay bấm vào đường link người lạ gửi.", "Do not transfer money, read out an OTP code, install an app or open a link a stranger sent you."];
  var STEP_BANK = ["Nếu đã chuyển tiền: gọi ngay tổng đài ngân hàng của bạn (số in sau thẻ hoặc trong ứng dụng chính thức), nói rằng bạn bị lừa đảo, cho biết thời gian, số tiền, tài khoản nhận và đề nghị tra soát, phong tỏa khẩn cấp tài khoản nhận.", "If you already transferred: call your bank's hotline at once (the number on the back of your card or in its official app), say you were scammed, give the time, amount and receiving account, and ask them to investigate and make an emergency freeze of the receiving account."];
  var STEP_POLICE = ["Gọi Công an 113 hoặc đến cơ quan công an gần nhất, mang theo tin nhắn, ảnh chụp màn hình và biên lai chuyển tiền.", "Call the police on 113 or go to the nearest police station with the messages, screenshots and transfer receipts."];
  var STEP_VERIFY = ["Nếu ai đó xưng là công an, ngân hàng hay người quen và đòi chuyển tiền: dừng lại, tự gọi lại qua số chính thức hoặc hỏi người thân trước.", "If someone claiming to be police, your bank or someone you know asks for money: stop, and call back on an official number or ask your family first."];
  var STEP_REPORT = ["Báo cáo ở mẫu bên dưới để cảnh báo người khác.", "Report it with the form below to warn others."];
  var STEP_OFFICIAL = ["Ngân hàng và công an không bao giờ yêu cầu bạn chuyển tiền hay đọc mã OTP qua điện thoại.", "Banks and police never ask you to transfer money or read out an OTP code on the phone."];

  function steps(verdict) {
    switch (verdict) {
      case "dangerous": case "suspicious": return [STEP_NO_TRANSFER, STEP_BANK, STEP_POLICE, STEP_REPORT];
      case "trusted": return [STEP_OFFICIAL, STEP_VERIFY];
      default: return [STEP_VERIFY, STEP_NO_TRANSFER, STEP_BANK, STEP_POLICE];
    }
  }

  function uniq(a) { return a.filter(function (x, i) { return a.indexOf(x) === i; }); }

  function li(p) { return el("li", null, both(p[0], p[1])); }

  // shown is what the card names: the canonical form, except for bank
  // accounts, whose canonical form starts with the bank's BIN, a number
  // people do not know: there the citizen's own words are clearer.
  function shown(r) {
    // A QR payload is a long code nobody can read: name what it pays.
    if (r.qr) return (r.qr.bank || r.qr.bin) + " " + r.qr.account_masked;
    if (r.kind === "bank_account" && r.input) return r.input;
    return r.canonical || r.input;
  }

  function renderResult(r) {
    var v = VERDICTS[r.verdict] ? r.verdict : "unknown";
    var facts = el("dl", { "class": "facts" });
    function fact(vi, en, value) {
      facts.appendChild(el("dt", null, both(vi, en)));
      facts.appendChild(el("dd", null, value));
    }
    var qr = r.qr;
    if (qr) {
      fact("Ngân hàng nhận tiền", "Receiving bank", qr.bank ? qr.bank + " (BIN " + qr.bin + ")" : "BIN " + qr.bin);
      fact(qr.service === "QRIBFTTC" ? "Số thẻ nhận tiền" : "Tài khoản nhận tiền",
        qr.service === "QRIBFTTC" ? "Receiving card" : "Receiving account", el("code", { "class": "qr-account" }, qr.account_masked));
      if (qr.amount_vnd) {
        fact("Số tiền", "Amount", both(qr.amount_vnd.toLocaleString("vi-VN") + " đ", qr.amount_vnd.toLocaleString("en-GB") + " VND"));
      }
      if (qr.message) fact("Nội dung chuyển khoản", "Transfer message", qr.message);
    }
    if (r.converted_from) {
      fact("Số cũ", "Old number", both(r.converted_from + " (đã đổi sang số mới từ 2018)", r.converted_from + " (renumbered in 2018)"));
    }
    if (r.kind) fact("Loại", "Type", text(KINDS, r.kind));
    if (r.status && STATUSES[r.status]) fact("Tình trạng", "Status", text(STATUSES, r.status));
    if (r.category) fact("Hình thức", "Category", text(CATEGORIES, r.category));
    if (r.verdict !== "unknown" && r.verdict !== "trusted") {
      var n = r.reports || 0;
      fact("Số lần bị báo cáo", "Times reported", both(n + " lần", n + (n === 1 ? " time" : " times")));
    }
    if (r.first_seen) fact("Bị báo cáo lần đầu", "First reported", both(fmtDate(r.first_seen, "vi-VN"), fmtDate(r.first_seen, "en-GB")));
    if (r.sources && r.sources.length) {
      var names = r.sources.map(sourceName);
      var vi = uniq(names.map(function (n) { return n[0]; })).join(", ");
      var en = uniq(names.map(function (n) { return n[1]; })).join(", ");
      fact("Nguồn", "Sources", both(vi, en));
    }
    if (r.matched && r.matched !== r.key) {
      fact("Khớp với", "Matched", el("code", null, r.matched.replace(/^[a-z_]+:/, "")));
    }
    var linked = linkedText(r.linked);
    if (linked) fact("Liên quan", "Linked", both(linked[0], linked[1]));
    var exp = explanation(r);
    var list = el("ol", { "class": "steps" }, steps(v).map(li));
    var card = el("section", { "class": "card v-" + v, "aria-labelledby": "verdict-title", "data-verdict": v },
      el("p", { "class": "verdict", id: "verdict-title" }, text(VERDICTS, v)),
      el("p", { "class": "what" }, el("code", null, shown(r))),
      qr && qr.mismatch ? el("p", { "class": "mismatch", role: "alert", id: "qr-mismatch" }, both(
        "Cảnh báo: mã QR này chuyển tiền vào tài khoản khác với tài khoản bạn định chuyển (" + (qr.expected || "") + "). Đừng chuyển; hãy hỏi lại người nhận qua một kênh khác.",
        "Warning: this QR code pays a different account from the one you meant to pay (" + (qr.expected || "") + "). Do not pay; check with the recipient another way.")) : null,
      r.disputed ? el("p", { "class": "disputed-note", id: "disputed-note" }, both(
        "Chủ sở hữu đang khiếu nại kết quả này; công an đang xem xét. Trong lúc chờ, hãy vẫn cẩn trọng.",
        "The owner has disputed this listing and police are reviewing it. Stay careful meanwhile.")) : null,
      // For unknown the API's advice already says what the explanation
      // would: say it once.
      v === "unknown" && r.advice ? null : el("p", null, both(exp[0], exp[1])),
      facts,
      r.advice ? el("p", { "class": "advice" }, both(r.advice.vi, r.advice.en)) : null,
      el("h3", null, both("Nên làm gì tiếp theo", "What to do next")),
      list,
      el("div", { "class": "actions" },
        el("button", { type: "button", "class": "secondary", id: "report-this" }, both("Báo cáo lừa đảo này", "Report this scam")),
        v === "dangerous" || v === "suspicious"
          ? el("button", { type: "button", "class": "secondary", id: "dispute-this" }, both("Đây là của tôi: khiếu nại", "This is mine: dispute"))
          : null)
    );
    return card;
  }

  // linkedText says how many other listed indicators share reports with
  // this one, by kind, in both languages; null when there are none.
  function linkedText(l) {
    if (!l) return null;
    var parts = [];
    function add(n, vi, en1, enN) { if (n) parts.push([n + " " + vi, n + " " + (n === 1 ? en1 : enN)]); }
    add(l.phones, "số điện thoại", "phone number", "phone numbers");
    add(l.bank_accounts, "tài khoản ngân hàng", "bank account", "bank accounts");
    add(l.domains, "tên miền", "domain", "domains");
    add(l.urls, "đường link", "link", "links");
    if (!parts.length) return null;
    return ["Xuất hiện cùng " + parts.map(function (p) { return p[0]; }).join(", ") + " đã bị báo cáo",
      "Appears together with " + parts.map(function (p) { return p[1]; }).join(", ") + " that were reported"];
  }

  function renderError(code, message) {
    var p = ERRORS[code];
    return el("section", { "class": "card v-error", role: "alert", "data-error": code || "error" },
      p ? el("p", null, both(p[0], p[1])) : el("p", null, message || code));
  }

  async function getJSON(url, opts) {
    var res;
    try {
      res = await fetch(url, Object.assign({ credentials: "omit", cache: "no-store" }, opts || {}));
    } catch (e) {
      return { status: 0, body: { error: { code: "network" } } };
    }
    var body = null;
    try { body = await res.json(); } catch (e) { body = null; }
    if (res.status === 429) body = { error: { code: "rate_limited" } };
    return { status: res.status, body: body };
  }

  function showKind(input, out) {
    var k = detectKind(input.value);
    out.textContent = "";
    if (!k) return;
    out.appendChild(both("Nhận diện: ", "Looks like: "));
    out.appendChild(el("span", { "class": "chip", "data-kind": k }, text(KINDS, k)));
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("check-form");
    var q = document.getElementById("q");
    var kindOut = document.getElementById("q-kind");
    var result = document.getElementById("result");
    var btn = document.getElementById("check-btn");
    var lastInput = "";

    q.addEventListener("input", function () { showKind(q, kindOut); });
    showKind(q, kindOut);

    form.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      var v = q.value.trim();
      if (!v) {
        result.replaceChildren(renderError("empty_input"));
        q.focus();
        return;
      }
      btn.disabled = true;
      result.setAttribute("aria-busy", "true");
      var r = await getJSON("/v1/check?q=" + encodeURIComponent(v));
      btn.disabled = false;
      result.removeAttribute("aria-busy");
      showCheck(v, r);
    });

    // showCheck renders the answer to a check of input; qr.js uses it too.
    function showCheck(input, r) {
      var b = r.body || {};
      if (r.status === 200 && !b.error && b.verdict) {
        lastInput = input;
        result.replaceChildren(renderResult(b));
      } else {
        var e = b.error || {};
        result.replaceChildren(renderError(e.code || "network", e.message));
      }
    }
    SC.showCheck = showCheck;
    SC.lastInput = function () { return lastInput; };

    result.addEventListener("click", function (ev) {
      if (!ev.target.closest("#report-this")) return;
      var rq = document.getElementById("r-q");
      rq.value = lastInput;
      rq.dispatchEvent(new Event("input"));
      document.getElementById("report").scrollIntoView();
      document.getElementById("r-desc").focus();
    });

    // Report form.
    var rform = document.getElementById("report-form");
    var rq = document.getElementById("r-q");
    var rkind = document.getElementById("r-q-kind");
    var receipt = document.getElementById("receipt");
    var rbtn = document.getElementById("report-btn");
    rq.addEventListener("input", function () { showKind(rq, rkind); });

    function val(id) { return document.getElementById(id).value.trim(); }
    function fail(code, message, focusId) {
      receipt.replaceChildren(el("div", { "class": "err-box", role: "alert" },
        ERRORS[code] ? both(ERRORS[code][0], ERRORS[code][1]) : (message || code)));
      if (focusId) document.getElementById(focusId).focus();
    }

    rform.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      if (!val("r-q")) return fail("empty_input", null, "r-q");
      if (!val("r-desc")) return fail("description", null, "r-desc");
      var amountText = val("r-amount").replace(/[.,\s]/g, "");
      if (amountText && !/^\d{1,15}$/.test(amountText)) return fail("amount", null, "r-amount");
      var contact = { name: val("r-name"), phone: val("r-phone"), email: val("r-email") };
      var hasContact = !!(contact.name || contact.phone || contact.email);
      if (hasContact && !document.getElementById("r-consent").checked) return fail("consent", null, "r-consent");
      var body = { q: val("r-q"), description: val("r-desc"), channel: "web", category: val("r-cat") };
      if (amountText) body.amount_vnd = Number(amountText);
      if (hasContact) body.contact = contact;
      rbtn.disabled = true;
      var r = await getJSON("/v1/reports", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      });
      rbtn.disabled = false;
      var b = r.body || {};
      if (r.status === 201 && b.id) {
        receipt.replaceChildren(el("div", { "class": "ok-box", role: "status" },
          el("p", null, both("Cảm ơn bạn. Báo cáo đã được ghi nhận.", "Thank you. Your report has been received.")),
          el("p", null, both("Mã biên nhận: ", "Receipt number: "), el("code", { id: "receipt-id" }, b.id)),
          el("p", null, both("Hãy lưu mã này. Nếu bạn đã mất tiền, hãy gọi ngay ngân hàng của bạn và Công an 113.",
            "Keep this number. If you lost money, call your bank and the police (113) now."))));
        rform.querySelectorAll("input, textarea").forEach(function (f) {
          if (f.type === "checkbox") f.checked = false; else f.value = "";
        });
        rkind.textContent = "";
      } else {
        var e = b.error || {};
        fail(e.code || "network", e.message);
      }
    });

    // Option labels cannot hold two spans: swap their text on a switch.
    function options(l) {
      document.querySelectorAll("option[data-vi]").forEach(function (o) { o.textContent = o.getAttribute("data-" + l); });
    }
    options(SC.lang());
    SC.onLang(options);
  });
})();
