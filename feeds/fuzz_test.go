package feeds

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Fuzz properties, for every parser: no panic; parsing ends (a bounded number
// of calls to Next); every item and record error has Line >= 1, lines never go
// backwards, Raw is at most MaxRawBytes; every item has a value and a kind
// that is "" or valid; a fatal error is sticky. Small limits make the
// over-long paths reachable with small inputs.

// fuzzSeedBytes is how much of each sample file seeds a fuzz target.
const fuzzSeedBytes = 4 << 10

// addSamples seeds f with the head of sample files and with inline inputs.
func addSamples(f *testing.F, files []string, inline ...string) {
	f.Helper()
	for _, name := range files {
		b, err := os.ReadFile(filepath.Join(sampleDir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b[:min(len(b), fuzzSeedBytes)])
	}
	for _, s := range inline {
		f.Add([]byte(s))
	}
}

func checkParser(t *testing.T, format Format, data []byte) {
	p, err := NewParser(format, bytes.NewReader(data), Options{MaxLineBytes: 512, MaxRecordBytes: 8 << 10})
	if err != nil {
		if !errors.Is(err, ErrFormat) {
			t.Fatalf("NewParser: %v, want nil or ErrFormat", err)
		}
		return
	}
	last := 0
	calls := 2*len(data) + 16 // no record is shorter than half a byte
	for range calls {
		it, err := p.Next()
		var re *RecordError
		switch {
		case err == nil:
			if it.Line < 1 || it.Line < last {
				t.Fatalf("item line %d after line %d", it.Line, last)
			}
			last = it.Line
			if len(it.Raw) > MaxRawBytes {
				t.Fatalf("item Raw is %d bytes", len(it.Raw))
			}
			if it.Value == "" {
				t.Fatalf("item without a value at line %d", it.Line)
			}
			if it.Kind != "" && !it.Kind.Valid() {
				t.Fatalf("item kind %q", it.Kind)
			}
		case errors.As(err, &re):
			if re.Line < 1 || re.Line < last {
				t.Fatalf("record error line %d after line %d", re.Line, last)
			}
			last = re.Line
			if len(re.Raw) > MaxRawBytes {
				t.Fatalf("record error Raw is %d bytes", len(re.Raw))
			}
		default:
			if !errors.Is(err, io.EOF) && !errors.Is(err, ErrFormat) {
				t.Fatalf("fatal error %v is neither io.EOF nor ErrFormat (reading from memory cannot fail)", err)
			}
			if _, again := p.Next(); again != err {
				t.Fatalf("Next after %v returned %v", err, again)
			}
			return
		}
	}
	t.Fatalf("%s parser did not end within %d calls on %d bytes", format, calls, len(data))
}

func fuzzFormat(f *testing.F, format Format, files []string, inline ...string) {
	addSamples(f, files, inline...)
	f.Fuzz(func(t *testing.T, data []byte) { checkParser(t, format, data) })
}

func FuzzPlain(f *testing.F) {
	fuzzFormat(f, FormatPlain, []string{"phones.txt", "accounts.txt", "chongluadao-urls.txt"}, "a # b\n\r\n!x\n\xef\xbb\xbfx")
}

func FuzzHosts(f *testing.F) {
	fuzzFormat(f, FormatHosts, []string{"hosts.txt"}, "0.0.0.0 a b c\n::1 localhost\n1.2.3.4 x\n", "fe80::1%eth0 x")
}

func FuzzAdblock(f *testing.F) {
	fuzzFormat(f, FormatAdblock, []string{"chongluadao-urls-abp.txt"}, "[Adblock Plus 2.0]\n||a^$third-party\n||b/c^\n@@||d^\n##.x\n||*^\n||$badfilter")
}

func FuzzCSV(f *testing.F) {
	fuzzFormat(f, FormatCSV, []string{"reports-phones.csv", "reports-accounts.csv"},
		"kind,value\nphone,1\nfax,2\n", "bank,account\n\"a\"\"b\",\"1\n", "phone,phone\n,\n1,2\n")
}

func FuzzJSONL(f *testing.F) {
	fuzzFormat(f, FormatJSONL, []string{"indicators.jsonl"}, `{"phone":1e400}`+"\n"+`{"value":"x","kind":"url"}`, `{"a":{"b":[`)
}

func FuzzChongLuaDao(f *testing.F) {
	fuzzFormat(f, FormatChongLuaDao, []string{"chongluadao-blacklist.json", "chongluadao-whitelist.json"},
		`[{"url":"http://a/*"},{"url":"*"},{"url":"http://[::1]:80/*"},1,null,[]]`, `[`, `[{"url":"x"}]]`)
}

func FuzzOpenPhish(f *testing.F) {
	fuzzFormat(f, FormatOpenPhish, []string{"openphish-feed.txt"}, "http://a\nhttps://b/c\n1://x\n")
}

func FuzzPhishTankCSV(f *testing.F) {
	fuzzFormat(f, FormatPhishTankCSV, []string{"phishtank-verified-online.csv"}, "url,phish_id\nhttp://a,1\n\"http://b,c\",2\n")
}

func FuzzPhishTankJSON(f *testing.F) {
	fuzzFormat(f, FormatPhishTankJSON, []string{"phishtank-online.json"}, `[{"phish_id":1,"url":"http://a","verified":false}]`)
}

func FuzzURLhaus(f *testing.F) {
	fuzzFormat(f, FormatURLhaus, []string{"urlhaus.csv"}, "id,dateadded,url\n1,2,http://a\n", "#\n\"1\",\"2\",\"http://b\"")
}

func FuzzSTIX(f *testing.F) {
	fuzzFormat(f, FormatSTIX, []string{"stix-bundle.json"},
		`{"type":"bundle","objects":[{"type":"indicator","pattern":"[domain-name:value = 'a\\'b' OR url:value IN ('x','y')]"}]}`,
		`{"objects":[{"type":"indicator","pattern":"(([a:b = 'c']) OR [x-phone-number:value = '1'])"}],"type":"bundle"}`,
		`{"type":"bundle","objects":[{"type":"indicator","pattern":"[file:hashes.'SHA-256' = 'x'] WITHIN 5 SECONDS"}]}`)
}

func FuzzMISP(f *testing.F) {
	fuzzFormat(f, FormatMISP, []string{"misp-event.json"},
		`{"response":[{"Event":{"Attribute":[{"type":"domain|ip","value":"a|b"}]}}]}`, `[{"Event":{"Object":[{"name":"bank-account","Attribute":[]}]}}]`)
}

// FuzzDetect checks that Detect never panics, does not consume input, and
// that whatever it detects parses without breaking the parser properties.
func FuzzDetect(f *testing.F) {
	var files []string
	for _, s := range samples {
		files = append(files, s.file)
	}
	addSamples(f, files, "[Adblock", "{\n}", "[]", "0.0.0.0 a\n")
	f.Fuzz(func(t *testing.T, data []byte) {
		br := bufio.NewReaderSize(bytes.NewReader(data), DetectPeekBytes)
		format, err := Detect(br)
		if err != nil {
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("Detect: %v, want nil or ErrFormat", err)
			}
			return
		}
		if n := br.Buffered(); n != min(len(data), DetectPeekBytes) {
			t.Fatalf("after Detect %d bytes are buffered, want all %d peeked ones", n, min(len(data), DetectPeekBytes))
		}
		checkParser(t, format, data)
	})
}
