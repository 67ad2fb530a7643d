package indicators_test

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/nyaruka/phonenumbers"

	"github.com/scamcheck/scamcheck/indicators"
)

// phoneKeyGrammar is what every phone key must look like: E.164 has at most
// 15 digits and never starts with 0.
var phoneKeyGrammar = regexp.MustCompile(`^phone:\+[1-9][0-9]{6,14}$`)

// reportsDir holds the synthetic citizen reports shared by the team (see
// /work/shared/data/README.md); it is outside the repository.
var reportsDir = filepath.Join("..", "..", "shared", "data", "reports")

func TestNormalizePhoneVectors(t *testing.T) {
	for _, v := range readVectorFile(t, "phone.json") {
		t.Run(v.Input, func(t *testing.T) {
			got, err := indicators.NormalizePhone(v.Input)
			checkPhoneResult(t, v.Input, got, err, v.Key, v.Error)
			if possible := indicators.IsPossiblePhone(v.Input); possible != (err == nil) {
				t.Errorf("IsPossiblePhone(%q) = %v, but NormalizePhone's error is %v", v.Input, possible, err)
			}
		})
	}
}

// checkPhoneResult compares one NormalizePhone result with a vector row and,
// for a key, checks its grammar and that it is a fixed point.
func checkPhoneResult(t *testing.T, input string, got indicators.Key, err error, wantKey, wantCode string) {
	t.Helper()
	if wantCode != "" {
		if err == nil {
			t.Fatalf("NormalizePhone(%q) = %q, want error %s", input, got, wantCode)
		}
		if !errors.Is(err, indicators.ErrInvalidInput) {
			t.Errorf("NormalizePhone(%q) error %v does not match ErrInvalidInput", input, err)
		}
		if code := indicators.ErrorCode(err); code != wantCode {
			t.Errorf("NormalizePhone(%q) error code = %q (%v), want %q", input, code, err, wantCode)
		}
		return
	}
	if err != nil {
		t.Fatalf("NormalizePhone(%q) error %v, want %q", input, err, wantKey)
	}
	if string(got) != wantKey {
		t.Errorf("NormalizePhone(%q) = %q, want %q", input, got, wantKey)
	}
	checkPhoneKey(t, got)
}

func checkPhoneKey(t *testing.T, k indicators.Key) {
	t.Helper()
	if !phoneKeyGrammar.MatchString(string(k)) {
		t.Errorf("key %q does not match %s", k, phoneKeyGrammar)
	}
	again, err := indicators.NormalizePhone(k.Value())
	if err != nil || again != k {
		t.Errorf("NormalizePhone(%q) = %q, %v; want the fixed point %q", k.Value(), again, err, k)
	}
	if parsed, err := indicators.ParseKey(string(k)); err != nil || parsed != k {
		t.Errorf("ParseKey(%q) = %q, %v", k, parsed, err)
	}
}

// TestPhoneFastPath checks that the shortcut taken for common Vietnamese
// forms gives exactly phonenumbers' answer. Inputs are reduced to '+' and
// digits first (what NormalizePhone hands to phonenumbers), then both are
// asked.
func TestPhoneFastPath(t *testing.T) {
	var inputs []string
	for _, v := range readVectorFile(t, "phone.json") {
		inputs = append(inputs, v.Input)
	}
	if rows, err := readReportColumn(filepath.Join(reportsDir, "phones-reported.csv"), "phone"); err == nil {
		inputs = append(inputs, rows...)
	} else {
		t.Logf("synthetic reports not available: %v", err)
	}
	// Generated: every first digit, national numbers of 7 to 12 digits, in
	// each prefix form the fast path knows, plus near misses.
	rng := rand.New(rand.NewPCG(1, 2))
	for first := '0'; first <= '9'; first++ {
		for n := 7; n <= 12; n++ {
			for range 20 {
				nsn := string(first) + randomDigits(rng, n-1)
				for _, p := range []string{"0", "84", "+84", "0084", "", "00", "+840", "840", "8484"} {
					inputs = append(inputs, p+nsn)
				}
			}
		}
	}
	checked := 0
	for _, in := range inputs {
		cleaned, ok := plusAndDigits(in)
		if !ok {
			continue
		}
		checked++
		want, wantErr := renumbered(libraryPhone(cleaned))
		got, err := indicators.NormalizePhone(cleaned)
		if (err == nil) != (wantErr == nil) || (err == nil && string(got) != want) {
			t.Errorf("NormalizePhone(%q) = %q, %v; phonenumbers says %q, %v", cleaned, got, err, want, wantErr)
		}
	}
	if checked < 5000 {
		t.Errorf("only %d inputs checked", checked)
	}
}

