package feeds

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/feeds/golden")

// sampleDir holds the feed samples (see its README.md for their sources).
const sampleDir = "../testdata/feeds"

// samples are the real and hand-made feeds, each with the format it is in
// (and the one Detect must find) and the options it is imported with.
var samples = []struct {
	file   string
	format Format
	opts   Options
}{
	{"chongluadao-urls.txt", FormatPlain, Options{Kind: indicators.KindDomain}},
	{"chongluadao-urls-abp.txt", FormatAdblock, Options{}},
	{"chongluadao-ips.txt", FormatPlain, Options{}},
	{"chongluadao-blacklist.json", FormatChongLuaDao, Options{}},
	{"chongluadao-whitelist.json", FormatChongLuaDao, Options{}},
	{"openphish-feed.txt", FormatOpenPhish, Options{}},
	{"phishing-database-domains.txt", FormatPlain, Options{Kind: indicators.KindDomain}},
	{"phishtank-verified-online.csv", FormatPhishTankCSV, Options{}},
	{"reports-phones.csv", FormatCSV, Options{}},
	{"reports-accounts.csv", FormatCSV, Options{}},
	{"reports-mapped.csv", FormatCSV, Options{Map: "seen=thoi_gian,phone=so_thue_bao,bank=ngan_hang,account=so_tk,holder=chu_tk,category=phan_loai"}},
	{"urlhaus.csv", FormatURLhaus, Options{}},
	{"hosts.txt", FormatHosts, Options{}},
	{"phones.txt", FormatPlain, Options{Kind: indicators.KindPhone}},
	{"accounts.txt", FormatPlain, Options{Kind: indicators.KindBankAccount}},
	{"indicators.jsonl", FormatJSONL, Options{}},
	{"phishtank-online.json", FormatPhishTankJSON, Options{}},
	{"stix-bundle.json", FormatSTIX, Options{}},
	{"misp-event.json", FormatMISP, Options{}},
}

// goldenItem is Item with JSON names, for the golden files.
type goldenItem struct {
	Line       int                 `json:"line"`
	Kind       indicators.Kind     `json:"kind,omitempty"`
	Value      string              `json:"value"`
	Bank       string              `json:"bank,omitempty"`
	Account    string              `json:"account,omitempty"`
	Category   indicators.Category `json:"category,omitempty"`
	Level      string              `json:"level,omitempty"`
	ExternalID string              `json:"external_id,omitempty"`
	HolderName string              `json:"holder_name,omitempty"`
	Seen       *time.Time          `json:"seen,omitempty"`
}

type goldenError struct {
	Line   int    `json:"line"`
	Reason string `json:"reason"`
}

// golden is the summary of one sample that the golden file pins: how many
// records were accepted and rejected, by kind and category, and the first few.
type golden struct {
	File         string         `json:"file"`
	Format       Format         `json:"format"`
	Kind         string         `json:"option_kind,omitempty"`
	Map          string         `json:"option_map,omitempty"`
	Items        int            `json:"items"`
	RecordErrors int            `json:"record_errors"`
	Kinds        map[string]int `json:"kinds"`
	Categories   map[string]int `json:"categories,omitempty"`
	FirstItems   []goldenItem   `json:"first_items"`
	FirstErrors  []goldenError  `json:"first_errors,omitempty"`
}

const goldenFirst = 5

func summarize(file string, format Format, opts Options, r result) golden {
	g := golden{File: file, Format: format, Kind: string(opts.Kind), Map: opts.Map,
		Items: len(r.items), RecordErrors: len(r.errs), Kinds: map[string]int{}, Categories: map[string]int{}}
	for i, it := range r.items {
		k := string(it.Kind)
		if k == "" {
			k = "(detect)"
		}
		g.Kinds[k]++
		if it.Category != "" {
			g.Categories[string(it.Category)]++
		}
		if i < goldenFirst {
			gi := goldenItem{Line: it.Line, Kind: it.Kind, Value: it.Value, Bank: it.Bank, Account: it.Account,
				Category: it.Category, Level: it.Level, ExternalID: it.ExternalID, HolderName: it.HolderName}
			if !it.Seen.IsZero() {
				gi.Seen = &it.Seen
			}
			g.FirstItems = append(g.FirstItems, gi)
		}
	}
	for _, e := range r.errs[:min(len(r.errs), goldenFirst)] {
		g.FirstErrors = append(g.FirstErrors, goldenError{Line: e.Line, Reason: e.Reason})
	}
	return g
}

func TestGolden(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(sampleDir, s.file))
			if err != nil {
				t.Fatal(err)
			}
			if len(data) > 200<<10 {
				t.Errorf("sample is %d bytes; keep samples under 200 KB", len(data))
			}
			p, err := NewParser(s.format, bytes.NewReader(data), s.opts)
			if err != nil {
				t.Fatal(err)
			}
			r := collect(t, p)
			if r.fatal != nil {
				t.Fatalf("fatal error on a real sample: %v", r.fatal)
			}
			if len(r.items) == 0 {
				t.Fatal("no items from a sample")
			}
			got, err := json.MarshalIndent(summarize(s.file, s.format, s.opts, r), "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			path := filepath.Join(sampleDir, "golden", s.file+".json")
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./feeds -run TestGolden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("summary differs from %s (rerun with -update if the change is intended):\n%s", path, got)
			}
		})
	}
}

// TestDetectSamples checks that every sample is detected as its format, and
// that parsing after Detect (same reader) loses nothing Detect peeked at.
func TestDetectSamples(t *testing.T) {
	for _, s := range samples {
		t.Run(s.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(sampleDir, s.file))
			if err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReaderSize(bytes.NewReader(data), DetectPeekBytes)
			got, err := Detect(br)
			if err != nil || got != s.format {
				t.Fatalf("Detect = %q, %v; want %q", got, err, s.format)
			}
			p, err := NewParser(got, br, s.opts)
			if err != nil {
				t.Fatal(err)
			}
			after := collect(t, p)
			direct := parseString(t, s.format, string(data), s.opts)
			if len(after.items) != len(direct.items) || len(after.errs) != len(direct.errs) {
				t.Errorf("after Detect: %d items, %d errors; parsed directly: %d, %d",
					len(after.items), len(after.errs), len(direct.items), len(direct.errs))
			}
			if !slices.Equal(views(after.items), views(direct.items)) {
				t.Error("items after Detect differ from items parsed directly")
			}
		})
	}
}
