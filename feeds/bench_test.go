package feeds

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// drain counts the items of p, failing on anything but record errors.
func drain(b *testing.B, p Parser) int {
	n := 0
	for {
		_, err := p.Next()
		var re *RecordError
		switch {
		case err == nil:
			n++
		case errors.Is(err, io.EOF):
			return n
		case !errors.As(err, &re):
			b.Fatal(err)
		}
	}
}

// benchParse parses data with format on every iteration and reports items/s.
func benchParse(b *testing.B, format Format, data []byte, opts Options) {
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	items := 0
	for b.Loop() {
		p, err := NewParser(format, bytes.NewReader(data), opts)
		if err != nil {
			b.Fatal(err)
		}
		items += drain(b, p)
	}
	b.ReportMetric(float64(items)/b.Elapsed().Seconds(), "items/s")
}

// BenchmarkPlainPhones parses a 100,000-line phone list from memory.
func BenchmarkPlainPhones(b *testing.B) {
	var buf bytes.Buffer
	forms := []string{"0912 345 %03d", "+84 91 234 5%03d", "84912345%03d", "(+84) 912.345.%03d"}
	for i := range 100_000 {
		fmt.Fprintf(&buf, forms[i%len(forms)]+"\n", i%1000)
	}
	benchParse(b, FormatPlain, buf.Bytes(), Options{Kind: indicators.KindPhone})
}

// BenchmarkChongLuaDao parses the ChongLuaDao blacklist sample (787 records).
func BenchmarkChongLuaDao(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "chongluadao-blacklist.json"))
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, FormatChongLuaDao, data, Options{})
}

// BenchmarkCSVReports parses the phone reports sample (1,000 rows).
func BenchmarkCSVReports(b *testing.B) {
	data, err := os.ReadFile(filepath.Join(sampleDir, "reports-phones.csv"))
	if err != nil {
		b.Fatal(err)
	}
	benchParse(b, FormatCSV, data, Options{})
}