// libraryPhone is the reference: phonenumbers alone, possible numbers only,
// within E.164's length.
func libraryPhone(s string) (string, error) {
	for range 4 {
		num, err := phonenumbers.Parse(s, "VN")
		if err != nil {
			return "", err
		}
		if r := phonenumbers.IsPossibleNumberWithReason(num); r != phonenumbers.IS_POSSIBLE {
			return "", fmt.Errorf("not possible: %v", r)
		}
		e164 := phonenumbers.Format(num, phonenumbers.E164)
		// Some numbers parse differently once written in E.164;
		// NormalizePhone re-parses until the result is stable.
		if e164 == s {
			// NormalizePhone also holds keys to E.164's 7 to 15 digits.
			if n := len(e164) - 1; n < 7 || n > 15 {
				return "", fmt.Errorf("%d digits is outside E.164", n)
			}
			return "phone:" + e164, nil
		}
		s = e164
	}
	return "", errors.New("no fixed point")
}

// plusAndDigits keeps an optional leading '+' and the ASCII digits of s,
// when s is written with ASCII digits and phone punctuation only.
func plusAndDigits(s string) (string, bool) {
	var b strings.Builder
	for i, r := range s {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune(" .-()", r):
		default:
			return "", false
		}
	}
	return b.String(), b.Len() > 0
}

func randomDigits(rng *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + rng.IntN(10))
	}
	return string(b)
}

// readReportColumn returns one column of a synthetic report CSV.
func readReportColumn(path, column string) ([]string, error) {
	rows, err := readReportColumns(path, column)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r[0]
	}
	return out, nil
}

// readReportColumns returns the named columns of every row of a CSV file.
func readReportColumns(path string, columns ...string) ([][]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) < 2 {
		return nil, fmt.Errorf("%s: no rows", path)
	}
	idx := make([]int, len(columns))
	for i, c := range columns {
		idx[i] = -1
		for j, h := range recs[0] {
			if h == c {
				idx[i] = j
			}
		}
		if idx[i] < 0 {
			return nil, fmt.Errorf("%s: no column %q", path, c)
		}
	}
	out := make([][]string, 0, len(recs)-1)
	for _, rec := range recs[1:] {
		row := make([]string, len(idx))
		for i, j := range idx {
			row[i] = rec[j]
		}
		out = append(out, row)
	}
	return out, nil
}

// TestPhoneReports runs the synthetic citizen reports through NormalizePhone:
// the generator writes about 1% malformed rows on purpose, so nearly all
// must be accepted, and every key must be a fixed point.
func TestPhoneReports(t *testing.T) {
	phones, err := readReportColumn(filepath.Join(reportsDir, "phones-reported.csv"), "phone")
	if err != nil {
		t.Skipf("synthetic reports not available: %v", err)
	}
	accepted := 0
	codes := map[string]int{}
	for _, p := range phones {
		k, err := indicators.NormalizePhone(p)
		if err != nil {
			codes[indicators.ErrorCode(err)]++
			continue
		}
		accepted++
		checkPhoneKey(t, k)
	}
	frac := float64(accepted) / float64(len(phones))
	t.Logf("accepted %d of %d (%.2f%%); rejected by code: %v", accepted, len(phones), 100*frac, codes)
	if frac <= 0.95 {
		t.Errorf("accepted %.2f%% of reported phones, want > 95%%", 100*frac)
	}
	if frac == 1 {
		t.Errorf("accepted every row, but the generator writes malformed rows on purpose")
	}
}

