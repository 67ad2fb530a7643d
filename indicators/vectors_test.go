package indicators_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// vector is one row of testdata/vectors/*.json, the canonicalization cases
// shared with the SDKs. A row sets only the fields that apply to it.
type vector struct {
	Input       string   `json:"input"`
	Bank        string   `json:"bank"`
	Account     string   `json:"account"`
	Kind        string   `json:"kind"`
	Key         string   `json:"key"`
	Canonical   string   `json:"canonical"`
	Registrable string   `json:"registrable"`
	Expressions []string `json:"expressions"`
	Error       string   `json:"error"`
	Note        string   `json:"note"`
}

func readVectorFile(tb testing.TB, name string) []vector {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join("..", "testdata", "vectors", name))
	if err != nil {
		tb.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(data, &vs); err != nil {
		tb.Fatalf("%s: %v", name, err)
	}
	if len(vs) == 0 {
		tb.Fatalf("%s: no vectors", name)
	}
	return vs
}
