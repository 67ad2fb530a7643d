package web

import (
	"errors"
	"strings"
	"testing"
)

func TestDefaultQuizIsValid(t *testing.T) {
	q, err := DefaultQuiz()
	if err != nil {
		t.Fatalf("DefaultQuiz: %v", err)
	}
	if len(q.Questions) != 10 || q.PassMark != 8 || q.Goal != 0.85 {
		t.Errorf("quiz has %d questions, pass mark %d, goal %v; want 10, 8, 0.85", len(q.Questions), q.PassMark, q.Goal)
	}
	// The right answer must not always sit at the same place, or the
	// quiz measures nothing.
	where := map[int]bool{}
	for _, qq := range q.Questions {
		for i, o := range qq.Options {
			if o.Correct {
				where[i] = true
			}
		}
	}
	if len(where) < 3 {
		t.Errorf("right answers only at positions %v", where)
	}
	// The scam types the issue names, by words their cards must mention.
	text := ""
	for _, qq := range q.Questions {
		text += qq.Scenario.VI + " "
	}
	for _, want := range []string{"Công an", "tin nhắn", "việc nhẹ lương cao", "chứng khoán", "shipper",
		"cấp cứu", "vay", "vietinbank-online.vn", "QR", "AnyDesk"} {
		if !strings.Contains(text, want) {
			t.Errorf("no scenario mentions %q", want)
		}
	}
}

func TestParseQuizRejects(t *testing.T) {
	opt := func(correct bool) string {
		if correct {
			return `{"vi":"đúng","en":"right","correct":true}`
		}
		return `{"vi":"sai","en":"wrong"}`
	}
	card := func(id string, opts ...string) string {
		return `{"id":"` + id + `","scenario":{"vi":"tình huống","en":"scenario"},"why":{"vi":"vì","en":"because"},"options":[` +
			strings.Join(opts, ",") + `]}`
	}
	quiz := func(pass string, cards ...string) string {
		return `{"pass_mark":` + pass + `,"questions":[` + strings.Join(cards, ",") +
			`],"checklist":[{"vi":"nhớ","en":"remember"}]}`
	}
	good := card("a", opt(true), opt(false))
	if _, err := ParseQuiz([]byte(quiz("1", good))); err != nil {
		t.Fatalf("a valid quiz: %v", err)
	}
	tests := []struct {
		name, file, want string
	}{
		{"no answer", quiz("1", card("a", opt(false), opt(false))), `question 1 ("a"): no answer`},
		{"two answers", quiz("1", card("a", opt(true), opt(true))), `2 options marked correct`},
		{"duplicate id", quiz("1", good, good), `question 2 ("a"): duplicate id, also question 1`},
		{"one option", quiz("1", card("a", opt(true))), `1 options, want 2 to 4`},
		{"five options", quiz("1", card("a", opt(true), opt(false), opt(false), opt(false), opt(false))), `5 options, want 2 to 4`},
		{"no id", quiz("1", card("", opt(true), opt(false))), `question 1: no id`},
		{"pass mark above count", quiz("2", good), `pass_mark 2`},
		{"no questions", quiz("1"), `0 questions`},
		{"misspelt field", `{"pass_mark":1,"questions":[{"id":"a","options":[{"vi":"x","en":"y","corect":true}]}]}`, `unknown field "corect"`},
		{"missing English", strings.Replace(quiz("1", good), `"en":"because"`, `"en":""`, 1), `why: en text is empty`},
		{"not JSON", `{"pass_mark":`, `unexpected EOF`},
		{"trailing data", quiz("1", good) + `{}`, `unexpected data`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuiz([]byte(tc.file))
			if err == nil {
				t.Fatalf("accepted: %+v", q)
			}
			if !errors.Is(err, ErrInvalidQuiz) {
				t.Errorf("error %v does not wrap ErrInvalidQuiz", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q lacks %q", err, tc.want)
			}
		})
	}
}
