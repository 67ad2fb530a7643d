package bloom

import (
	"context"
	"testing"

	"github.com/scamcheck/scamcheck/indicators"
)

// TestRebuildDropsLogEntriesUpToMark pins the follower side of a rebuild:
// change-log entries at or before the rebuild's mark are in the Store the
// rebuild reads, so they must not reach the rebuilt filters, whether the
// follower applies them before the mark is known (recording has started,
// the mark is still being read from Redis) or after the swap (it lagged).
// Entries after the mark and direct adds during the rebuild must.
func TestRebuildDropsLogEntriesUpToMark(t *testing.T) {
	set := New(Options{Expected: map[indicators.Kind]uint{indicators.KindPhone: 10_000}})
	listed := phoneKeys(0, 100)
	before, lagging, after, direct := phoneKeys(1000, 100), phoneKeys(2000, 100), phoneKeys(3000, 100), phoneKeys(4000, 100)
	src := newMemSource()
	src.put(indicators.StatusReported, listed...)
	src.put(indicators.StatusDelisted, before...)
	src.put(indicators.StatusDelisted, lagging...)
	err := set.rebuild(context.Background(), src, func(context.Context) error {
		set.add("5-0", before) // a follower applies an old entry before the mark is set
		set.setMark("10-0")
		set.add("11-0", after) // an entry written after the mark
		set.Add(direct...)     // a direct add during the rebuild
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	set.add("7-0", lagging) // a lagging follower, after the swap
	for name, keys := range map[string][]indicators.Key{"listed": listed, "after the mark": after, "direct": direct} {
		for _, k := range keys {
			if !set.Test(k) {
				t.Fatalf("%s key %s missing after the rebuild", name, k)
			}
		}
	}
	for name, keys := range map[string][]indicators.Key{"applied before the mark was known": before, "applied after the swap": lagging} {
		if r := fpRate(set, keys); r > 0.05 {
			t.Errorf("entries up to the mark %s: %.0f%% of their (delisted) keys test true", name, 100*r)
		}
	}
}
