package boltstore_test

import (
	"fmt"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

const benchBatch = 1000

func batchOf(kind indicators.Kind, first int) []indicators.Record {
	recs := make([]indicators.Record, benchBatch)
	for i := range recs {
		recs[i] = storetest.Record(storetest.KeyOf(kind, first+i), "bench-feed")
	}
	return recs
}

// BenchmarkUpsert measures the import path: 1000-record batches of new
// records ("new") and the same batches again ("reimport", all unchanged),
// with and without fsync per commit. Validation (normalizing every key) is
// part of the cost, as it is in a real import.
func BenchmarkUpsert(b *testing.B) {
	for _, noSync := range []bool{true, false} {
		for _, kind := range []indicators.Kind{indicators.KindDomain, indicators.KindPhone} {
			for _, mode := range []string{"new", "reimport"} {
				b.Run(fmt.Sprintf("nosync=%v/%s/%s", noSync, kind, mode), func(b *testing.B) {
					s := mustOpen(b, b.TempDir(), boltstore.Options{NoSync: noSync})
					n := 0
					for b.Loop() {
						b.StopTimer()
						first := n * benchBatch
						if mode == "reimport" {
							first = 0
						}
						recs := batchOf(kind, first)
						if mode == "reimport" && n == 0 {
							if _, err := s.Upsert(b.Context(), recs); err != nil {
								b.Fatal(err)
							}
						}
						n++
						b.StartTimer()
						if _, err := s.Upsert(b.Context(), recs); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(benchBatch*b.N)/b.Elapsed().Seconds(), "records/s")
				})
			}
		}
	}
}

// BenchmarkGet measures the confirm step of a filter hit: one-key Gets and
// 100-key batch Gets against a store of 100k records.
func BenchmarkGet(b *testing.B) {
	const stored = 100_000
	s := mustOpen(b, b.TempDir(), boltstore.Options{NoSync: true})
	for first := 0; first < stored; first += benchBatch {
		if _, err := s.Upsert(b.Context(), batchOf(indicators.KindDomain, first)); err != nil {
			b.Fatal(err)
		}
	}
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("keys=%d", n), func(b *testing.B) {
			keys := make([]indicators.Key, n)
			i := 0
			for b.Loop() {
				for j := range keys {
					keys[j] = storetest.DomainKey((i * 7919) % stored) // spread over the file
					i++
				}
				got, err := s.Get(b.Context(), keys)
				if err != nil || got[0] == nil {
					b.Fatalf("Get: %v, %v", got[0], err)
				}
			}
			b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
		})
	}
}
