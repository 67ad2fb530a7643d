// Package bench holds the project's cross-package benchmarks: the lookup
// path with millions of indicators loaded, compared in the same run with a
// bare Bloom filter test and with asking Redis for every check.
//
//	go test ./bench -run '^$' -bench . -benchtime 2s
//	SCAMCHECK_BENCH_N=10000000 go test ./bench -run '^$' -bench Lookup -benchtime 3s -cpu 1
//
// SCAMCHECK_BENCH_N sets how many indicators the filters hold (default 1M,
// so that a plain -bench run stays short; the figures use 10M).
package bench
