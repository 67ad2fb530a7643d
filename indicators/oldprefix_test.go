package indicators_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// wantOldPrefixes is the 2018 renumbering as the Ministry and the carriers
// published it (sources in oldprefixes.csv), written out independently of
// the embedded file so that a typo there fails here.
var wantOldPrefixes = []indicators.OldPrefix{
	{Old: "0120", New: "070", Carrier: "MobiFone"},
	{Old: "0121", New: "079", Carrier: "MobiFone"},
	{Old: "0122", New: "077", Carrier: "MobiFone"},
	{Old: "0126", New: "076", Carrier: "MobiFone"},
	{Old: "0128", New: "078", Carrier: "MobiFone"},
	{Old: "0123", New: "083", Carrier: "VinaPhone"},
	{Old: "0124", New: "084", Carrier: "VinaPhone"},
	{Old: "0125", New: "085", Carrier: "VinaPhone"},
	{Old: "0127", New: "081", Carrier: "VinaPhone"},
	{Old: "0129", New: "082", Carrier: "VinaPhone"},
	{Old: "0162", New: "032", Carrier: "Viettel"},
	{Old: "0163", New: "033", Carrier: "Viettel"},
	{Old: "0164", New: "034", Carrier: "Viettel"},
	{Old: "0165", New: "035", Carrier: "Viettel"},
	{Old: "0166", New: "036", Carrier: "Viettel"},
	{Old: "0167", New: "037", Carrier: "Viettel"},
	{Old: "0168", New: "038", Carrier: "Viettel"},
	{Old: "0169", New: "039", Carrier: "Viettel"},
	{Old: "0186", New: "056", Carrier: "Vietnamobile"},
	{Old: "0188", New: "058", Carrier: "Vietnamobile"},
	{Old: "0199", New: "059", Carrier: "Gmobile"},
}

func TestOldMobilePrefixesTable(t *testing.T) {
	got := indicators.OldMobilePrefixes()
	if !slices.Equal(got, wantOldPrefixes) {
		t.Fatalf("OldMobilePrefixes() =\n%v\nwant\n%v", got, wantOldPrefixes)
	}
	// The caller's copy is its own.
	got[0].New = "099"
	if indicators.OldMobilePrefixes()[0].New != "070" {
		t.Error("OldMobilePrefixes returns the table itself, not a copy")
	}
}

// TestOldMobileNumbers checks every old prefix, in each way people write
// it, against the current number written by hand.
func TestOldMobileNumbers(t *testing.T) {
	for _, p := range wantOldPrefixes {
		t.Run(p.Old, func(t *testing.T) {
			old := p.Old[1:] // "166"
			want := indicators.Key("phone:+84" + p.New[1:] + "1234567")
			forms := []string{
				p.Old + " 123 4567",
				p.Old + ".123.4567",
				p.Old + "1234567",
				"+84 " + old + " 123 4567",
				"+84" + old + "1234567",
				"84" + old + "1234567",
				"0084 " + old + " 1234567",
				"(+84) " + old + "-123-4567",
				"tel:+84" + old + "1234567",
				"０" + old + "１２３４５６７",
			}
			for _, in := range forms {
				key, converted, err := indicators.NormalizePhoneConverted(in)
				if err != nil || key != want || !converted {
					t.Errorf("NormalizePhoneConverted(%q) = %q, %v, %v; want %q, true", in, key, converted, err, want)
				}
				if k, err := indicators.NormalizePhone(in); k != want || err != nil {
					t.Errorf("NormalizePhone(%q) = %q, %v; want %q", in, k, err, want)
				}
				if !indicators.IsPossiblePhone(in) {
					t.Errorf("IsPossiblePhone(%q) = false", in)
				}
				parsed, err := indicators.Parse(in)
				if err != nil || parsed.Key != want || parsed.ConvertedFrom != in {
					t.Errorf("Parse(%q) = %+v, %v; want key %q converted from the input", in, parsed, err, want)
				}
			}
			// The current number is the same key and is not "converted";
			// the key is a fixed point.
			for _, in := range []string{p.New + " 123 4567", want.Value()} {
				key, converted, err := indicators.NormalizePhoneConverted(in)
				if err != nil || key != want || converted {
					t.Errorf("NormalizePhoneConverted(%q) = %q, %v, %v; want %q, false", in, key, converted, err, want)
				}
			}
		})
	}
}

