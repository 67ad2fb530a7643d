package bloom

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/internal/redistest"
)

// redisPair returns a replicator factory on one Redis DB and prefix: each
// call gets its own client, like separate processes.
func redisPair(t *testing.T, opts RedisOptions) func() *Redis {
	t.Helper()
	url, prefix := redistest.URL(t), redistest.Prefix(t)
	return func() *Redis {
		o, err := redis.ParseURL(url)
		if err != nil {
			t.Fatal(err)
		}
		c := redis.NewClient(o)
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, prefix, opts)
	}
}

// startFollower starts a follower stopped when the test ends.
func startFollower(t *testing.T, r *Redis) *Follower {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	f, err := r.Start(ctx)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Wait() })
	return f
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, d)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRedisSnapshotRoundTrip(t *testing.T) {
	ctx := context.Background()
	r := redisPair(t, RedisOptions{ChunkSize: 4096})()
	if _, _, err := r.Load(ctx); !errors.Is(err, ErrNoSnapshot) {
		t.Fatalf("Load with nothing published = %v, want ErrNoSnapshot", err)
	}
	s, keys := filledSet(t)
	s.SetPosition("0-0")
	meta, err := r.SaveSnapshot(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if meta.Generation != 1 || meta.Chunks < 2 || meta.Position != "0-0" || s.Generation() != 1 {
		t.Fatalf("meta %+v, Set generation %d; want generation 1, several chunks, position 0-0", meta, s.Generation())
	}
	got, gmeta, err := r.Load(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if gmeta.Generation != 1 || gmeta.Checksum != meta.Checksum || gmeta.Size != meta.Size {
		t.Errorf("loaded meta %+v, saved %+v", gmeta, meta)
	}
	mustAllPresent(t, got, keys)
	if got.Generation() != 1 || got.Position() != "0-0" {
		t.Errorf("loaded Set generation %d position %q", got.Generation(), got.Position())
	}
	// A second save supersedes the first; the first stays readable for the
	// grace period only.
	meta2, err := r.SaveSnapshot(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if meta2.Generation != 2 {
		t.Fatalf("second snapshot generation %d, want 2", meta2.Generation)
	}
	if ttl := r.client.PTTL(ctx, r.chunksKey(1)).Val(); ttl <= 0 || ttl > DefaultGrace {
		t.Errorf("superseded generation TTL %v, want within the grace period", ttl)
	}
	if ttl := r.client.PTTL(ctx, r.chunksKey(2)).Val(); ttl != -1 {
		t.Errorf("published generation TTL %v, want none", ttl)
	}
	// Announcements are on the log for followers.
	msgs := r.client.XRange(ctx, r.logKey(), "-", "+").Val()
	if len(msgs) != 2 || msgs[1].Values[fieldOp] != opSnapshot || msgs[1].Values[fieldGen] != "2" {
		t.Errorf("log holds %v, want two snapshot announcements", msgs)
	}
}

func TestRedisSnapshotCorruptChunk(t *testing.T) {
	ctx := context.Background()
	r := redisPair(t, RedisOptions{ChunkSize: 8192})()
	s, _ := filledSet(t)
	meta, err := r.SaveSnapshot(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	key := r.chunksKey(meta.Generation)
	b := []byte(r.client.HGet(ctx, key, "1").Val())
	b[100] ^= 0x01
	r.client.HSet(ctx, key, "1", b)
	if _, _, err := r.Load(ctx); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Load of a corrupted chunk = %v, want ErrCorrupt", err)
	}
	r.client.HDel(ctx, key, "2")
	if _, _, err := r.Load(ctx); err == nil {
		t.Fatal("Load with a chunk missing succeeded")
	}
}

// TestFollowerConvergence: process A writes, process B sees each key; the
// latency from A's Add starting to B's Test turning true is measured.
func TestFollowerConvergence(t *testing.T) {
	ctx := context.Background()
	newRedis := redisPair(t, RedisOptions{})
	ra, rb := newRedis(), newRedis()
	// An earlier batch, before either starts: replayed on start.
	early := phoneKeys(0, 1000)
	if _, err := ra.Append(ctx, early); err != nil {
		t.Fatal(err)
	}
	fa, fb := startFollower(t, ra), startFollower(t, rb)
	mustAllPresent(t, fb.Set(), early)
	const n = 200
	lat := make([]time.Duration, 0, n)
	for i := range n {
		batch := []indicators.Key{indicators.Key("phone:+8491" + strconv.Itoa(1_000_000+i)), indicators.Key("domain:c" + strconv.Itoa(i) + ".example.vn")}
		start := time.Now() // from the write's start: XADD round trip included
		if _, err := ra.Add(ctx, fa.Set(), batch...); err != nil {
			t.Fatal(err)
		}
		eventually(t, time.Second, "replica sees "+string(batch[1]), func() bool { return fb.Set().Test(batch[1]) && fb.Set().Test(batch[0]) })
		lat = append(lat, time.Since(start))
	}
	slices.Sort(lat)
	p50, p99 := lat[n/2], lat[n*99/100]
	t.Logf("replication latency over %d adds: p50 %v, p99 %v, max %v", n, p50, p99, lat[n-1])
	if p99 > time.Second {
		t.Errorf("p99 latency %v, want ≤ 1s", p99)
	}
	// A large batch is split into several entries and still arrives whole.
	big := phoneKeys(10_000, 25_000)
	if _, err := ra.Add(ctx, fa.Set(), big...); err != nil {
		t.Fatal(err)
	}
	eventually(t, 5*time.Second, "replica sees the big batch", func() bool { return fb.Set().Test(big[len(big)-1]) })
	mustAllPresent(t, fb.Set(), big)
	if fb.LastSync().Before(time.Now().Add(-time.Second)) {
		t.Errorf("LastSync %v is stale", fb.LastSync())
	}
	// Keys that cannot go in the log are refused.
	if _, err := ra.Append(ctx, []indicators.Key{"phone:+84912\n345678"}); !errors.Is(err, indicators.ErrInvalidInput) {
		t.Errorf("Append of a key with a newline = %v, want ErrInvalidInput", err)
	}
}

// TestFollowerTrimmedReload: a replica that was away while the log was
// trimmed past its position reloads the newest snapshot and carries on.
func TestFollowerTrimmedReload(t *testing.T) {
	ctx := context.Background()
	newRedis := redisPair(t, RedisOptions{})
	ra, rb := newRedis(), newRedis()
	fa := startFollower(t, ra)
	first := phoneKeys(0, 100)
	id, err := ra.Add(ctx, fa.Set(), first...)
	if err != nil {
		t.Fatal(err)
	}
	// B catches up, then stops following.
	bctx, stopB := context.WithCancel(ctx)
	fb, err := rb.Start(bctx)
	if err != nil {
		t.Fatal(err)
	}
	mustAllPresent(t, fb.Set(), first)
	stopB()
	fb.Wait()
	// While B is away: many entries, a snapshot by A, and trimming.
	var missed []indicators.Key
	for i := range 50 {
		keys := phoneKeys(1000+100*i, 100)
		missed = append(missed, keys...)
		if id, err = ra.Add(ctx, fa.Set(), keys...); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 2*time.Second, "A applies its own log", func() bool { return fa.Set().Position() == id })
	if _, err := ra.SaveSnapshot(ctx, fa.Set()); err != nil {
		t.Fatal(err)
	}
	if err := ra.client.XTrimMaxLen(ctx, ra.logKey(), 1).Err(); err != nil {
		t.Fatal(err)
	}
	if fb.Set().Test(missed[0]) {
		t.Fatal("B has a key it never read: the test proves nothing")
	}
	// B resumes from where it stopped.
	fctx, stopF := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- rb.Follow(fctx, fb.Set()) }()
	t.Cleanup(func() { stopF(); <-done })
	eventually(t, 2*time.Second, "B reloads the snapshot", func() bool { return fb.Set().Test(missed[len(missed)-1]) })
	mustAllPresent(t, fb.Set(), missed)
	after := phoneKeys(9000, 10)
	if _, err := ra.Add(ctx, fa.Set(), after...); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "B follows after reloading", func() bool { return fb.Set().Test(after[9]) })
}

// TestRedisRebuildPublishes: a rebuild in one process compacts the filters
// of every replica, and adds made during and after it are kept.
func TestRedisRebuildPublishes(t *testing.T) {
	ctx := context.Background()
	newRedis := redisPair(t, RedisOptions{ChunkSize: 64 << 10, Set: Options{
		Expected: map[indicators.Kind]uint{indicators.KindPhone: 20_000}}})
	rw, rb := newRedis(), newRedis()
	fw, fb := startFollower(t, rw), startFollower(t, rb)
	listed, delisted := phoneKeys(0, 10_000), phoneKeys(10_000, 10_000)
	src := newMemSource()
	src.put(indicators.StatusReported, listed...)
	src.put(indicators.StatusDelisted, delisted...)
	for _, batch := range [][]indicators.Key{listed, delisted} {
		if _, err := rw.Add(ctx, fw.Set(), batch...); err != nil {
			t.Fatal(err)
		}
	}
	eventually(t, 2*time.Second, "replica has the delisted keys", func() bool { return fb.Set().Test(delisted[len(delisted)-1]) })
	// Adds that land in the log (and the Store) during the rebuild.
	during := domainKeys(0, 500)
	var once bool
	src.delay = func(i int) {
		if !once {
			once = true
			src.put(indicators.StatusReported, during...) // too late for this iteration
			if _, err := rw.Add(ctx, fw.Set(), during...); err != nil {
				t.Error(err)
			}
		}
	}
	meta, err := rw.Rebuild(ctx, fw.Set(), src)
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 2*time.Second, "replica loads the rebuilt generation", func() bool { return fb.Set().Generation() == meta.Generation })
	for name, s := range map[string]*Set{"writer": fw.Set(), "replica": fb.Set()} {
		mustAllPresent(t, s, listed)
		mustAllPresent(t, s, during)
		if r := fpRate(s, delisted); r > 0.01 {
			t.Errorf("%s: %.2f%% of delisted keys still test true", name, 100*r)
		}
	}
	after := domainKeys(1000, 10)
	if _, err := rw.Add(ctx, fw.Set(), after...); err != nil {
		t.Fatal(err)
	}
	eventually(t, time.Second, "replica follows after the swap", func() bool { return fb.Set().Test(after[9]) })
	// A replica starting now loads the rebuilt snapshot and replays from it.
	fc := startFollower(t, newRedis())
	if fc.Set().Generation() != meta.Generation {
		t.Errorf("new replica generation %d, want %d", fc.Set().Generation(), meta.Generation)
	}
	mustAllPresent(t, fc.Set(), append(append(listed, during...), after...))
}

