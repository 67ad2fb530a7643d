// Package redistest gives tests a real Redis: the server named by
// SCAMCHECK_TEST_REDIS, or a private redis-server started on a free port, and
// on request a private three-master Redis Cluster. It never mocks Redis.
//
// Servers are started lazily, once per test binary, and shared by the tests
// of that binary. Packages that use this package should stop them when the
// binary's tests are done by declaring
//
//	func TestMain(m *testing.M) { redistest.Main(m) }
//
// Without it the servers still die with the test binary (they are started
// with a parent-death signal), but their temporary directories are left.
//
// Isolation: tests must never flush data they did not create. URL and Client
// hand each caller a fresh DB index on the private server; on the shared
// SCAMCHECK_TEST_REDIS server (which other binaries use at the same time) they
// return that URL's DB unchanged, so every test that writes must namespace its
// keys with Prefix, whose keys are deleted when the test ends.
//
// A missing redis-server (or redis-cli for Cluster) skips the test with a
// clear message, except under CI=true where it fails the test.
package redistest

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// EnvURL names the environment variable holding the redis:// URL of a shared
// test server. When it is set no redis-server is started for URL, Client and
// Prefix (Cluster always starts its own nodes).
const EnvURL = "SCAMCHECK_TEST_REDIS"

// privateDatabases is the number of DB indexes the private server offers;
// index 0 is never handed out so that a stray client with no DB selected
// cannot touch a test's data.
const privateDatabases = 1024

// startTimeout bounds how long a starting redis-server or cluster may take
// to answer before the test gives up.
const startTimeout = 15 * time.Second

// servers tracks every process this package started so that Main can stop
// them; mu guards procs and dirs.
var servers struct {
	mu    sync.Mutex
	procs []*proc
	dirs  []string
}

// proc is one started redis-server.
type proc struct {
	addr   string
	cmd    *exec.Cmd
	exited chan struct{} // closed once the process has been reaped
}

