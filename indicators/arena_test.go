package indicators_test

import (
	"context"
	"fmt"
	"testing"
	"unsafe"

	"github.com/scamcheck/scamcheck/indicators"
)

// Keys made in a KeyArena are the keys ParseAs makes, and stay so while
// the arena goes on filling new blocks.
func TestKeyArena(t *testing.T) {
	a := indicators.NewKeyArena(1) // room for one key: every few keys a new block
	inputs := make([]string, 5000)
	got := make([]indicators.Parsed, len(inputs))
	for i := range inputs {
		switch i % 4 {
		case 0:
			inputs[i] = fmt.Sprintf("09%08d", i)
		case 1:
			inputs[i] = fmt.Sprintf("+84 3%d", 10000000+i) // cleaned first
		case 2:
			inputs[i] = fmt.Sprintf("0166%07d", i) // an old mobile number
		default:
			inputs[i] = fmt.Sprintf("024 3%07d", i)
		}
		p, err := indicators.ParseAsIn(indicators.KindPhone, inputs[i], a)
		if err != nil {
			t.Fatalf("ParseAsIn(%q): %v", inputs[i], err)
		}
		got[i] = p
	}
	for i, in := range inputs {
		want, err := indicators.ParseAs(indicators.KindPhone, in)
		if err != nil {
			t.Fatal(err)
		}
		if got[i] != want {
			t.Fatalf("ParseAsIn(%q) = %+v, ParseAs %+v", in, got[i], want)
		}
	}
	for _, in := range []string{"0912 345 678", "VCB 0011004353201", "Techcombank 1903-5555-1234"} {
		p, err := indicators.ParseIn(in, a)
		if want, _ := indicators.Parse(in); err != nil || p != want {
			t.Errorf("ParseIn(%q) = %+v, %v; Parse %+v", in, p, err, want)
		}
	}
	joined := make([]string, 3000)
	for i := range joined {
		joined[i] = a.Concat("MB", " ", fmt.Sprintf("%010d", i))
	}
	for i, s := range joined {
		if want := fmt.Sprintf("MB %010d", i); s != want {
			t.Fatalf("Concat = %q, want %q", s, want)
		}
	}
	var none *indicators.KeyArena
	if s := none.Concat("a", "b"); s != "ab" {
		t.Errorf("nil arena Concat = %q", s)
	}
	accounts := make([]indicators.Key, 3000)
	for i := range accounts {
		k, err := indicators.NormalizeBankAccountIn("MB", fmt.Sprintf("%010d", i), a)
		if err != nil {
			t.Fatal(err)
		}
		accounts[i] = k
	}
	for i, k := range accounts {
		if want, _ := indicators.NormalizeBankAccount("MB", fmt.Sprintf("%010d", i)); k != want {
			t.Fatalf("NormalizeBankAccountIn(MB, %010d) = %q, want %q", i, k, want)
		}
	}
}

// A batch's keys cost an allocation per block, not one each.
func TestKeyArenaAllocations(t *testing.T) {
	inputs := make([]string, 1000)
	for i := range inputs {
		inputs[i] = fmt.Sprintf("09%08d", i)
	}
	allocs := testing.AllocsPerRun(20, func() {
		a := indicators.NewKeyArena(len(inputs))
		for _, in := range inputs {
			if _, err := indicators.ParseAsIn(indicators.KindPhone, in, a); err != nil {
				t.Fatal(err)
			}
		}
	})
	if allocs > 3 {
		t.Errorf("1000 phone keys in an arena: %.0f allocations, want at most 3", allocs)
	}
}

// A listed key's Result holds a copy of the key, not a view into the batch's
// arena, which the answer cache and trend detection would keep alive.
func TestEngineCopiesArenaKeysOfHits(t *testing.T) {
	listed := mustKey(t, indicators.KindPhone, "0912345678")
	f := newEngineFixture(t, record(listed, nil))
	a := indicators.NewKeyArena(2)
	for _, in := range []string{"0912345678", "0912000111"} {
		p, err := indicators.ParseAsIn(indicators.KindPhone, in, a)
		if err != nil {
			t.Fatal(err)
		}
		var r indicators.Result
		f.engine.CheckParsedInto(context.Background(), &p, &r)
		if r.Key != p.Key || r.Canonical != p.Canonical {
			t.Fatalf("%s: result key %q %q, parsed %q %q", in, r.Key, r.Canonical, p.Key, p.Canonical)
		}
		shared := unsafe.StringData(string(r.Key)) == unsafe.StringData(string(p.Key))
		if hit := r.Status != ""; hit == shared {
			t.Errorf("%s: listed %v, key shared with the arena %v; want a copy exactly for listed keys", in, hit, shared)
		}
	}
}
