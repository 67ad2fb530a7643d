package redisstore

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/scamcheck/scamcheck/indicators"
)

func TestCodecRoundTrip(t *testing.T) {
	key := indicators.Key("phone:+84912345678")
	hcm := time.FixedZone("ICT", 7*3600)
	at := time.Date(2025, 3, 1, 8, 0, 0, 123456789, time.UTC)
	tests := []struct {
		name string
		rec  indicators.Record
	}{
		{"minimal", indicators.Record{Status: indicators.StatusReported}},
		{"every field", indicators.Record{
			Status: indicators.StatusConfirmed, Category: indicators.CategoryInvestment, Level: "high",
			Reports: 1 << 40, FirstSeen: at, LastSeen: at.Add(time.Hour), ExpiresAt: at.Add(48 * time.Hour),
			ConfirmedBy: "police-hcm", ConfirmedAt: at.Add(2 * time.Hour), HolderName: "NGUYỄN VĂN A",
			Note: strings.Repeat("ghi chú ", 50), UpdatedAt: at.Add(3 * time.Hour),
			Sources: []indicators.Source{
				{Name: "chongluadao", ExternalID: "42", FirstSeen: at, LastSeen: at},
				{Name: "hotline"},
			},
		}},
		{"time before 1970 and in another zone", indicators.Record{
			Status: indicators.StatusTrusted, FirstSeen: time.Date(1969, 12, 31, 23, 59, 59, 1, time.UTC),
			LastSeen: at.In(hcm),
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.rec
			in.Key, in.Kind, in.Value = key, key.Kind(), key.Value()
			got, err := decodeRecord(key, string(appendRecord(nil, &in)))
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			want := in
			want.LastSeen = want.LastSeen.UTC() // stored in UTC; same instant
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round trip:\n got  %+v\n want %+v", got, want)
			}
		})
	}
}

func TestCodecRejectsCorrupt(t *testing.T) {
	key := indicators.Key("domain:example.vn")
	r := indicators.Record{Status: indicators.StatusReported, Note: "note",
		Sources: []indicators.Source{{Name: "a"}, {Name: "b"}}}
	good := string(appendRecord(nil, &r))
	tests := []struct {
		name string
		val  string
	}{
		{"empty", ""},
		{"unknown version", "\x02" + good[1:]},
		{"truncated", good[:len(good)-1]},
		{"trailing bytes", good + "x"},
		{"huge string length", "\x01\xff\xff\xff\xff\x0f"},
		{"huge source count", good[:len(good)-9] + "\xff\xff\xff\xff\x0f"},
		{"bad time flag", "\x01\x00\x00\x00\x00\x07"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got, err := decodeRecord(key, tc.val); err == nil {
				t.Errorf("decode(%q) = %+v, want an error", tc.val, got)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	r := indicators.Record{Status: indicators.StatusReported, Sources: []indicators.Source{{Name: "a"}}}
	f.Add(string(appendRecord(nil, &r)))
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		key := indicators.Key("domain:example.vn")
		rec, err := decodeRecord(key, s)
		if err != nil {
			return
		}
		// Whatever decodes must encode back to the same bytes.
		if again := string(appendRecord(nil, &rec)); again != s {
			t.Errorf("decode then encode changed %q into %q", s, again)
		}
	})
}
