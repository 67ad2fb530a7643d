package redisstore_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/redisstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// newSideStore returns an empty store on the shared single server.
func newSideStore(t *testing.T) *redisstore.Store {
	t.Helper()
	return redisstore.New(redistest.Client(t), redisstore.Options{Prefix: redistest.Prefix(t)})
}

func TestReports(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) indicators.ReportStore { return newSideStore(t) })
}

func TestKeys(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) indicators.KeyStore { return newSideStore(t) })
}

func TestAudit(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) indicators.AuditLog { return newSideStore(t) })
}

func TestStats(t *testing.T) {
	storetest.RunStats(t, func(t *testing.T) indicators.StatsStore { return newSideStore(t) })
}

// The side stores run on the shared three-master cluster too
// (newClusterStore), where a script or MULTI touching keys of two slots
// fails with CROSSSLOT: they pass the suite there only if their hash tags
// are right.

func TestReportsCluster(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) indicators.ReportStore { return newClusterStore(t) })
}

func TestKeysCluster(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) indicators.KeyStore { return newClusterStore(t) })
}

func TestAuditCluster(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) indicators.AuditLog { return newClusterStore(t) })
}

func TestStatsCluster(t *testing.T) {
	storetest.RunStats(t, func(t *testing.T) indicators.StatsStore { return newClusterStore(t) })
}

// TestContactStoredApart looks into Redis: the contact has its own key and
// no byte of it is in any other key of the store.
func TestContactStoredApart(t *testing.T) {
	ctx := t.Context()
	prefix := redistest.Prefix(t)
	client := redistest.Client(t)
	s := redisstore.New(client, redisstore.Options{Prefix: prefix})
	r := storetest.NewReport(1)
	c := indicators.Contact{Name: "Lê Văn Báo", Phone: "+84987654321", Email: "bao@mail.example", CreatedAt: storetest.Epoch}
	if err := s.CreateReport(ctx, r, &c); err != nil {
		t.Fatal(err)
	}
	keys, err := client.Keys(ctx, prefix+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	holders := 0
	for _, k := range keys {
		dump, err := client.Dump(ctx, k).Result()
		if err != nil {
			t.Fatalf("DUMP %s: %v", k, err)
		}
		if strings.Contains(dump, c.Phone) || strings.Contains(dump, c.Email) {
			holders++
			if !strings.Contains(k, ":c:") {
				t.Errorf("key %s holds contact data", k)
			}
		}
	}
	if holders != 1 {
		t.Errorf("%d keys hold the contact (of %v), want 1", holders, keys)
	}
}

// TestSideSlots checks the hash tags that make each script single-slot:
// every report key shares one slot, every key-store key another, every
// audit key a third; stats days spread.
func TestSideSlots(t *testing.T) {
	ctx := t.Context()
	s := newClusterStore(t)
	prefix := redistest.Prefix(t)
	s = redisstore.New(s.Client(), redisstore.Options{Prefix: prefix})
	c := storetest.NewReport(1)
	contact := indicators.Contact{Name: "x", CreatedAt: storetest.Epoch}
	if err := s.CreateReport(ctx, c, &contact); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateKey(ctx, storetest.NewAPIKey(1)); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AppendAudit(ctx, storetest.NewAuditEntry(1, "report:r-1")); err != nil {
		t.Fatal(err)
	}
	for _, day := range []string{"2025-03-01", "2025-03-02", "2025-03-03", "2025-03-04"} {
		if err := s.AddCounters(ctx, day, map[string]int64{"checks:phone": 1}); err != nil {
			t.Fatal(err)
		}
	}
	cc, ok := s.Client().(*redis.ClusterClient)
	if !ok {
		t.Fatalf("client is %T, want *redis.ClusterClient", s.Client())
	}
	var mu sync.Mutex // guards slots
	slots := map[string]map[int64]bool{}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		iter := m.Scan(ctx, 0, prefix+":*", 1000).Iterator()
		for iter.Next(ctx) {
			k := iter.Val()
			slot, err := m.ClusterKeySlot(ctx, k).Result()
			if err != nil {
				return err
			}
			group := strings.SplitN(strings.TrimPrefix(k, prefix+":"), ":", 2)[0]
			mu.Lock()
			if slots[group] == nil {
				slots[group] = map[int64]bool{}
			}
			slots[group][slot] = true
			mu.Unlock()
		}
		return iter.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, group := range []string{"{reports}", "{keys}", "{audit}"} {
		if len(slots[group]) != 1 {
			t.Errorf("keys of %s in slots %v, want one slot", group, slots[group])
		}
	}
	if len(slots["stats"]) < 2 {
		t.Errorf("4 days of stats in slots %v, want them spread", slots["stats"])
	}
}
