package indicators_test

import (
	"errors"
	"slices"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestParseVectors(t *testing.T) {
	for _, v := range readVectorFile(t, "parse.json") {
		t.Run(v.Input, func(t *testing.T) {
			p, err := indicators.Parse(v.Input)
			if v.Error != "" {
				if code := indicators.ErrorCode(err); code != v.Error {
					t.Fatalf("Parse(%q) error code = %q (%v), want %q", v.Input, code, err, v.Error)
				}
				if !errors.Is(err, indicators.ErrInvalidInput) {
					t.Errorf("error %v does not match ErrInvalidInput", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse(%q): %v", v.Input, err)
			}
			if string(p.Kind) != v.Kind || string(p.Key) != v.Key {
				t.Fatalf("Parse(%q) = %s %q, want %s %q", v.Input, p.Kind, p.Key, v.Kind, v.Key)
			}
			if v.Canonical != "" && p.Canonical != v.Canonical {
				t.Errorf("Parse(%q).Canonical = %q, want %q", v.Input, p.Canonical, v.Canonical)
			}
			if p.Input != v.Input {
				t.Errorf("Parse(%q).Input = %q", v.Input, p.Input)
			}
		})
	}
}

// Every vector of every kind must be recognised by Parse as its own kind
// when its kind is unambiguous from the text, and always by ParseAs.
func TestParseAsAgreesWithNormalizers(t *testing.T) {
	for _, file := range []struct {
		name string
		kind indicators.Kind
	}{{"phone.json", indicators.KindPhone}, {"domain.json", indicators.KindDomain}, {"url.json", indicators.KindURL}} {
		for _, v := range readVectorFile(t, file.name) {
			if v.Key == "" || v.Input == "" {
				continue
			}
			p, err := indicators.ParseAs(file.kind, v.Input)
			if err != nil || string(p.Key) != v.Key {
				t.Errorf("ParseAs(%s, %q) = %q, %v, want %q", file.kind, v.Input, p.Key, err, v.Key)
			}
			if _, err := indicators.ParseKey(v.Key); err != nil {
				t.Errorf("ParseKey(%q): %v", v.Key, err)
			}
		}
	}
}

func TestLookupKeys(t *testing.T) {
	tests := []struct {
		input string
		want  []indicators.Key // must all be present, in this relative order
	}{
		{"0912345678", []indicators.Key{"phone:+84912345678"}},
		{"login.evil.com.vn", []indicators.Key{"domain:login.evil.com.vn", "domain:evil.com.vn"}},
		{"https://a.evil.com.vn/x/y.html?q=1", []indicators.Key{
			"url:a.evil.com.vn/x/y.html?q=1", "url:a.evil.com.vn/x/y.html", "url:a.evil.com.vn/",
			"url:evil.com.vn/", "domain:a.evil.com.vn", "domain:evil.com.vn"}},
	}
	for _, tt := range tests {
		p, err := indicators.Parse(tt.input)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tt.input, err)
		}
		got := indicators.LookupKeys(p)
		last := -1
		for _, w := range tt.want {
			i := slices.Index(got, w)
			if i < 0 || i < last {
				t.Errorf("LookupKeys(%q) = %q: want %q (in order)", tt.input, got, w)
			}
			last = i
		}
		if len(got) > indicators.MaxURLExpressions+5 {
			t.Errorf("LookupKeys(%q) has %d keys, more than the bound", tt.input, len(got))
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"parse.json", "phone.json", "domain.json", "url.json"} {
		for _, v := range readVectorFile(f, name) {
			f.Add(v.Input)
		}
	}
	arena := indicators.NewKeyArena(4)
	f.Fuzz(func(t *testing.T, s string) {
		p, err := indicators.Parse(s)
		if pa, aerr := indicators.ParseIn(s, arena); (aerr == nil) != (err == nil) || (err == nil && (pa.Key != p.Key || pa.Canonical != p.Canonical || pa.Kind != p.Kind)) {
			t.Errorf("ParseIn(%q) = %+v, %v; Parse %+v, %v", s, pa, aerr, p, err)
		}
		if err != nil {
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("Parse(%q) error %v does not match ErrInvalidInput", s, err)
			}
			return
		}
		if _, err := indicators.ParseKey(string(p.Key)); err != nil {
			t.Fatalf("Parse(%q) key %q is not canonical: %v", s, p.Key, err)
		}
		again, err := indicators.ParseAs(p.Kind, p.Key.Value())
		if err != nil || again.Key != p.Key {
			t.Fatalf("not a fixed point: ParseAs(%s, %q) = %q, %v, want %q", p.Kind, p.Key.Value(), again.Key, err, p.Key)
		}
		if keys := indicators.LookupKeys(p); len(keys) == 0 {
			t.Fatalf("LookupKeys(%q) is empty", s)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	inputs := []string{"0912 345 678", "VCB 0011004353201", "https://login.evil.com.vn/a/b?x=1", "evil-shop.vn", "+84 912-345-678"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := indicators.Parse(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