// TestRedisCluster runs save, load and follow on a Redis Cluster: every key
// shares the {bloom} hash tag, so the publish script may touch them all.
func TestRedisCluster(t *testing.T) {
	ctx := context.Background()
	opts, err := redis.ParseClusterURL(redistest.Cluster(t))
	if err != nil {
		t.Fatal(err)
	}
	newRedis := func() *Redis {
		c := redis.NewClusterClient(opts)
		t.Cleanup(func() { _ = c.Close() })
		return NewRedis(c, redistest.Prefix(t), RedisOptions{ChunkSize: 16 << 10})
	}
	prefix := redistest.Prefix(t)
	mk := func() *Redis {
		r := newRedis()
		*r = *NewRedis(r.client, prefix, RedisOptions{ChunkSize: 16 << 10})
		return r
	}
	rw, rb := mk(), mk()
	fw := startFollower(t, rw)
	keys := phoneKeys(0, 5000)
	if _, err := rw.Add(ctx, fw.Set(), keys...); err != nil {
		t.Fatal(err)
	}
	src := newMemSource()
	src.put(indicators.StatusReported, keys...)
	if _, err := rw.Rebuild(ctx, fw.Set(), src); err != nil {
		t.Fatal(err)
	}
	fb := startFollower(t, rb)
	if fb.Set().Generation() != 1 {
		t.Errorf("replica generation %d, want 1", fb.Set().Generation())
	}
	mustAllPresent(t, fb.Set(), keys)
}
