package feeds

import (
	"bufio"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDetect(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Format
		err      string
	}{
		{"chongluadao", `[{"_id":"1","url":"http://a/*","type":"scam","level":"high","meta":{}}]`, FormatChongLuaDao, ""},
		{"chongluadao pretty", "\xef\xbb\xbf\n  [\n {\"url\": \"http://a/*\"}\n]", FormatChongLuaDao, ""},
		{"phishtank json", `[{"phish_id":1,"url":"http://a/"}]`, FormatPhishTankJSON, ""},
		{"misp array", `[{"Event":{"Attribute":[]}}]`, FormatMISP, ""},
		{"misp event", `{"Event":{"Attribute":[]}}`, FormatMISP, ""},
		{"misp response", `{"response":[]}`, FormatMISP, ""},
		{"stix", `{"type":"bundle","id":"bundle--1","objects":[]}`, FormatSTIX, ""},
		{"stix, type last", `{"id":"bundle--1","objects":[{"type":"x"}],"type":"bundle"}`, FormatSTIX, ""},
		{"stix cut by the peek", `{"id":"b","objects":[{"type":"indicator","pattern":"` + strings.Repeat("x", DetectPeekBytes), FormatSTIX, ""},
		{"jsonl", "{\"phone\":\"0912345678\"}\n{\"domain\":\"a.example\"}\n", FormatJSONL, ""},
		{"jsonl one line", `{"type":"phone","value":"1"}`, FormatJSONL, ""},
		{"phishtank csv", "phish_id,url,phish_detail_url,submission_time,verified,verification_time,online,target\n1,http://a/,x,y,yes,z,yes,Other\n", FormatPhishTankCSV, ""},
		{"urlhaus", "################\n# abuse.ch URLhaus Database Dump (CSV)\n#\n\"1\",\"2024-01-01 00:00:00\",\"http://a/\"\n", FormatURLhaus, ""},
		{"urlhaus bare header", "id,dateadded,url,url_status\n1,2024-01-01 00:00:00,http://a/,online\n", FormatURLhaus, ""},
		{"hosts", "# hosts\n127.0.0.1 localhost\n0.0.0.0 a.example\n0.0.0.0 b.example\n", FormatHosts, ""},
		{"adblock header", "[Adblock Plus 2.0]\n! x\n||a.example^\n", FormatAdblock, ""},
		{"adblock rules", "! list\n||a.example^\n||b.example^$third-party\n", FormatAdblock, ""},
		{"urls", "https://a.example/x\nhttp://b.example/\n", FormatOpenPhish, ""},
		{"urls and domains", "https://a.example/x\nb.example\n", FormatPlain, ""},
		{"csv", "reported_at,phone,category\n2025-01-01,0912345678,scam\n", FormatCSV, ""},
		{"phones", "0912 345 678\n+84 33 169 1207\n", FormatPlain, ""},
		{"accounts", "VCB 0011004353201\n", FormatPlain, ""},
		{"comments only", "# nothing\n", FormatPlain, ""},
		{"empty", " \n\t", "", "empty"},
		{"gzip", "\x1f\x8b\x08\x00\x00", "", "gzip"},
		{"unknown json array", `[{"name":"x"}]`, "", `keys "name"`},
		{"empty json array", `[]`, "", "empty JSON array"},
		{"array of strings", `["a.example"]`, "", "not of objects"},
		{"pretty unknown object", "{\n\"name\": \"x\"\n}", "", "not a STIX bundle"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Detect(bufio.NewReaderSize(strings.NewReader(tc.in), DetectPeekBytes))
			if tc.err != "" {
				if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Detect = %q, %v; want ErrFormat with %q", got, err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestDetectDoesNotConsume checks that Detect only peeks.
func TestDetectDoesNotConsume(t *testing.T) {
	br := bufio.NewReaderSize(strings.NewReader("0912345678\n"), DetectPeekBytes)
	if _, err := Detect(br); err != nil {
		t.Fatal(err)
	}
	if rest, _ := br.ReadString('\n'); rest != "0912345678\n" {
		t.Errorf("after Detect the reader holds %q", rest)
	}
}

// TestWrongFormatFailsFast gives each format a sample of another and
// expects ErrFormat at once: from NewParser or the first Next, with no item
// and at most one record error before it.
func TestWrongFormatFailsFast(t *testing.T) {
	for _, tc := range []struct {
		format Format
		sample string
	}{
		{FormatSTIX, "reports-phones.csv"},
		{FormatSTIX, "misp-event.json"},
		{FormatMISP, "stix-bundle.json"},
		{FormatMISP, "chongluadao-blacklist.json"},
		{FormatPhishTankCSV, "phones.txt"},
		{FormatPhishTankCSV, "reports-phones.csv"},
		{FormatPhishTankJSON, "chongluadao-blacklist.json"},
		{FormatChongLuaDao, "stix-bundle.json"},
		{FormatChongLuaDao, "openphish-feed.txt"},
		{FormatURLhaus, "phishtank-verified-online.csv"},
		{FormatURLhaus, "chongluadao-urls.txt"},
		{FormatHosts, "chongluadao-urls.txt"},
		{FormatAdblock, "chongluadao-urls.txt"},
		{FormatOpenPhish, "phishing-database-domains.txt"},
		{FormatCSV, "phones.txt"},
		{FormatCSV, "accounts.txt"},
		{FormatJSONL, "reports-accounts.csv"},
		{FormatJSONL, "misp-event.json"},
	} {
		t.Run(string(tc.format)+"/"+tc.sample, func(t *testing.T) {
			f, err := os.Open(filepath.Join(sampleDir, tc.sample))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			p, err := NewParser(tc.format, f, Options{})
			if err == nil {
				var it Item
				for range 2 {
					if it, err = p.Next(); err == nil {
						t.Fatalf("got item %+v from a %s given as %s", it, tc.sample, tc.format)
					}
					var re *RecordError
					if !errors.As(err, &re) {
						break
					}
				}
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("error = %v, want ErrFormat", err)
			}
			t.Logf("%v", err)
		})
	}
}
