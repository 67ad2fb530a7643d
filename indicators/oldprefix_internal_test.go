package indicators

import (
	"strings"
	"testing"
)

func TestLoadOldPrefixesRejectsBadTables(t *testing.T) {
	const header = "old,new,carrier\n"
	tests := []struct{ name, csv, wantErr string }{
		{"no header", "0166,036,Viettel\n", "header"},
		{"header only", header, "header"},
		{"old not 01xx", header + "0266,036,Viettel\n", "not 01xx"},
		{"old too short", header + "016,036,Viettel\n", "not 01xx"},
		{"new not 0[2-9]x", header + "0166,016,Viettel\n", "not 0[2-9]x"},
		{"new with letters", header + "0166,03a,Viettel\n", "not 0[2-9]x"},
		{"no carrier", header + "0166,036,\n", "no carrier"},
		{"twice", header + "0166,036,Viettel\n0166,037,Viettel\n", "twice"},
		{"wrong columns", header + "0166,036\n", "old prefix table"},
	}
	for _, tt := range tests {
		if _, err := loadOldPrefixes(strings.NewReader(tt.csv)); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%s: err = %v; want one containing %q", tt.name, err, tt.wantErr)
		}
	}
	tb, err := loadOldPrefixes(strings.NewReader("# comment\n" + header + "0166,036,Viettel\n"))
	if err != nil || len(tb.rows) != 1 || !tb.ok[66] || tb.next[66] != [2]byte{'3', '6'} {
		t.Errorf("good table: %+v, %v", tb, err)
	}
}
