package api_test

import (
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/web"
)

// TestQuizResultsCountedAnonymously completes quizzes through the API and
// sees only aggregate counters move, on both stores.
func TestQuizResultsCountedAnonymously(t *testing.T) {
	forEachStore(t, func(t *testing.T, store string) {
		e := mustEnv(t, store, nil)
		var q web.Quiz
		r := e.mustDo(t, "GET", "/v1/quiz", "", nil, 200, &q)
		if len(q.Questions) != 10 || q.PassMark != 8 {
			t.Fatalf("quiz has %d questions, pass mark %d", len(q.Questions), q.PassMark)
		}
		if len(r.header.Values("Set-Cookie")) > 0 {
			t.Errorf("quiz sets a cookie: %v", r.header.Values("Set-Cookie"))
		}

		var before api.StatsResponse
		e.mustDo(t, "GET", "/v1/stats", "", nil, 200, &before)
		if before.Quiz.Completed != 0 || before.Quiz.Share != 0 || before.Quiz.Goal != 0.85 {
			t.Fatalf("fresh store: quiz stats %+v", before.Quiz)
		}

		// 7 is one short of the pass mark; 8 and 10 pass.
		for _, tc := range []struct {
			score  int
			passed bool
		}{{7, false}, {8, true}, {10, true}, {0, false}} {
			var out api.QuizResultResponse
			rr := e.mustDo(t, "POST", "/v1/quiz/results", "", map[string]int{"score": tc.score}, 201, &out)
			if out.Passed != tc.passed || out.Score != tc.score || out.Questions != 10 {
				t.Errorf("score %d: %+v, want passed=%v", tc.score, out, tc.passed)
			}
			if len(rr.header.Values("Set-Cookie")) > 0 {
				t.Errorf("result sets a cookie")
			}
		}

		// Bad scores are refused and change nothing.
		for _, body := range []string{`{"score":11}`, `{"score":-1}`, `{}`, `{"score":"8"}`,
			`{"score":8,"ip":"1.2.3.4"}`, `{"score":8.5}`, ``} {
			r := e.do(t, "POST", "/v1/quiz/results", "", body)
			if r.status != 400 {
				t.Errorf("%s: status %d, want 400: %s", body, r.status, r.body)
			}
		}

		var after api.StatsResponse
		e.mustDo(t, "GET", "/v1/stats", "", nil, 200, &after)
		want := api.QuizStats{Completed: 4, Passed: 2, Share: 0.5, PassMark: 8, Questions: 10, Goal: 0.85}
		if after.Quiz != want {
			t.Errorf("quiz stats %+v, want %+v", after.Quiz, want)
		}
		// The counters are all that is stored: a day's counters hold the
		// two quiz names and nothing derived from a client.
		for _, d := range after.Days {
			for name := range d.Other {
				if strings.HasPrefix(name, "quiz:") && name != "quiz:completed" && name != "quiz:passed" {
					t.Errorf("unexpected counter %q", name)
				}
			}
		}
	})
}

// TestQuizFromConfig serves an operator's quiz instead of the embedded one.
func TestQuizFromConfig(t *testing.T) {
	custom, err := web.ParseQuiz([]byte(`{"pass_mark":1,"questions":[{"id":"only","scenario":{"vi":"a","en":"a"},` +
		`"why":{"vi":"b","en":"b"},"options":[{"vi":"c","en":"c","correct":true},{"vi":"d","en":"d"}]}],` +
		`"checklist":[{"vi":"e","en":"e"}]}`))
	if err != nil {
		t.Fatal(err)
	}
	e := mustEnv(t, "bolt", func(c *api.Config) { c.Quiz = custom })
	var q web.Quiz
	e.mustDo(t, "GET", "/v1/quiz", "", nil, 200, &q)
	if len(q.Questions) != 1 || q.Questions[0].ID != "only" {
		t.Fatalf("served %+v", q)
	}
	if r := e.do(t, "POST", "/v1/quiz/results", "", `{"score":2}`); r.status != 400 {
		t.Errorf("score above the quiz's length: status %d", r.status)
	}
	var out api.QuizResultResponse
	e.mustDo(t, "POST", "/v1/quiz/results", "", `{"score":1}`, 201, &out)
	if !out.Passed {
		t.Errorf("1 of 1 with pass mark 1 not passed: %+v", out)
	}
}
