package web

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// quizJSON is the awareness check shipped with the binary. Operators may
// replace it at start-up with an edited copy (`scamcheck serve --quiz`).
//
//go:embed quiz.json
var quizJSON []byte

// ErrInvalidQuiz is wrapped by every error of ParseQuiz, so that a caller
// can tell a bad quiz file from a failure to read it.
var ErrInvalidQuiz = errors.New("invalid quiz")

// Bounds of a quiz. A card offers a choice, so it needs at least two
// options; more than four do not fit a phone screen.
const (
	QuizMinOptions   = 2
	QuizMaxOptions   = 4
	QuizMinQuestions = 1
	QuizMaxQuestions = 50
	// quizMaxText bounds a text, so a stray paste cannot bloat the page.
	quizMaxText = 2000
)

// Text is a text in both languages of the pages.
type Text struct {
	VI string `json:"vi"`
	EN string `json:"en"`
}

// QuizOption is one answer offered on a card.
type QuizOption struct {
	VI string `json:"vi"`
	EN string `json:"en"`
	// Correct marks the one answer that recognises the scam.
	Correct bool `json:"correct,omitempty"`
}

// QuizQuestion is one scenario card.
type QuizQuestion struct {
	// ID names the card in error messages and in the page; unique.
	ID string `json:"id"`
	// Topic is a free-form label of the scam type ("impersonation").
	Topic    string       `json:"topic,omitempty"`
	Scenario Text         `json:"scenario"`
	Options  []QuizOption `json:"options"`
	// Why is shown after an answer, right or wrong.
	Why Text `json:"why"`
}

// Quiz is the awareness check: the cards, the score that counts as having
// recognised the scams, and the checklist shown with the result.
type Quiz struct {
	// PassMark is the least number of right answers that counts as passed
	// (8 of 10 in the centre's target).
	PassMark int `json:"pass_mark"`
	// Goal is the share of passed quizzes the centre aims for (0.85);
	// shown on the dashboard, 0 when not set.
	Goal      float64        `json:"goal,omitempty"`
	Questions []QuizQuestion `json:"questions"`
	Checklist []Text         `json:"checklist"`
}

// DefaultQuiz parses and validates the embedded quiz.
func DefaultQuiz() (*Quiz, error) {
	q, err := ParseQuiz(quizJSON)
	if err != nil {
		return nil, fmt.Errorf("embedded quiz.json: %w", err)
	}
	return q, nil
}

// ParseQuiz decodes a quiz file strictly (unknown fields are errors, since
// a misspelt "correct" would silently leave a card without an answer) and
// validates it. Every problem found is reported, not just the first, so an
// editor can fix the file in one pass. Errors wrap ErrInvalidQuiz.
func ParseQuiz(b []byte) (*Quiz, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var q Quiz
	if err := dec.Decode(&q); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidQuiz, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: unexpected data after the JSON object", ErrInvalidQuiz)
	}
	if problems := q.problems(); len(problems) > 0 {
		return nil, fmt.Errorf("%w: %s", ErrInvalidQuiz, strings.Join(problems, "; "))
	}
	return &q, nil
}

// problems lists what is wrong with q, in file order.
func (q *Quiz) problems() []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	n := len(q.Questions)
	if n < QuizMinQuestions || n > QuizMaxQuestions {
		add("%d questions, want %d to %d", n, QuizMinQuestions, QuizMaxQuestions)
	}
	if q.PassMark < 1 || (n > 0 && q.PassMark > n) {
		add("pass_mark %d, want 1 to the number of questions (%d)", q.PassMark, n)
	}
	if q.Goal < 0 || q.Goal > 1 {
		add("goal %v, want a share from 0 to 1", q.Goal)
	}
	seen := map[string]int{}
	for i, qq := range q.Questions {
		name := fmt.Sprintf("question %d", i+1)
		if qq.ID == "" {
			add("%s: no id", name)
		} else {
			name = fmt.Sprintf("question %d (%q)", i+1, qq.ID)
			if j, dup := seen[qq.ID]; dup {
				add("%s: duplicate id, also question %d", name, j+1)
			}
			seen[qq.ID] = i
		}
		checkText(add, name+": scenario", qq.Scenario.VI, qq.Scenario.EN)
		checkText(add, name+": why", qq.Why.VI, qq.Why.EN)
		if k := len(qq.Options); k < QuizMinOptions || k > QuizMaxOptions {
			add("%s: %d options, want %d to %d", name, k, QuizMinOptions, QuizMaxOptions)
		}
		correct := 0
		for j, o := range qq.Options {
			checkText(add, fmt.Sprintf("%s: option %d", name, j+1), o.VI, o.EN)
			if o.Correct {
				correct++
			}
		}
		switch {
		case correct == 0:
			add("%s: no answer (no option has \"correct\": true)", name)
		case correct > 1:
			add("%s: %d options marked correct, want exactly one", name, correct)
		}
	}
	if len(q.Checklist) == 0 {
		add("checklist is empty")
	}
	for i, c := range q.Checklist {
		checkText(add, fmt.Sprintf("checklist item %d", i+1), c.VI, c.EN)
	}
	return out
}

// checkText requires both languages, each of bounded length.
func checkText(add func(string, ...any), what, vi, en string) {
	for _, t := range []struct{ lang, s string }{{"vi", vi}, {"en", en}} {
		switch {
		case strings.TrimSpace(t.s) == "":
			add("%s: %s text is empty", what, t.lang)
		case len(t.s) > quizMaxText:
			add("%s: %s text is %d bytes, want at most %d", what, t.lang, len(t.s), quizMaxText)
		}
	}
}
