package indicators

import (
	"bytes"
	"testing"
)

// FuzzCleanPhoneFastPath checks that cleanPhone's shortcut for inputs that
// are already clean gives what the full cleaning gives.
func FuzzCleanPhoneFastPath(f *testing.F) {
	for _, s := range []string{"0912345678", "+84912345678", "1234", "123", "+", "",
		"12345678901234567890", "123456789012345678901", "+12345678901234567890",
		"09123 45678", "0912345678#1", "++1234", "１２３４５", "0912-345-678"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var a, b [maxPhoneDigits + 1]byte
		got, err := cleanPhone(s, a[:0])
		want, wantErr := cleanPhoneText(s, b[:0])
		if (err == nil) != (wantErr == nil) || (err != nil && err.Error() != wantErr.Error()) {
			t.Fatalf("cleanPhone(%q) error %v, full cleaning %v", s, err, wantErr)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("cleanPhone(%q) = %q, full cleaning %q", s, got, want)
		}
	})
}