func TestOldMobileUnknownPrefix(t *testing.T) {
	known := map[string]bool{}
	for _, p := range wantOldPrefixes {
		known[p.Old] = true
	}
	var unknown []string
	for i := 0; i < 100; i++ {
		old := fmt.Sprintf("01%02d", i)
		if known[old] {
			continue
		}
		// 1800 and 1900 are hotlines, tested below.
		if old == "0180" || old == "0190" {
			continue
		}
		unknown = append(unknown, old+" 765 4321", "+84 "+old[1:]+" 765 4321")
	}
	if len(unknown) != 2*(100-len(wantOldPrefixes)-2) {
		t.Fatalf("built %d unknown inputs", len(unknown))
	}
	for _, in := range unknown {
		_, err := indicators.NormalizePhone(in)
		var ie *indicators.InputError
		if !errors.As(err, &ie) || ie.Code != indicators.CodeUnknownOldPrefix || !errors.Is(err, indicators.ErrInvalidInput) {
			t.Errorf("NormalizePhone(%q) error = %v; want %s", in, err, indicators.CodeUnknownOldPrefix)
		}
		if indicators.IsPossiblePhone(in) {
			t.Errorf("IsPossiblePhone(%q) = true for an unknown old prefix", in)
		}
		if _, err := indicators.Parse(in); indicators.ErrorCode(err) != indicators.CodeUnknownOldPrefix {
			t.Errorf("Parse(%q) error = %v; want %s", in, err, indicators.CodeUnknownOldPrefix)
		}
	}
}

func TestOldMobileLeavesOtherNumbersAlone(t *testing.T) {
	tests := []struct{ in, want string }{
		{"1800 588 822", "phone:+841800588822"},  // 10-digit toll-free
		{"1900 54 54 15", "phone:+841900545415"}, // 10-digit premium
		{"1800 1091", "phone:+8418001091"},
		{"0912 345 678", "phone:+84912345678"},
		{"036 123 4567", "phone:+84361234567"},
		{"024 3826 4444", "phone:+842438264444"}, // 11-digit landline, starts with 02
		{"+1 650 253 0000", "phone:+16502530000"},
	}
	for _, tt := range tests {
		key, converted, err := indicators.NormalizePhoneConverted(tt.in)
		if err != nil || string(key) != tt.want || converted {
			t.Errorf("NormalizePhoneConverted(%q) = %q, %v, %v; want %q, false", tt.in, key, converted, err, tt.want)
		}
	}
}

func TestEngineSaysConverted(t *testing.T) {
	current := mustKey(t, indicators.KindPhone, "036 123 4567")
	f := newEngineFixture(t, record(current, nil))
	ctx := context.Background()

	r := f.engine.Check(ctx, "0166 123 4567")
	if r.Error != nil || r.Key != current || r.ConvertedFrom != "0166 123 4567" || r.Verdict != indicators.VerdictSuspicious {
		t.Errorf("Check(old number) = %+v; want the reported current key, converted_from set, suspicious", r)
	}
	r = f.engine.CheckAs(ctx, indicators.KindPhone, "+84 166 123 4567")
	if r.Key != current || r.ConvertedFrom != "+84 166 123 4567" {
		t.Errorf("CheckAs(+84 old number) = %+v", r)
	}
	if r := f.engine.Check(ctx, "036 123 4567"); r.ConvertedFrom != "" || r.Key != current {
		t.Errorf("Check(current number) = %+v; want no converted_from", r)
	}
	r = f.engine.Check(ctx, "0130 123 4567")
	if r.Error == nil || r.Error.Code != indicators.CodeUnknownOldPrefix {
		t.Errorf("Check(unknown old prefix) = %+v; want error %s", r, indicators.CodeUnknownOldPrefix)
	}
}

// renumbered applies the 2018 renumbering to phonenumbers' answer (which
// knows nothing of it), so that TestPhoneFastPath can keep phonenumbers as
// its reference.
func renumbered(want string, err error) (string, error) {
	if err != nil {
		return want, err
	}
	nsn, ok := strings.CutPrefix(want, "phone:+84")
	if !ok || len(nsn) != 10 || nsn[0] != '1' || strings.HasPrefix(nsn, "1800") || strings.HasPrefix(nsn, "1900") {
		return want, nil
	}
	for _, p := range wantOldPrefixes {
		if p.Old == "0"+nsn[:3] {
			return "phone:+84" + p.New[1:] + nsn[3:], nil
		}
	}
	return "", errors.New("unknown old prefix")
}
