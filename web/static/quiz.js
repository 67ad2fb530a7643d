// The awareness check: fetches the cards from GET /v1/quiz, shows them one
// at a time, explains each answer, and at the end sends only the score to
// POST /v1/quiz/results. Answers stay in this page: nothing is stored in
// the browser, and nothing but the score leaves it.
"use strict";
(function () {
  var el = SC.el, both = SC.both;
  var root, quiz, idx = 0, score = 0, answers = [];

  function api(path, opts) {
    return fetch(path, Object.assign({ credentials: "omit", cache: "no-store" }, opts || {}));
  }

  function focusFirst(sel) {
    var n = root.querySelector(sel);
    if (n) { n.setAttribute("tabindex", "-1"); n.focus({ preventScroll: false }); }
  }

  function failed(retry) {
    root.replaceChildren(el("div", { "class": "err-box", role: "alert" },
      el("p", null, both("Không tải được câu hỏi. Kiểm tra kết nối mạng rồi thử lại.",
        "The questions could not be loaded. Check your connection and try again.")),
      el("button", { type: "button", "class": "secondary", id: "quiz-retry" }, both("Thử lại", "Try again"))));
    root.querySelector("#quiz-retry").addEventListener("click", retry);
  }

  async function load() {
    try {
      var res = await api("/v1/quiz");
      if (!res.ok) throw new Error("status " + res.status);
      quiz = await res.json();
    } catch (e) {
      failed(load);
      return;
    }
    start();
  }

  function start() {
    idx = 0; score = 0; answers = [];
    showCard();
  }

  function progress() {
    var n = quiz.questions.length;
    return el("div", { "class": "quiz-progress" },
      el("span", { id: "quiz-count" }, both("Câu " + (idx + 1) + "/" + n, "Question " + (idx + 1) + " of " + n)),
      el("progress", { max: n, value: idx, "aria-hidden": "true" }));
  }

  function showCard() {
    var q = quiz.questions[idx];
    var opts = el("div", { "class": "quiz-options", role: "group", "aria-labelledby": "quiz-ask" });
    q.options.forEach(function (o, i) {
      var b = el("button", { type: "button", "class": "quiz-opt", "data-index": i },
        el("span", { "class": "quiz-letter", "aria-hidden": "true" }, String.fromCharCode(65 + i)),
        el("span", { "class": "quiz-opt-text" }, both(o.vi, o.en)));
      b.addEventListener("click", function () { answer(i); });
      opts.appendChild(b);
    });
    root.replaceChildren(el("article", { "class": "quiz-card", "data-id": q.id, "aria-labelledby": "quiz-count" },
      progress(),
      el("p", { "class": "quiz-scenario", id: "quiz-scenario" }, both(q.scenario.vi, q.scenario.en)),
      el("p", { "class": "quiz-ask", id: "quiz-ask" }, both("Bạn nên làm gì?", "What should you do?")),
      opts,
      el("div", { id: "quiz-feedback", "class": "quiz-feedback" })));
    if (idx > 0) focusFirst("#quiz-scenario");
  }

  function answer(i) {
    var q = quiz.questions[idx];
    var right = q.options[i].correct === true;
    if (right) score++;
    answers.push(right);
    root.querySelectorAll(".quiz-opt").forEach(function (b, j) {
      b.disabled = true;
      var isRight = q.options[j].correct === true;
      if (isRight) {
        b.classList.add("right");
        b.appendChild(el("span", { "class": "quiz-tag" }, both("Cách đúng", "Right answer")));
      } else if (j === i) {
        b.classList.add("wrong");
        b.appendChild(el("span", { "class": "quiz-tag" }, both("Bạn chọn", "Your choice")));
      }
      if (j === i) b.setAttribute("aria-pressed", "true");
    });
    var last = idx === quiz.questions.length - 1;
    var next = el("button", { type: "button", "class": "primary", id: "quiz-next" },
      last ? both("Xem kết quả", "See the result") : both("Câu tiếp theo", "Next question"));
    next.addEventListener("click", function () {
      if (last) { finish(); } else { idx++; showCard(); }
    });
    root.querySelector("#quiz-feedback").replaceChildren(
      el("div", { "class": right ? "quiz-verdict ok-box" : "quiz-verdict err-box", "data-right": right ? "true" : "false" },
        el("p", { "class": "quiz-verdict-title" }, right ? both("Chính xác!", "Correct!") : both("Chưa đúng.", "Not quite.")),
        el("p", null, both(q.why.vi, q.why.en))),
      next);
    focusFirst(".quiz-verdict-title");
  }

  async function send(status) {
    try {
      var res = await api("/v1/quiz/results", {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ score: score })
      });
      if (!res.ok) throw new Error("status " + res.status);
      status.replaceChildren(both("Điểm của bạn đã được cộng vào thống kê chung (ẩn danh).",
        "Your score was added to the anonymous tally."));
      status.dataset.sent = "true";
    } catch (e) {
      status.replaceChildren(both("Không gửi được điểm vào thống kê; kết quả của bạn vẫn ở đây.",
        "The score could not be added to the tally; your result is still here."));
      status.dataset.sent = "false";
    }
  }

  function finish() {
    var n = quiz.questions.length;
    var passed = score >= quiz.pass_mark;
    var missed = el("ul", { "class": "quiz-missed" });
    quiz.questions.forEach(function (q, i) {
      if (!answers[i]) missed.appendChild(el("li", null, both(q.scenario.vi, q.scenario.en)));
    });
    var checklist = el("ul", { "class": "quiz-checklist" });
    quiz.checklist.forEach(function (c) { checklist.appendChild(el("li", null, both(c.vi, c.en))); });
    var again = el("button", { type: "button", "class": "secondary", id: "quiz-restart" }, both("Làm lại", "Try again"));
    again.addEventListener("click", start);
    var status = el("p", { "class": "hint", id: "quiz-sent", "aria-live": "polite" });
    root.replaceChildren(el("article", { "class": "quiz-result" + (passed ? " passed" : ""), id: "quiz-result",
      "data-score": score, "data-passed": passed ? "true" : "false" },
      el("h2", { id: "quiz-score-title" }, both("Kết quả của bạn", "Your result")),
      el("p", { "class": "quiz-score", id: "quiz-score" }, el("strong", null, score + "/" + n),
        " ", both("tình huống nhận biết đúng", "situations handled right")),
      el("p", { "class": "quiz-message" }, passed
        ? both("Rất tốt! Bạn nhận ra hầu hết các chiêu lừa phổ biến. Hãy chia sẻ trang này với người thân, nhất là cha mẹ, ông bà.",
          "Well done! You spotted most common scams. Share this page with your family, especially parents and grandparents.")
        : both("Kẻ gian rất tinh vi, ai cũng có thể bị lừa. Hãy đọc kỹ danh sách dưới đây và làm lại để nhớ lâu hơn.",
          "Scammers are skilled and anyone can be fooled. Read the checklist below and try again to remember it.")),
      answers.indexOf(false) >= 0 ? el("h3", null, both("Những tình huống cần xem lại", "Situations to review")) : null,
      answers.indexOf(false) >= 0 ? missed : null,
      el("h3", null, both("Ghi nhớ để không bị lừa", "Checklist: how not to be fooled")),
      checklist,
      el("div", { "class": "quiz-actions" }, again,
        el("a", { href: "/", "class": "quiz-link" }, both("Kiểm tra một số điện thoại, tài khoản hay đường link", "Check a number, account or link"))),
      status));
    focusFirst("#quiz-score-title");
    send(status);
  }

  document.addEventListener("DOMContentLoaded", function () {
    root = document.getElementById("quiz");
    load();
  });
})();