// kill stops the process and waits until it is gone.
func (p *proc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// single is the shared single server of this binary: the env URL or a
// private redis-server, set up once.
var single struct {
	once sync.Once
	url  *url.URL // base URL (DB as given by the env, or 0 for the private server)
	own  bool     // true when we started the server and may hand out DB indexes
	err  error

	mu   sync.Mutex // guards free and next
	free []int      // DB indexes returned by finished tests, flushed
	next int        // next never-used DB index
}

// cluster is the shared private cluster of this binary, set up once.
var cluster struct {
	once sync.Once
	url  string
	err  error
}

// prefixSeq makes prefixes unique within the binary; the pid and start time
// make them unique across binaries sharing one server.
var prefixSeq atomic.Uint64

var runID = strconv.FormatInt(time.Now().UnixNano()%1e9, 36)

// errMissing marks a missing binary, which skips instead of failing outside CI.
var errMissing = errors.New("not installed")

// Main runs the tests of m and then stops every Redis process this package
// started and removes their directories, whatever the result. Call it from
// TestMain; it does not return.
func Main(m *testing.M) {
	code := m.Run()
	Stop()
	os.Exit(code)
}

// Stop kills every Redis process this package started and removes their
// temporary directories. Main calls it; it is exported for TestMain functions
// that do more than Main.
func Stop() {
	servers.mu.Lock()
	defer servers.mu.Unlock()
	for _, p := range servers.procs {
		p.kill()
	}
	for _, d := range servers.dirs {
		_ = os.RemoveAll(d)
	}
	servers.procs, servers.dirs = nil, nil
}

// URL returns a redis:// URL for this test. On the private server it selects
// a DB index no other test uses, flushed and released when the test ends. On
// the shared SCAMCHECK_TEST_REDIS server it is that URL as given: use Prefix
// to keep keys apart.
func URL(t testing.TB) string {
	t.Helper()
	base := sharedServer(t)
	if !single.own {
		return base.String()
	}
	db := allocDB(t)
	u := *base
	u.Path = "/" + strconv.Itoa(db)
	t.Cleanup(func() { releaseDB(db) })
	return u.String()
}

// Client returns a client on URL(t), closed when the test ends.
func Client(t testing.TB) redis.UniversalClient {
	t.Helper()
	opts, err := redis.ParseURL(URL(t))
	if err != nil {
		t.Fatalf("redistest: parse URL: %v", err)
	}
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Prefix returns a key prefix no other test (in this or another binary)
// uses, without braces so that callers can add hash tags after it. Keys
// starting with it on the shared server are deleted when the test ends.
func Prefix(t testing.TB) string {
	t.Helper()
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, t.Name())
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	p := fmt.Sprintf("t%s%d_%d_%s", runID, os.Getpid(), prefixSeq.Add(1), name)
	base := sharedServer(t)
	if !single.own {
		// Only the shared server needs cleaning: the private server's DBs are
		// flushed when released.
		t.Cleanup(func() { deletePrefix(base, p) })
	}
	return p
}

// Cluster returns the go-redis URL of a private three-master Redis Cluster,
// started on first use and shared by the whole test binary:
// redis://127.0.0.1:p1?addr=127.0.0.1:p2&addr=127.0.0.1:p3. The cluster is
// not flushed between tests: use Prefix for keys. Main stops it.
func Cluster(t testing.TB) string {
	t.Helper()
	cluster.once.Do(func() { cluster.url, cluster.err = startCluster() })
	if cluster.err != nil {
		fail(t, "redis cluster", cluster.err)
	}
	return cluster.url
}

// fail skips or fails t for err: a missing binary skips outside CI.
func fail(t testing.TB, what string, err error) {
	t.Helper()
	hint := "install redis-server (Debian package redis-server)"
	if what == "redis cluster" {
		hint += " and redis-cli (package redis-tools)"
	} else {
		hint += " or set " + EnvURL + "=redis://host:port"
	}
	if errors.Is(err, errMissing) {
		if os.Getenv("CI") != "true" {
			t.Skipf("redistest: %s unavailable (%v); %s to run this test", what, err, hint)
		}
		t.Fatalf("redistest: %s unavailable (%v) and CI=true makes that a failure; %s", what, err, hint)
	}
	t.Fatalf("redistest: %s: %v", what, err)
}

func sharedServer(t testing.TB) *url.URL {
	t.Helper()
	single.once.Do(func() {
		if env := os.Getenv(EnvURL); env != "" {
			u, err := url.Parse(env)
			if err != nil {
				single.err = fmt.Errorf("%s: %w", EnvURL, err)
				return
			}
			if err := ping(env); err != nil {
				single.err = fmt.Errorf("%s=%s: %w", EnvURL, env, err)
				return
			}
			single.url = u
			return
		}
		p, err := startServer(fmt.Sprintf("--databases %d", privateDatabases))
		if err != nil {
			single.err = err
			return
		}
		single.url = &url.URL{Scheme: "redis", Host: p.addr}
		single.own = true
		single.next = 1
	})
	if single.err != nil {
		fail(t, "redis-server", single.err)
	}
	return single.url
}

func allocDB(t testing.TB) int {
	t.Helper()
	single.mu.Lock()
	defer single.mu.Unlock()
	if n := len(single.free); n > 0 {
		db := single.free[n-1]
		single.free = single.free[:n-1]
		return db
	}
	if single.next >= privateDatabases {
		t.Fatalf("redistest: all %d DB indexes of the private server are in use", privateDatabases-1)
	}
	single.next++
	return single.next - 1
}

// releaseDB flushes db (it belongs to the finished test) and makes it
// available again; a DB that cannot be flushed is not reused.
func releaseDB(db int) {
	u := *single.url
	u.Path = "/" + strconv.Itoa(db)
	opts, err := redis.ParseURL(u.String())
	if err != nil {
		return
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if c.FlushDB(ctx).Err() != nil {
		return
	}
	single.mu.Lock()
	single.free = append(single.free, db)
	single.mu.Unlock()
}

// deletePrefix removes the keys a test created under prefix p on the shared
// server, and nothing else.
func deletePrefix(base *url.URL, p string) {
	opts, err := redis.ParseURL(base.String())
	if err != nil {
		return
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, p+"*", 1000).Iterator()
	var batch []string
	for iter.Next(ctx) {
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			c.Unlink(ctx, batch...)
			batch = batch[:0]
		}
	}
	if len(batch) > 0 {
		c.Unlink(ctx, batch...)
	}
}

// startServer starts one redis-server on a free port with extra arguments
// (space-separated, no quoting) and returns it once it answers.
func startServer(extra string, args ...string) (*proc, error) {
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		return nil, fmt.Errorf("redis-server: %w", errMissing)
	}
	var lastErr error
	// A free port can be taken between probing and binding: retry a few times.
	for range 3 {
		port, err := freePort()
		if err != nil {
			return nil, err
		}
		dir, err := os.MkdirTemp("", "redistest-")
		if err != nil {
			return nil, err
		}
		argv := []string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--dir", dir,
			"--save", "", "--appendonly", "no", "--protected-mode", "no", "--logfile", filepath.Join(dir, "redis.log")}
		argv = append(argv, strings.Fields(extra)...)
		argv = append(argv, args...)
		cmd := exec.Command(bin, argv...)
		// The parent-death signal kills the server even when the test binary
		// dies without running Main (panic, timeout, os.Exit in a test).
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL, Setpgid: true}
		if err := cmd.Start(); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("start redis-server: %w", err)
		}
		p := &proc{addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)), cmd: cmd, exited: make(chan struct{})}
		go func() {
			_ = cmd.Wait()
			close(p.exited)
		}()
		servers.mu.Lock()
		servers.procs = append(servers.procs, p)
		servers.dirs = append(servers.dirs, dir)
		servers.mu.Unlock()
		if err := waitPing(p); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
			lastErr = fmt.Errorf("redis-server on %s did not answer: %w; log: %s", p.addr, err, tail(string(log), 500))
			p.kill()
			continue
		}
		return p, nil
	}
	return nil, lastErr
}

