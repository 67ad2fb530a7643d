package indicators_test

import (
	"errors"
	"regexp"
	"slices"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestNormalizeDomainVectors(t *testing.T) {
	for _, v := range readVectorFile(t, "domain.json") {
		t.Run(v.Input, func(t *testing.T) {
			got, err := indicators.NormalizeDomain(v.Input)
			if v.Error != "" {
				if code := indicators.ErrorCode(err); code != v.Error {
					t.Fatalf("NormalizeDomain(%q) error code = %q (%v), want %q", v.Input, code, err, v.Error)
				}
				if !errors.Is(err, indicators.ErrInvalidInput) {
					t.Errorf("error %v does not match ErrInvalidInput", err)
				}
				return
			}
			if err != nil || string(got) != v.Key {
				t.Fatalf("NormalizeDomain(%q) = %q, %v, want %q", v.Input, got, err, v.Key)
			}
			if v.Registrable != "" {
				if reg, err := indicators.RegistrableDomain(got.Value()); err != nil || reg != v.Registrable {
					t.Errorf("RegistrableDomain(%q) = %q, %v, want %q", got.Value(), reg, err, v.Registrable)
				}
			}
		})
	}
}

func TestDomainLookupKeys(t *testing.T) {
	tests := []struct {
		host string
		want []indicators.Key
	}{
		{"evil.vn", []indicators.Key{"domain:evil.vn"}},
		{"login.evil.com.vn", []indicators.Key{"domain:login.evil.com.vn", "domain:evil.com.vn"}},
		{"a.b.evil.vn", []indicators.Key{"domain:a.b.evil.vn", "domain:b.evil.vn", "domain:evil.vn"}},
		// Deep hosts keep four specific names and always end at the registrable domain.
		{"a.b.c.d.e.f.evil.vn", []indicators.Key{"domain:a.b.c.d.e.f.evil.vn", "domain:b.c.d.e.f.evil.vn",
			"domain:c.d.e.f.evil.vn", "domain:d.e.f.evil.vn", "domain:evil.vn"}},
		// A customer of shared hosting never implicates the host's own domain.
		{"vcb.github.io", []indicators.Key{"domain:vcb.github.io"}},
		{"1.2.3.4", []indicators.Key{"domain:1.2.3.4"}},
	}
	for _, tt := range tests {
		if got := indicators.DomainLookupKeys(tt.host); !slices.Equal(got, tt.want) {
			t.Errorf("DomainLookupKeys(%q) = %q, want %q", tt.host, got, tt.want)
		}
	}
}

var domainKeyGrammar = regexp.MustCompile(`^domain:([a-z0-9_]([a-z0-9_-]*[a-z0-9_])?\.)+[a-z0-9-]+$`)

func FuzzNormalizeDomain(f *testing.F) {
	for _, v := range readVectorFile(f, "domain.json") {
		f.Add(v.Input)
	}
	f.Fuzz(func(t *testing.T, s string) {
		key, err := indicators.NormalizeDomain(s)
		if err != nil {
			if !errors.Is(err, indicators.ErrInvalidInput) {
				t.Fatalf("NormalizeDomain(%q) error %v does not match ErrInvalidInput", s, err)
			}
			return
		}
		if !domainKeyGrammar.MatchString(string(key)) {
			t.Fatalf("NormalizeDomain(%q) = %q, not a domain key", s, key)
		}
		again, err := indicators.NormalizeDomain(key.Value())
		if err != nil || again != key {
			t.Fatalf("not a fixed point: NormalizeDomain(%q) = %q, %v, want %q", key.Value(), again, err, key)
		}
		if _, err := indicators.RegistrableDomain(key.Value()); err != nil {
			t.Fatalf("RegistrableDomain(%q): %v", key.Value(), err)
		}
	})
}

func BenchmarkNormalizeDomain(b *testing.B) {
	inputs := []string{"example.vn", "WWW.Example.com.vn.", "ngân-hàng.vn", "https://login.evil.com.vn/path?x=1", "sub.domain.vietcombank-vn.weebly.com"}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		if _, err := indicators.NormalizeDomain(inputs[i%len(inputs)]); err != nil {
			b.Fatal(err)
		}
	}
}
