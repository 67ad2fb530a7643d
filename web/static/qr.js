// The payment QR scan and the dispute form of the citizen page.
//
// A photo of a QR code is decoded here, in the browser, and never leaves
// the device: people photograph chats and bank screens, and the picture
// can show far more than the code. Only the decoded text goes to
// /v1/check. The browser's own BarcodeDetector is used where it exists
// (Android, macOS); elsewhere the vendored jsQR (vendor/jsQR.js, see
// vendor/_jsQR/README.md) is loaded from this server on first use, so
// that people who never scan do not download it.
"use strict";
(function () {
  var el = SC.el, both = SC.both;

  var QR_ERRORS = {
    qr_image: ["Không mở được ảnh này. Hãy chụp lại hoặc chọn ảnh khác (JPG hoặc PNG).", "Could not open this picture. Take it again or choose another one (JPG or PNG)."],
    qr_none: ["Không tìm thấy mã QR trong ảnh. Hãy chụp gần hơn, đủ sáng, để mã QR nằm trọn trong khung.", "No QR code found in the picture. Take it closer, in good light, with the whole code in the frame."],
    qr_not_payment: ["Mã QR này không phải mã chuyển khoản VietQR. Nội dung của mã được đưa vào ô kiểm tra ở trên để bạn xem.", "This QR code is not a VietQR payment code. What it says has been put in the check box above for you to see."],
    qr_decoder: ["Không tải được bộ đọc mã QR. Hãy thử lại.", "Could not load the QR reader. Please try again."],
    missing_evidence: ["Hãy ghi bằng chứng cho thấy bạn là chủ sở hữu.", "Write the evidence that you are the owner."],
    not_found: ["Số, tài khoản hoặc trang này hiện không có trong danh sách cảnh báo, nên không cần khiếu nại.", "This number, account or site is not on the warning list, so there is nothing to dispute."],
    invalid_dispute: ["Khiếu nại chưa hợp lệ. Hãy kiểm tra lại các ô đã điền.", "The dispute is not valid. Check the fields you filled in."],
    evidence: ["Hãy ghi bằng chứng cho thấy bạn là chủ sở hữu.", "Write the evidence that you are the owner."],
    dispute_name: ["Hãy ghi họ tên của bạn.", "Write your name."],
    dispute_contact: ["Hãy ghi số điện thoại hoặc email để công an liên lạc lại.", "Give a phone number or email so police can reach you."],
    dispute_consent: ["Hãy đánh dấu ô đồng ý để công an được dùng thông tin liên hệ của bạn.", "Tick the consent box so police may use your contact details."]
  };
  function message(code) {
    return QR_ERRORS[code] || (SC.errors && SC.errors[code]) || null;
  }

  // The largest side a photo is scaled to before jsQR reads it: a phone
  // photo has 12 megapixels, and jsQR's time grows with the pixel count.
  // A second, larger pass catches small codes in big photos.
  var SIDES = [1024, 2048];

  var decoderLoad = null;
  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    if (!decoderLoad) {
      decoderLoad = new Promise(function (resolve, reject) {
        var s = document.createElement("script");
        s.src = "/static/vendor/jsQR.js";
        s.onload = function () { window.jsQR ? resolve(window.jsQR) : reject(new Error("jsQR missing")); };
        s.onerror = function () { decoderLoad = null; reject(new Error("jsQR did not load")); };
        document.head.appendChild(s);
      });
    }
    return decoderLoad;
  }

  async function detectNative(bitmap) {
    if (!("BarcodeDetector" in window)) return null;
    try {
      var formats = await window.BarcodeDetector.getSupportedFormats();
      if (formats.indexOf("qr_code") < 0) return null;
      var codes = await new window.BarcodeDetector({ formats: ["qr_code"] }).detect(bitmap);
      return codes.length ? codes[0].rawValue : "";
    } catch (e) {
      return null; // unsupported here after all: fall back to jsQR
    }
  }

  function pixels(bitmap, side) {
    var scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
    var w = Math.max(1, Math.round(bitmap.width * scale));
    var h = Math.max(1, Math.round(bitmap.height * scale));
    var canvas = document.createElement("canvas");
    canvas.width = w;
    canvas.height = h;
    var ctx = canvas.getContext("2d", { willReadFrequently: true });
    // A transparent PNG would read as black on black: paint white first.
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, w, h);
    ctx.drawImage(bitmap, 0, 0, w, h);
    return ctx.getImageData(0, 0, w, h);
  }

  // decode returns the text of the QR code in file, "" when there is
  // none, or throws {code} when the picture or the decoder fails.
  async function decode(file) {
    var bitmap;
    try {
      // createImageBitmap reads the file in memory: no URL, no request,
      // and nothing the page's img-src policy would have to allow.
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    } catch (e) {
      // Older Safari refuses the options rather than ignoring them.
      try { bitmap = await createImageBitmap(file); } catch (e2) { throw { code: "qr_image" }; }
    }
    try {
      var text = await detectNative(bitmap);
      if (text !== null && text !== "") return text;
      var jsQR;
      try { jsQR = await loadJsQR(); } catch (e) { throw { code: "qr_decoder" }; }
      var last = 0;
      for (var i = 0; i < SIDES.length; i++) {
        var side = Math.min(SIDES[i], Math.max(bitmap.width, bitmap.height));
        if (side <= last) break;
        last = side;
        var img = pixels(bitmap, side);
        var found = jsQR(img.data, img.width, img.height, { inversionAttempts: "attemptBoth" });
        if (found && found.data) return found.data;
      }
      return "";
    } finally {
      if (bitmap.close) bitmap.close();
    }
  }

  // isPayment says whether text is an EMVCo merchant-presented payload
  // (payload format indicator "000201"), which /v1/check decodes.
  function isPayment(text) { return /^000201/.test(text); }

  document.addEventListener("DOMContentLoaded", function () {
    var status = document.getElementById("qr-status");
    var expect = document.getElementById("qr-expect");
    var result = document.getElementById("result");
    var busy = false;

    function say(vi, en, isErr) {
      status.className = "qr-status" + (isErr ? " err" : "");
      status.replaceChildren(both(vi, en));
    }
    function sayError(code) {
      var m = message(code) || [code, code];
      status.setAttribute("data-error", code);
      say(m[0], m[1], true);
    }

    async function scan(input) {
      var file = input.files && input.files[0];
      // Cleared at once so that the same photo can be chosen again, and
      // the page holds no reference to it once read.
      input.value = "";
      if (!file || busy) return;
      busy = true;
      status.removeAttribute("data-error");
      status.setAttribute("data-state", "reading");
      say("Đang đọc mã QR trên máy của bạn…", "Reading the QR code on your device…");
      result.replaceChildren();
      try {
        var text;
        try {
          text = await decode(file);
        } catch (e) {
          sayError(e && e.code ? e.code : "qr_image");
          return;
        }
        if (!text) { sayError("qr_none"); return; }
        if (!isPayment(text)) {
          // A plain QR (a link, a phone number) is still worth checking:
          // put it where the person can see and check it.
          var q = document.getElementById("q");
          q.value = text.slice(0, 4096);
          q.dispatchEvent(new Event("input"));
          sayError("qr_not_payment");
          q.focus();
          return;
        }
        say("Đã đọc mã QR. Đang kiểm tra…", "QR code read. Checking…");
        var url = "/v1/check?q=" + encodeURIComponent(text);
        var want = expect.value.trim();
        if (want) url += "&expect_account=" + encodeURIComponent(want);
        result.setAttribute("aria-busy", "true");
        var r = await SC.getJSON(url);
        result.removeAttribute("aria-busy");
        SC.showCheck(text, r);
        status.setAttribute("data-state", "done");
        status.className = "qr-status";
        status.replaceChildren();
        var card = result.querySelector(".card");
        if (card) card.scrollIntoView({ block: "start" });
      } finally {
        busy = false;
        if (status.getAttribute("data-state") === "reading") status.setAttribute("data-state", "done");
      }
    }
    ["qr-camera", "qr-file"].forEach(function (id) {
      var input = document.getElementById(id);
      input.addEventListener("change", function () { scan(input); });
    });

    // Dispute form.
    var dform = document.getElementById("dispute-form");
    var dq = document.getElementById("d-q");
    var dkind = document.getElementById("d-q-kind");
    var receipt = document.getElementById("dispute-receipt");
    var dbtn = document.getElementById("dispute-btn");
    dq.addEventListener("input", function () { SC.showKind(dq, dkind); });

    result.addEventListener("click", function (ev) {
      if (!ev.target.closest("#dispute-this")) return;
      dq.value = SC.lastInput();
      dq.dispatchEvent(new Event("input"));
      document.getElementById("dispute").scrollIntoView();
      document.getElementById("d-evidence").focus();
    });

    function val(id) { return document.getElementById(id).value.trim(); }
    function fail(code, serverMessage, focusId) {
      var m = message(code);
      receipt.replaceChildren(el("div", { "class": "err-box", role: "alert", "data-error": code },
        m ? both(m[0], m[1]) : (serverMessage || code)));
      if (focusId) document.getElementById(focusId).focus();
    }

    dform.addEventListener("submit", async function (ev) {
      ev.preventDefault();
      if (!val("d-q")) return fail("empty_input", null, "d-q");
      if (!val("d-evidence")) return fail("evidence", null, "d-evidence");
      if (!val("d-name")) return fail("dispute_name", null, "d-name");
      if (!val("d-phone") && !val("d-email")) return fail("dispute_contact", null, "d-phone");
      if (!document.getElementById("d-consent").checked) return fail("dispute_consent", null, "d-consent");
      var body = {
        q: val("d-q"),
        evidence: val("d-evidence"),
        contact: { name: val("d-name"), phone: val("d-phone"), email: val("d-email") }
      };
      dbtn.disabled = true;
      var r = await SC.getJSON("/v1/disputes", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
      });
      dbtn.disabled = false;
      var b = r.body || {};
      if (r.status === 201 && b.id) {
        receipt.replaceChildren(el("div", { "class": "ok-box", role: "status" },
          el("p", null, both("Đã nhận khiếu nại của bạn. Công an sẽ xem xét bằng chứng và liên lạc lại.",
            "Your dispute has been received. Police will review the evidence and contact you.")),
          el("p", null, both("Mã khiếu nại: ", "Dispute number: "), el("code", { id: "dispute-id" }, b.id)),
          el("p", null, both("Hãy lưu mã này để hỏi về kết quả.", "Keep this number to ask about the outcome."))));
        dform.querySelectorAll("input, textarea").forEach(function (f) {
          if (f.type === "checkbox") f.checked = false; else f.value = "";
        });
        dkind.textContent = "";
      } else {
        var e = b.error || {};
        fail(e.code || "network", e.message);
      }
    });
  });
})();
