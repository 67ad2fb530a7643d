package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/web"
)

// TestServeRefusesBadQuiz: an edited quiz file with a mistake stops serve
// before it opens the store or listens, with a message naming the card.
func TestServeRefusesBadQuiz(t *testing.T) {
	card := func(id, opts string) string {
		return fmt.Sprintf(`{"id":%q,"scenario":{"vi":"a","en":"a"},"why":{"vi":"b","en":"b"},"options":[%s]}`, id, opts)
	}
	right, wrong := `{"vi":"c","en":"c","correct":true}`, `{"vi":"d","en":"d"}`
	mk := func(cards ...string) string {
		return `{"pass_mark":1,"questions":[` + strings.Join(cards, ",") + `],"checklist":[{"vi":"e","en":"e"}]}`
	}
	tests := []struct{ name, file, want string }{
		{"no answer", mk(card("q1", wrong+","+wrong)), `question 1 ("q1"): no answer`},
		{"duplicate id", mk(card("q1", right+","+wrong), card("q1", wrong+","+right)), `question 2 ("q1"): duplicate id`},
		{"wrong option count", mk(card("q1", right)), `question 1 ("q1"): 1 options, want 2 to 4`},
		{"not JSON", `{"questions": [`, `--quiz`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "quiz.json")
			if err := os.WriteFile(path, []byte(tc.file), 0o644); err != nil {
				t.Fatal(err)
			}
			data := t.TempDir()
			addrFile := filepath.Join(t.TempDir(), "addr")
			m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
			err := m.Run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data", data,
				"--addr-file", addrFile, "--quiz", path})
			if err == nil {
				t.Fatal("serve started with a bad quiz")
			}
			if !errors.Is(err, web.ErrInvalidQuiz) {
				t.Errorf("error %v does not wrap web.ErrInvalidQuiz", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) {
				t.Errorf("error %q lacks %q or the file name", err, tc.want)
			}
			if _, err := os.Stat(addrFile); err == nil {
				t.Error("serve listened before refusing")
			}
			if ents, _ := os.ReadDir(data); len(ents) > 0 {
				t.Errorf("serve touched the data dir: %v", ents)
			}
		})
	}
	t.Run("missing file", func(t *testing.T) {
		m := &Main{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }}
		err := m.Run(context.Background(), []string{"serve", "--listen", "127.0.0.1:0", "--data", t.TempDir(),
			"--quiz", filepath.Join(t.TempDir(), "nope.json")})
		if err == nil || !errors.Is(err, os.ErrNotExist) {
			t.Errorf("error %v, want a missing-file error", err)
		}
	})
}

// TestServeCustomQuiz serves an operator's edited quiz.
func TestServeCustomQuiz(t *testing.T) {
	path := filepath.Join(t.TempDir(), "quiz.json")
	if err := os.WriteFile(path, []byte(`{"pass_mark":1,"questions":[{"id":"local-1","scenario":{"vi":"a","en":"a"},`+
		`"why":{"vi":"b","en":"b"},"options":[{"vi":"c","en":"c","correct":true},{"vi":"d","en":"d"}]}],`+
		`"checklist":[{"vi":"e","en":"e"}]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	base, _, stop := startServe(t, t.TempDir(), "--quiz", path, "--no-samples")
	defer func() {
		if err := stop(); err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	res, err := http.Get(base + "/v1/quiz")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var q web.Quiz
	if err := json.NewDecoder(res.Body).Decode(&q); err != nil {
		t.Fatal(err)
	}
	if len(q.Questions) != 1 || q.Questions[0].ID != "local-1" {
		t.Errorf("served %+v, want the file's one card", q.Questions)
	}
}
