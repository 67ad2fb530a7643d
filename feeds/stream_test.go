package feeds

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// genReader produces records on demand and counts how many it has handed
// out, so that a test can see how far ahead of Next a parser reads.
type genReader struct {
	head, tail string // written before the first and after the last record
	record     func(i int) string
	n          int // records to produce
	made       int // records produced so far
	buf        []byte
	headDone   bool
	tailDone   bool
}

func (g *genReader) Read(p []byte) (int, error) {
	for len(g.buf) < len(p) {
		switch {
		case !g.headDone:
			g.buf, g.headDone = append(g.buf, g.head...), true
		case g.made < g.n:
			g.buf = append(g.buf, g.record(g.made)...)
			g.made++
		case !g.tailDone:
			g.buf, g.tailDone = append(g.buf, g.tail...), true
		default:
			if len(g.buf) == 0 {
				return 0, io.EOF
			}
			n := copy(p, g.buf)
			g.buf = g.buf[n:]
			return n, nil
		}
	}
	n := copy(p, g.buf)
	g.buf = g.buf[n:]
	return n, nil
}

// TestStreaming checks, for every streaming parser, that it reads only a
// bounded distance ahead of the records it has returned: after k items the
// generator must not have produced more than k records plus what fits in
// the read buffers (64 KiB of bufio plus the JSON decoder's look-ahead). A
// parser that slurped its input would have made all the records (200,000
// lines for text formats, 50,000 records for the slower JSON ones).
func TestStreaming(t *testing.T) {
	const slack = 3 * 64 << 10 // bytes of look-ahead allowed
	for _, tc := range []struct {
		format     Format
		head, tail string
		record     func(i int) string
	}{
		{FormatPlain, "# phones\n", "", func(i int) string { return fmt.Sprintf("09%08d\n", i) }},
		{FormatHosts, "", "", func(i int) string { return fmt.Sprintf("0.0.0.0 h%d.example\n", i) }},
		{FormatCSV, "reported_at,phone,category\n", "", func(i int) string { return fmt.Sprintf("2025-01-01,09%08d,scam\n", i) }},
		{FormatJSONL, "", "", func(i int) string { return fmt.Sprintf("{\"phone\":\"09%08d\"}\n", i) }},
		{FormatChongLuaDao, "[", "]", func(i int) string {
			return fmt.Sprintf("%s{\"_id\":\"%d\",\"url\":\"http://h%d.example/*\",\"type\":\"scam\",\"level\":\"high\",\"meta\":{}}", sep(i), i, i)
		}},
		{FormatPhishTankJSON, "[", "]", func(i int) string {
			return fmt.Sprintf("%s{\"phish_id\":%d,\"url\":\"http://h%d.example/x\",\"verified\":\"yes\"}", sep(i), i, i)
		}},
		{FormatSTIX, `{"type":"bundle","id":"bundle--1","objects":[`, "]}", func(i int) string {
			return fmt.Sprintf("%s{\"type\":\"indicator\",\"id\":\"indicator--%d\",\"pattern\":\"[domain-name:value = 'h%d.example']\"}", sep(i), i, i)
		}},
		{FormatMISP, `{"response":[`, "]}", func(i int) string {
			return fmt.Sprintf("%s{\"Event\":{\"Attribute\":[{\"type\":\"domain\",\"value\":\"h%d.example\"}]}}", sep(i), i)
		}},
	} {
		t.Run(string(tc.format), func(t *testing.T) {
			total := 200_000
			if tc.head != "" && strings.ContainsAny(tc.head[:1], "[{") {
				total = 50_000
			}
			g := &genReader{head: tc.head, tail: tc.tail, record: tc.record, n: total}
			recLen := len(tc.record(total - 1))
			p, err := NewParser(tc.format, g, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for k := 1; k <= total; k++ {
				it, err := p.Next()
				if err != nil {
					t.Fatalf("item %d: %v", k, err)
				}
				if want := fmt.Sprintf("h%d.example", k-1); tc.format != FormatPlain && tc.format != FormatCSV && tc.format != FormatJSONL && !strings.Contains(it.Value, want) {
					t.Fatalf("item %d = %q, want %s", k, it.Value, want)
				}
				if ahead := (g.made - k) * recLen; ahead > slack {
					t.Fatalf("after %d items the parser had read %d records (%d bytes ahead)", k, g.made, ahead)
				}
			}
			if _, err := p.Next(); !errors.Is(err, io.EOF) {
				t.Fatalf("after %d items: %v, want io.EOF", total, err)
			}
		})
	}
}

func sep(i int) string {
	if i == 0 {
		return ""
	}
	return ","
}

// TestPipe parses a 200,000-line phone list written through an io.Pipe by
// another goroutine, the way a remote feed arrives.
func TestPipe(t *testing.T) {
	const total = 200_000
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		for i := range total {
			fmt.Fprintf(w, "09%08d\n", i)
		}
		pw.CloseWithError(w.Flush())
	}()
	p, err := NewParser(FormatPlain, pr, Options{Kind: indicators.KindPhone})
	if err != nil {
		t.Fatal(err)
	}
	r := collect(t, p)
	if r.fatal != nil || len(r.items) != total || len(r.errs) != 0 {
		t.Fatalf("got %d items, %d errors, fatal %v; want %d items", len(r.items), len(r.errs), r.fatal, total)
	}
	if last := r.items[total-1]; last.Line != total || last.Value != fmt.Sprintf("09%08d", total-1) {
		t.Errorf("last item = %+v", last)
	}
}