// StartServer starts a private redis-server that only the calling test
// uses, and returns its address and a function that kills it (also called
// when the test ends). It is for tests of what happens when Redis goes away.
func StartServer(t testing.TB) (addr string, stop func()) {
	t.Helper()
	p, err := startServer("")
	if err != nil {
		fail(t, "redis-server", err)
	}
	t.Cleanup(p.kill)
	return p.addr, p.kill
}

func startCluster() (string, error) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		return "", fmt.Errorf("redis-cli: %w", errMissing)
	}
	addrs := make([]string, 3)
	for i := range addrs {
		busPort, err := freePort()
		if err != nil {
			return "", err
		}
		// An explicit bus port avoids the default port+10000, which may be
		// taken or out of range.
		p, err := startServer("--cluster-enabled yes --cluster-config-file nodes.conf --cluster-node-timeout 5000",
			"--cluster-port", strconv.Itoa(busPort))
		if err != nil {
			return "", err
		}
		addrs[i] = p.addr
	}
	args := append([]string{"--cluster", "create"}, addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("redis-cli --cluster create: %w: %s", err, tail(string(out), 1000))
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		for {
			info, err := c.ClusterInfo(ctx).Result()
			if err == nil && strings.Contains(info, "cluster_state:ok") {
				break
			}
			if ctx.Err() != nil {
				c.Close()
				return "", fmt.Errorf("cluster node %s not ok: %v %q", a, err, info)
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
	}
	// Every node must also know the whole slot map before clients use it.
	full := "redis://" + addrs[0] + "?addr=" + addrs[1] + "&addr=" + addrs[2]
	opts, err := redis.ParseClusterURL(full)
	if err != nil {
		return "", err
	}
	cc := redis.NewClusterClient(opts)
	defer cc.Close()
	for {
		err := cc.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error { return c.Ping(ctx).Err() })
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			return "", fmt.Errorf("cluster not ready: %w", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return full, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func ping(rawURL string) error {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		return err
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return c.Ping(ctx).Err()
}

// waitPing waits until p answers PING, giving up early when it exits.
func waitPing(p *proc) error {
	c := redis.NewClient(&redis.Options{Addr: p.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(startTimeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("exited: %w", err)
		default:
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