// TestPhoneSameNumberSameKey checks the point of it all: one line typed many
// ways gives one key.
func TestPhoneSameNumberSameKey(t *testing.T) {
	forms := []string{
		"0987654321", "0987 654 321", "098-765-4321", "098.765.4321", "+84 987 654 321",
		"84987654321", "0084987654321", "(+84) 987654321", "+84 (0) 987 654 321",
		"tel:+84-987-654-321", "０９８７６５４３２１", "0987\u00a0654\u00a0321",
	}
	want := indicators.Key("phone:+84987654321")
	for _, f := range forms {
		if got, err := indicators.NormalizePhone(f); err != nil || got != want {
			t.Errorf("NormalizePhone(%q) = %q, %v, want %q", f, got, err, want)
		}
	}
}

func TestNormalizePhoneTooLongInput(t *testing.T) {
	s := strings.Repeat(" ", indicators.MaxInputLen) + "0912345678"
	_, err := indicators.NormalizePhone(s)
	if code := indicators.ErrorCode(err); code != indicators.CodeTooLong {
		t.Errorf("NormalizePhone(<%d bytes>) error code = %q, want %q", len(s), code, indicators.CodeTooLong)
	}
}

func TestIsPossiblePhoneDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		if !indicators.IsPossiblePhone("0912 345 678") {
			t.Fatal("IsPossiblePhone(\"0912 345 678\") = false")
		}
	})
	if allocs != 0 {
		t.Errorf("IsPossiblePhone allocates %.0f times per call, want 0", allocs)
	}
}

func FuzzNormalizePhone(f *testing.F) {
	for _, v := range readVectorFile(f, "phone.json") {
		f.Add(v.Input)
	}
	arena := indicators.NewKeyArena(4)
	f.Fuzz(func(t *testing.T, s string) {
		k, err := indicators.NormalizePhone(s)
		if p, perr := indicators.ParseAsIn(indicators.KindPhone, s, arena); (perr == nil) != (err == nil) || p.Key != k {
			t.Errorf("ParseAsIn(phone, %q) = %q, %v; NormalizePhone %q, %v", s, p.Key, perr, k, err)
		}
		if possible := indicators.IsPossiblePhone(s); possible != (err == nil) {
			t.Errorf("IsPossiblePhone(%q) = %v, NormalizePhone error %v", s, possible, err)
		}
		if err != nil {
			var ie *indicators.InputError
			if !errors.As(err, &ie) || !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("NormalizePhone(%q) error %v is not an *InputError", s, err)
			}
			return
		}
		if !phoneKeyGrammar.MatchString(string(k)) {
			t.Fatalf("NormalizePhone(%q) = %q, not matching %s", s, k, phoneKeyGrammar)
		}
		again, err := indicators.NormalizePhone(k.Value())
		if err != nil || again != k {
			t.Fatalf("NormalizePhone(%q) = %q but NormalizePhone(%q) = %q, %v", s, k, k.Value(), again, err)
		}
	})
}

// phoneBenchInputs mixes the forms seen in reports: mostly Vietnamese
// mobiles in the fast-path shapes, some landlines, hotlines and foreign
// numbers that go through phonenumbers, and a rejected input.
var phoneBenchInputs = []string{
	"0912345678", "0912 345 678", "+84 912 345 678", "84912345678", "(+84) 912.345.678",
	"091-234-5678", "0398.566.135", "tel:+84-912-345-678", "０９１２３４５６７８",
	"024 3825 1234", "1900 1234", "+1 202 555 0143", "abc-xyz",
}

func BenchmarkNormalizePhone(b *testing.B) {
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		_, _ = indicators.NormalizePhone(phoneBenchInputs[i%len(phoneBenchInputs)])
		i++
	}
}

func BenchmarkNormalizePhoneForms(b *testing.B) {
	for _, in := range []string{"0912 345 678", "+84 912 345 678", "024 3825 1234", "+1 202 555 0143"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = indicators.NormalizePhone(in)
			}
		})
	}
}

func BenchmarkIsPossiblePhone(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = indicators.IsPossiblePhone("0912 345 678")
	}
}
