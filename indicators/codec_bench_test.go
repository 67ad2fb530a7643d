package indicators_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

// BenchmarkCodec compares the record codec with encoding/json, which it
// replaced (see codec.go): encode plus decode of a typical record.
func BenchmarkCodec(b *testing.B) {
	key := indicators.Key("domain:test-000123.example.vn")
	r := indicators.NewRecord(key, "chongluadao", time.Date(2025, 3, 1, 8, 0, 0, 0, time.UTC))
	r.Category, r.Note = indicators.CategoryPhishing, "fake bank login page"
	b.Run("binary", func(b *testing.B) {
		var out indicators.Record
		var data []byte
		for b.Loop() {
			data = indicators.AppendRecord(data[:0], &r)
			if err := indicators.DecodeRecord(key, string(data), &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(data)), "bytes/record")
	})
	b.Run("json", func(b *testing.B) {
		var data []byte
		for b.Loop() {
			var err error
			if data, err = json.Marshal(&r); err != nil {
				b.Fatal(err)
			}
			var out indicators.Record
			if err := json.Unmarshal(data, &out); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(len(data)), "bytes/record")
	})
}