// TestLongLine checks that a line over MaxLineBytes is one RecordError, that
// parsing goes on after it, and that the line was never held in memory.
func TestLongLine(t *testing.T) {
	const max = 1 << 10
	for _, format := range []Format{FormatPlain, FormatCSV, FormatJSONL, FormatOpenPhish, FormatHosts, FormatAdblock, FormatURLhaus, FormatPhishTankCSV} {
		t.Run(string(format), func(t *testing.T) {
			lines := map[Format][2]string{
				FormatPlain:        {"a.example", "b.example"},
				FormatCSV:          {"domain", "b.example"},
				FormatJSONL:        {`{"domain":"a.example"}`, `{"domain":"b.example"}`},
				FormatOpenPhish:    {"http://a.example/", "http://b.example/"},
				FormatHosts:        {"0.0.0.0 a.example", "0.0.0.0 b.example"},
				FormatAdblock:      {"||a.example^", "||b.example^"},
				FormatURLhaus:      {"1,2024-01-01 00:00:00,http://a.example/", "2,2024-01-01 00:00:00,http://b.example/"},
				FormatPhishTankCSV: {"phish_id,url", "2,http://b.example/"},
			}[format]
			first, good := lines[0], lines[1]
			huge := strings.Repeat("x", 10<<20) // 10 MiB on one line
			in := first + "\n" + huge + "\n" + good + "\n"
			p, err := NewParser(format, strings.NewReader(in), Options{MaxLineBytes: max})
			if err != nil {
				t.Fatal(err)
			}
			r := collect(t, p)
			if r.fatal != nil {
				t.Fatal(r.fatal)
			}
			if len(r.errs) != 1 || r.errs[0].Line != 2 || !strings.Contains(r.errs[0].Reason, "longer than 1024 bytes") || len(r.errs[0].Raw) > MaxRawBytes {
				t.Fatalf("record errors = %q, want one for line 2", errViews(r.errs))
			}
			last := r.items[len(r.items)-1]
			if last.Line != 3 || !strings.Contains(last.Value, "b.example") {
				t.Errorf("last item = %s, want b.example from line 3", view(last))
			}
			if c := cap(p.(*textParser).lr.buf); c > 4*max {
				t.Errorf("line buffer grew to %d bytes for a %d-byte limit", c, max)
			}
		})
	}
}

// TestLineLimitBoundary pins the limit: a line of exactly MaxLineBytes (with
// or without "\r\n") is accepted, one byte more is not.
func TestLineLimitBoundary(t *testing.T) {
	const max = 64
	ok := strings.Repeat("a", max)
	in := ok + "\r\n" + ok + "\n" + ok + "a\n" + ok
	r := parseString(t, FormatPlain, in, Options{MaxLineBytes: max})
	if len(r.items) != 3 || len(r.errs) != 1 || r.errs[0].Line != 3 {
		t.Fatalf("items %q, errors %q; want lines 1, 2, 4 accepted and 3 rejected", views(r.items), errViews(r.errs))
	}
}

// TestJSONRecordLimit checks that an array element over MaxRecordBytes stops
// parsing with ErrFormat instead of being buffered.
func TestJSONRecordLimit(t *testing.T) {
	in := `[{"url":"http://a.example/*"},{"url":"http://` + strings.Repeat("b", 1<<20) + `.example/*"}]`
	r := parseString(t, FormatChongLuaDao, in, Options{MaxRecordBytes: 4 << 10})
	if len(r.items) != 1 || !errors.Is(r.fatal, ErrFormat) || !strings.Contains(r.fatal.Error(), "record 2 is larger than 4096 bytes") {
		t.Fatalf("items %q, fatal %v; want one item then a size error on record 2", views(r.items), r.fatal)
	}
}

// errReader fails after its data, as a dropped connection does.
type errReader struct {
	data string
	err  error
}

func (e *errReader) Read(p []byte) (int, error) {
	if e.data == "" {
		return 0, e.err
	}
	n := copy(p, e.data)
	e.data = e.data[n:]
	return n, nil
}

func TestReadErrorIsFatal(t *testing.T) {
	boom := errors.New("connection reset")
	for _, format := range []Format{FormatPlain, FormatChongLuaDao, FormatSTIX, FormatMISP} {
		in := map[Format]string{FormatPlain: "a.example\nb.exa", FormatChongLuaDao: `[{"url":"http://a/*"},{"url"`,
			FormatSTIX: `{"type":"bundle","objects":[{"type":"url","value":"http://a/"},`, FormatMISP: `{"response":[{"Event":{}},`}[format]
		p, err := NewParser(format, &errReader{data: in, err: boom}, Options{})
		if err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		r := collect(t, p)
		if !errors.Is(r.fatal, boom) || errors.Is(r.fatal, ErrFormat) {
			t.Errorf("%s: fatal = %v, want the read error (not ErrFormat)", format, r.fatal)
		}
	}
}
