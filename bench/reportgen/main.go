// Command reportgen loads the synthetic citizen reports of
// ../shared/data/reports/generate.py into an embedded store, dated evenly
// across a quarter, so that the periodic report can be timed on a realistic
// volume:
//
//	python3 generate.py --phones 700000 --accounts 300000 --out /tmp/r
//	go run ./bench/reportgen --in /tmp/r --data /tmp/r/data
//	/usr/bin/time -v scamcheck report --data /tmp/r/data --from 2026-07-01 --to 2026-09-30 --out q3.html
//
// It writes through the stores' interfaces (ReportStore, Store, StatsStore)
// as the API would, not through bbolt, so what it builds is what a server
// would have built. Rows the normalizers refuse (about 1% are malformed on
// purpose) are counted and skipped.
package main

import (
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
)

func main() {
	in := flag.String("in", "", "directory with phones-reported.csv and accounts-reported.csv")
	data := flag.String("data", "", "embedded store directory to fill")
	from := flag.String("from", "2026-07-01", "first day of the quarter")
	days := flag.Int("days", 92, "days in the quarter")
	confirmEvery := flag.Int("confirm-every", 50, "confirm one indicator in this many")
	tag := flag.String("tag", "", "hex digits in every report id, so that a second run into the same store makes new ids")
	flag.Parse()
	if *in == "" || *data == "" {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(context.Background(), *in, *data, *from, *tag, *days, *confirmEvery); err != nil {
		slog.Error("reportgen failed", "err", err)
		os.Exit(1)
	}
}

// row is one report read from a CSV.
type row struct {
	key      indicators.Key
	category indicators.Category
	holder   string
	amount   int64
}

var ict = time.FixedZone("ICT", 7*3600)

// channels spread reports the way the centre receives them: mostly the
// app and the web, some by hotline, a few from police.
var channels = []indicators.Channel{
	indicators.ChannelApp, indicators.ChannelApp, indicators.ChannelApp, indicators.ChannelApp,
	indicators.ChannelWeb, indicators.ChannelWeb, indicators.ChannelWeb,
	indicators.ChannelHotline, indicators.ChannelHotline, indicators.ChannelPolice,
}

func run(ctx context.Context, in, data, from, tag string, days, confirmEvery int) error {
	start, err := time.ParseInLocation(indicators.DayLayout, from, ict)
	if err != nil {
		return fmt.Errorf("--from: %w", err)
	}
	var rows []row
	skipped := 0
	for _, f := range []string{"phones-reported.csv", "accounts-reported.csv"} {
		n, err := readCSV(filepath.Join(in, f), &rows)
		if err != nil {
			return err
		}
		skipped += n
	}
	s, err := boltstore.Open(data, boltstore.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer s.Close()
	t0 := time.Now()
	span := time.Duration(days) * 24 * time.Hour
	// Interleave the two files so that every day has both kinds.
	order := interleave(len(rows))
	recs := map[indicators.Key]*indicators.Record{}
	for i, ri := range order {
		r := rows[ri]
		// Step first: span × i overflows a Duration past ~1,100 rows.
		created := start.Add(span / time.Duration(len(rows)) * time.Duration(i)).UTC()
		rep := indicators.Report{ID: fmt.Sprintf("rep_%016x%s%08x", uint64(created.UnixNano()), tag, i), Channel: channels[i%len(channels)],
			Status: indicators.ReportPending, Keys: []indicators.Key{r.key}, Category: r.category, HolderName: r.holder,
			AmountVND: r.amount, CreatedAt: created}
		if i%3 == 0 {
			rep.Status = indicators.ReportConfirmed
		}
		if err := s.CreateReport(ctx, rep, nil); err != nil {
			return fmt.Errorf("report %d: %w", i, err)
		}
		rec, ok := recs[r.key]
		if !ok {
			nr := indicators.NewRecord(r.key, "citizen", created)
			nr.Category = r.category
			rec = &nr
			recs[r.key] = rec
		}
		rec.Reports++
		rec.LastSeen, rec.UpdatedAt = created, created
		if i%100000 == 0 {
			slog.Info("reports", "n", i, "elapsed", time.Since(t0).Round(time.Second))
		}
	}
	slog.Info("reports stored", "n", len(rows), "skipped", skipped, "elapsed", time.Since(t0).Round(time.Second))
	batch := make([]indicators.Record, 0, 1000)
	n := 0
	for _, rec := range recs {
		n++
		if n%confirmEvery == 0 {
			// Confirmed one to six days after the first report.
			rec.Status, rec.ConfirmedBy = indicators.StatusConfirmed, "police"
			rec.ConfirmedAt = rec.FirstSeen.Add(time.Duration(24+n%120) * time.Hour)
			if rec.ConfirmedAt.After(rec.UpdatedAt) {
				rec.UpdatedAt = rec.ConfirmedAt
			}
		}
		batch = append(batch, *rec)
		if len(batch) == cap(batch) {
			if _, err := s.Upsert(ctx, batch); err != nil {
				return err
			}
			batch = batch[:0]
		}
	}
	if _, err := s.Upsert(ctx, batch); err != nil {
		return err
	}
	for d := range days {
		day := start.AddDate(0, 0, d).Format(indicators.DayLayout)
		checks := int64(40000 + 500*(d%7))
		if err := s.AddCounters(ctx, day, map[string]int64{
			"checks:phone": checks, "hits:phone": checks / 12,
			"checks:bank_account": checks / 3, "hits:bank_account": checks / 40,
			"checks:url": checks / 4, "hits:url": checks / 20,
		}); err != nil {
			return err
		}
	}
	slog.Info("done", "reports", len(rows), "indicators", len(recs), "elapsed", time.Since(t0).Round(time.Second))
	return nil
}

// interleave returns 0..n-1 in a fixed scattered order (a multiplicative
// step coprime with n), so that days mix phones and accounts.
func interleave(n int) []int {
	step := 7919
	for gcd(step, n) != 1 {
		step += 2
	}
	out := make([]int, n)
	for i := range out {
		out[i] = i * step % n
	}
	return out
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// readCSV appends the rows of one generated file and returns how many it
// skipped. The phone file has reported_at,phone,category,...; the account
// file reported_at,bank,account,holder_name,category,...
func readCSV(path string, rows *[]row) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	accounts := len(header) > 2 && header[1] == "bank"
	skipped := 0
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return skipped, nil
		}
		if err != nil {
			skipped++
			continue
		}
		var x row
		var amount string
		if accounts && len(rec) >= 7 {
			x.key, err = indicators.NormalizeBankAccount(rec[1], rec[2])
			x.holder, x.category, amount = rec[3], indicators.ParseCategory(rec[4]), rec[6]
		} else if !accounts && len(rec) >= 5 {
			x.key, err = indicators.NormalizePhone(rec[1])
			x.category, amount = indicators.ParseCategory(rec[2]), rec[4]
		} else {
			err = errors.New("short row")
		}
		if err != nil {
			skipped++
			continue
		}
		fmt.Sscan(amount, &x.amount)
		*rows = append(*rows, x)
	}
}
