package main

import (
	"fmt"
	"os"

	"github.com/scamcheck/scamcheck/web"
)

// loadQuiz reads and validates the awareness check for serve: the file an
// operator edited, or the built-in one when path is "".
func loadQuiz(path string) (*web.Quiz, error) {
	if path == "" {
		q, err := web.DefaultQuiz()
		if err != nil {
			return nil, fmt.Errorf("quiz: %w", err)
		}
		return q, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("--quiz: %w", err)
	}
	q, err := web.ParseQuiz(b)
	if err != nil {
		return nil, fmt.Errorf("--quiz %s: %w", path, err)
	}
	return q, nil
}
