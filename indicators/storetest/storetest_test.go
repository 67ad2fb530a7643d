package storetest_test

import (
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

// The suite's keys must be canonical, or every store fails validation for
// a reason that is the suite's own; and they must sort in the order of
// their number, which the paging tests rely on.
func TestKeysAreCanonicalAndOrdered(t *testing.T) {
	for _, kind := range indicators.Kinds {
		t.Run(string(kind), func(t *testing.T) {
			var prev indicators.Key
			for _, i := range []int{0, 1, 2, 9, 10, 99, 500, 999_999} {
				k := storetest.KeyOf(kind, i)
				if k.Kind() != kind {
					t.Errorf("KeyOf(%s, %d) = %q, wrong kind", kind, i, k)
				}
				if _, err := indicators.ParseKey(string(k)); err != nil {
					t.Errorf("KeyOf(%s, %d) = %q: %v", kind, i, k, err)
				}
				if k <= prev {
					t.Errorf("KeyOf(%s, %d) = %q sorts before %q", kind, i, k, prev)
				}
				prev = k
			}
		})
	}
}

func TestRecordIsValid(t *testing.T) {
	r := storetest.Record(storetest.DomainKey(1), "feed-a")
	if err := r.Validate(); err != nil {
		t.Fatalf("Record: %v", err)
	}
	if r.Reports != 1 || !r.FirstSeen.Equal(storetest.Epoch) || r.SourceNames()[0] != "feed-a" {
		t.Errorf("Record = %+v, want one report from feed-a at Epoch", r)
	}
}
