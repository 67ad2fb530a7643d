package redistest_test

import (
	"context"
	"net"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/internal/redistest"
)

func TestMain(m *testing.M) { redistest.Main(m) }

func TestClientsAreIsolated(t *testing.T) {
	ctx := context.Background()
	a, b := redistest.Client(t), redistest.Client(t)
	pa, pb := redistest.Prefix(t), redistest.Prefix(t)
	if pa == pb {
		t.Fatalf("Prefix returned %q twice", pa)
	}
	if strings.ContainsAny(pa, "{}") {
		t.Fatalf("Prefix %q contains a brace", pa)
	}
	if err := a.Set(ctx, pa+":k", "a", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if err := b.Set(ctx, pb+":k", "b", 0).Err(); err != nil {
		t.Fatal(err)
	}
	if got, err := a.Get(ctx, pa+":k").Result(); err != nil || got != "a" {
		t.Fatalf("Get = %q, %v; want a", got, err)
	}
	// On the private server each client has its own DB: b must not see a's key.
	if opts, _ := redis.ParseURL(redistest.URL(t)); opts.DB != 0 {
		if n, err := b.Exists(ctx, pa+":k").Result(); err != nil || n != 0 {
			t.Fatalf("Exists(other test's key) = %d, %v; want 0", n, err)
		}
	}
}

func TestStartServerStops(t *testing.T) {
	addr, stop := redistest.StartServer(t)
	c := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
	defer c.Close()
	ctx := context.Background()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Ping before stop: %v", err)
	}
	stop()
	if _, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		t.Fatalf("server at %s still accepts connections after stop", addr)
	}
}

func TestCluster(t *testing.T) {
	u := redistest.Cluster(t)
	if u2 := redistest.Cluster(t); u2 != u {
		t.Fatalf("Cluster returned %q then %q; want one cluster per binary", u, u2)
	}
	opts, err := redis.ParseClusterURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if len(opts.Addrs) != 3 {
		t.Fatalf("cluster URL %q has %d addrs, want 3", u, len(opts.Addrs))
	}
	c := redis.NewClusterClient(opts)
	defer c.Close()
	ctx := context.Background()
	var masters atomic.Int32 // ForEachMaster runs the callbacks concurrently
	err = c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		info, err := m.ClusterInfo(ctx).Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "cluster_state:ok") {
			t.Errorf("node %s: cluster_state not ok", m.Options().Addr)
		}
		masters.Add(1)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := masters.Load(); n != 3 {
		t.Fatalf("cluster has %d masters, want 3", n)
	}
	p := redistest.Prefix(t)
	for i := range 50 {
		if err := c.Set(ctx, p+":"+string(rune('a'+i%26))+strings.Repeat("x", i), i, 0).Err(); err != nil {
			t.Fatal(err)
		}
	}
}
