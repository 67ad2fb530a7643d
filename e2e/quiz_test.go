package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/web"
)

// TestQuizInBrowser takes the awareness check at phone width: eight cards
// answered right and two wrong, each showing why; the result shows 8/10,
// a pass and the checklist; /v1/stats counts one completed and one passed
// quiz; and the page sent nothing but its score, to its own server.
func TestQuizInBrowser(t *testing.T) {
	ctx := browser(t)
	srv := startServer(t)
	dir := artifacts(t)
	watch := &pageWatch{}
	reqs := &requestLog{}
	if err := chromedp.Listen(ctx, watch.listen); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, reqs.listen); err != nil {
		t.Fatal(err)
	}

	var quiz web.Quiz
	srv.do(t, "GET", "/v1/quiz", "", nil, 200, &quiz)
	if len(quiz.Questions) != 10 || quiz.PassMark != 8 {
		t.Fatalf("quiz: %d questions, pass mark %d", len(quiz.Questions), quiz.PassMark)
	}
	var before api.StatsResponse
	srv.do(t, "GET", "/v1/stats", "", nil, 200, &before)

	within(t, ctx, "open the quiz at 360 px",
		chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile),
		chromedp.Navigate(srv.url+"/quiz"),
		chromedp.WaitVisible(chromedp.CSS(".quiz-card .quiz-opt")))

	const wrongOnes = 2 // the first two cards are answered wrong
	for i, q := range quiz.Questions {
		right := -1
		for j, o := range q.Options {
			if o.Correct {
				right = j
			}
		}
		pick := right
		if i < wrongOnes {
			pick = (right + 1) % len(q.Options)
		}
		card := `.quiz-card[data-id="` + q.ID + `"]`
		within(t, ctx, fmt.Sprintf("answer card %d (%s)", i+1, q.ID),
			chromedp.WaitVisible(chromedp.CSS(card)),
			chromedp.Click(chromedp.CSS(card+` .quiz-opt[data-index="`+strconv.Itoa(pick)+`"]`)),
			chromedp.WaitVisible(chromedp.CSS("#quiz-next")))
		if got := eval[string](t, ctx, `document.getElementById('quiz-count').innerText`); got != fmt.Sprintf("Câu %d/10", i+1) {
			t.Errorf("card %d: progress %q", i+1, got)
		}
		verdict := eval[string](t, ctx, `document.querySelector('.quiz-verdict').innerText`)
		wantRight := i >= wrongOnes
		if got := eval[string](t, ctx, `document.querySelector('.quiz-verdict').dataset.right`); got != strconv.FormatBool(wantRight) {
			t.Errorf("card %d: verdict right=%s, want %v", i+1, got, wantRight)
		}
		title := "Chính xác!"
		if !wantRight {
			title = "Chưa đúng."
		}
		// The why is the file's, in Vietnamese by default.
		if !strings.Contains(verdict, title) || !strings.Contains(verdict, q.Why.VI[:40]) {
			t.Errorf("card %d: feedback lacks %q or the why:\n%s", i+1, title, verdict)
		}
		// The right answer is marked in words, not only by colour.
		if got := eval[string](t, ctx, `document.querySelector('.quiz-opt.right').dataset.index`); got != strconv.Itoa(right) {
			t.Errorf("card %d: right answer shown at %s, want %d", i+1, got, right)
		}
		if got := eval[string](t, ctx, `document.querySelector('.quiz-opt.right .quiz-tag').innerText`); got != "Cách đúng" {
			t.Errorf("card %d: right tag %q", i+1, got)
		}
		if n := eval[int](t, ctx, `document.querySelectorAll('.quiz-opt:not([disabled])').length`); n != 0 {
			t.Errorf("card %d: %d options still clickable after answering", i+1, n)
		}
		if i == 0 {
			if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
				t.Errorf("card is %d px wide on a 360 px screen", w)
			}
			shoot(t, ctx, dir, "quiz-card-360.png")
		}
		within(t, ctx, "next", chromedp.Click(chromedp.CSS("#quiz-next")))
	}

	within(t, ctx, "see the result and the count",
		chromedp.WaitVisible(chromedp.CSS("#quiz-result")),
		chromedp.WaitVisible(chromedp.CSS(`#quiz-sent[data-sent="true"]`)))
	result := eval[string](t, ctx, `document.getElementById('quiz-result').innerText`)
	if got := eval[string](t, ctx, `document.getElementById('quiz-result').dataset.score`); got != "8" {
		t.Errorf("score %s, want 8:\n%s", got, result)
	}
	if got := eval[string](t, ctx, `document.getElementById('quiz-result').dataset.passed`); got != "true" {
		t.Errorf("8/10 not shown as passed")
	}
	for _, want := range []string{"8/10", "Rất tốt", "Ghi nhớ để không bị lừa", "Những tình huống cần xem lại", "113",
		quiz.Checklist[0].VI, quiz.Questions[0].Scenario.VI[:40]} {
		if !strings.Contains(result, want) {
			t.Errorf("result lacks %q:\n%s", want, result)
		}
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.quiz-checklist li').length`); n != len(quiz.Checklist) {
		t.Errorf("checklist has %d items, want %d", n, len(quiz.Checklist))
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('.quiz-missed li').length`); n != wrongOnes {
		t.Errorf("%d cards to review, want %d", n, wrongOnes)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("result is %d px wide on a 360 px screen", w)
	}
	if c := eval[string](t, ctx, `document.cookie`); c != "" {
		t.Errorf("page has cookies %q", c)
	}
	shoot(t, ctx, dir, "quiz-result-360.png")
	within(t, ctx, "English", chromedp.Click(chromedp.CSS("#lang-toggle")))
	if r := eval[string](t, ctx, `document.getElementById('quiz-result').innerText`); !strings.Contains(r, "Well done") || !strings.Contains(r, quiz.Checklist[0].EN) {
		t.Errorf("English result:\n%s", r)
	}
	within(t, ctx, "back to Vietnamese", chromedp.Click(chromedp.CSS("#lang-toggle")))

	// The counter moved by exactly this quiz.
	var after api.StatsResponse
	srv.do(t, "GET", "/v1/stats", "", nil, 200, &after)
	if after.Quiz.Completed != before.Quiz.Completed+1 || after.Quiz.Passed != before.Quiz.Passed+1 {
		t.Errorf("quiz stats went from %+v to %+v, want one more completed and passed", before.Quiz, after.Quiz)
	}
	if after.Quiz.Share != 1 {
		t.Errorf("share %v, want 1", after.Quiz.Share)
	}

	// Everything the page loaded came from its own server, and the one
	// thing it sent was the score: the answers stayed in the page.
	posts := 0
	for _, r := range reqs.list() {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("unparsable request URL %q", r.url)
			continue
		}
		if u.Scheme == "data" {
			continue
		}
		if u.Host != strings.TrimPrefix(srv.url, "http://") {
			t.Errorf("request to another host: %s %s", r.method, r.url)
		}
		if r.method == "POST" {
			posts++
			if u.Path != "/v1/quiz/results" {
				t.Errorf("the quiz posted to %s", u.Path)
			}
		}
	}
	if posts != 1 {
		t.Errorf("%d POSTs, want 1 (the score)", posts)
	}
	for _, p := range watch.list() {
		t.Errorf("page problem: %s", p)
	}
}
