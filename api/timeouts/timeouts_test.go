package timeouts_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/api/timeouts"
)

// short are timeouts a test can wait out.
var short = timeouts.Config{
	Idle:  300 * time.Millisecond,
	Read:  150 * time.Millisecond,
	Write: 150 * time.Millisecond,
	Slack: 20 * time.Millisecond,
}

// counting counts the deadlines set on the connections it accepts.
type counting struct {
	net.Listener
	sets atomic.Int64
}

func (l *counting) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countingConn{Conn: c, l: l}, nil
}

type countingConn struct {
	net.Conn
	l *counting
}

func (c *countingConn) SetReadDeadline(t time.Time) error {
	c.l.sets.Add(1)
	return c.Conn.SetReadDeadline(t)
}

func (c *countingConn) SetWriteDeadline(t time.Time) error {
	c.l.sets.Add(1)
	return c.Conn.SetWriteDeadline(t)
}

// pair returns both ends of a TCP connection: the server's, accepted
// through a Listener with cfg, and the client's.
func pair(t *testing.T, cfg timeouts.Config) (server, client net.Conn, sets *atomic.Int64) {
	t.Helper()
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &counting{Listener: tcp}
	ln := timeouts.Listen(cl, cfg)
	t.Cleanup(func() { ln.Close() })
	client, err = net.Dial("tcp", tcp.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client, &cl.sets
}

// within fails unless d lies in [lo, hi].
func within(t *testing.T, what string, d, lo, hi time.Duration) {
	t.Helper()
	if d < lo || d > hi {
		t.Errorf("%s after %v, want between %v and %v", what, d, lo, hi)
	}
}

func TestIdleConnectionTimesOut(t *testing.T) {
	server, _, _ := pair(t, short)
	start := time.Now()
	_, err := server.Read(make([]byte, 10))
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read of a silent client: %v, want a deadline error", err)
	}
	within(t, "idle read ended", time.Since(start), short.Idle-2*short.Slack, short.Idle+3*time.Second)
}

// A request sent a byte at a time is cut off Read after its second read,
// however long the client keeps sending.
func TestSlowRequestIsCutOff(t *testing.T) {
	server, client, _ := pair(t, short)
	go func() {
		for range 200 {
			if _, err := client.Write([]byte("G")); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	buf := make([]byte, 1)
	if _, err := server.Read(buf); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var err error
	for err == nil {
		_, err = server.Read(buf)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("slow request: %v, want a deadline error", err)
	}
	within(t, "slow request cut off", time.Since(start), short.Read-2*short.Slack, short.Read+3*time.Second)
}

// An answer the client does not read is cut off Write after it started.
func TestUnreadAnswerIsCutOff(t *testing.T) {
	server, client, _ := pair(t, short)
	if _, err := client.Write([]byte("GET")); err != nil {
		t.Fatal(err)
	}
	if _, err := server.Read(make([]byte, 3)); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	chunk := make([]byte, 64<<10)
	var err error
	for i := 0; err == nil && i < 16384; i++ { // at most 1 GiB
		_, err = server.Write(chunk)
	}
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("unread answer: %v, want a deadline error", err)
	}
	within(t, "unread answer cut off", time.Since(start), short.Write-2*short.Slack, short.Write+3*time.Second)
}

// ping asks and answers one line over the pair.
func ping(t *testing.T, server net.Conn, sr *bufio.Reader, client net.Conn, cr *bufio.Reader, i int) {
	t.Helper()
	if _, err := fmt.Fprintf(client, "ping %d\n", i); err != nil {
		t.Fatal(err)
	}
	line, err := sr.ReadString('\n')
	if err != nil {
		t.Fatalf("request %d: server read: %v", i, err)
	}
	if _, err := io.WriteString(server, "re "+line); err != nil {
		t.Fatalf("request %d: server write: %v", i, err)
	}
	if got, err := cr.ReadString('\n'); err != nil || got != fmt.Sprintf("re ping %d\n", i) {
		t.Fatalf("request %d: client got %q, %v", i, got, err)
	}
}

// A busy connection moves its deadlines about once per slack, not for
// every request: the point of the package.
func TestBusyConnectionSetsFewDeadlines(t *testing.T) {
	cfg := timeouts.Config{Idle: time.Minute, Read: time.Minute, Write: time.Minute, Slack: time.Second}
	server, client, sets := pair(t, cfg)
	sr, cr := bufio.NewReader(server), bufio.NewReader(client)
	start := time.Now()
	const n = 2000
	for i := range n {
		ping(t, server, sr, client, cr, i)
	}
	// Two deadlines at first, then at most two more for each slack (and
	// clock tick) that passed.
	limit := 2 + 2*(int64(time.Since(start)/(cfg.Slack/4))+1)
	if got := sets.Load(); got > limit || got < 2 {
		t.Errorf("%d requests set %d deadlines, want 2 to %d", n, got, limit)
	}
}

// A connection quiet for longer than the slack has its deadlines moved on:
// a request after a pause is not cut off by the deadline of the previous
// one.
func TestDeadlinesMoveAfterPause(t *testing.T) {
	server, client, sets := pair(t, short)
	sr, cr := bufio.NewReader(server), bufio.NewReader(client)
	before := int64(0)
	for i := range 4 {
		ping(t, server, sr, client, cr, i)
		// The server waits for the next request from here: its idle
		// deadline was set before this pause.
		time.Sleep(short.Idle * 2 / 3)
		if got := sets.Load(); got <= before {
			t.Fatalf("request %d after a pause set no deadline", i)
		}
		before = sets.Load()
	}
}

// serve runs a Fiber app on a Listener with cfg, as api.Server.Open does.
func serve(t *testing.T, cfg timeouts.Config) string {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error { return c.SendString("ok") })
	tcp, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go app.Listener(timeouts.Listen(tcp, cfg)) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { app.Shutdown() })
	return tcp.Addr().String()
}

// With Fiber: keep-alive requests are answered, and a client that sends its
// request slowly gets 408 and the connection closed.
func TestFiber(t *testing.T) {
	addr := serve(t, short)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	r := bufio.NewReader(c)
	for i := range 50 {
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		line, err := r.ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "HTTP/1.1 200") {
			t.Fatalf("request %d: %q, %v", i, line, err)
		}
		for line != "\r\n" && err == nil { // headers
			line, err = r.ReadString('\n')
		}
		if body := make([]byte, 2); err != nil {
			t.Fatal(err)
		} else if _, err := io.ReadFull(r, body); err != nil || string(body) != "ok" {
			t.Fatalf("request %d: body %q, %v", i, body, err)
		}
	}

	slow, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	start := time.Now()
	go func() {
		for _, b := range []byte("GET / HTTP/1.1\r\nHost: x\r\nX-Drip: " + strings.Repeat("a", 200)) {
			if _, err := slow.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(10 * time.Millisecond)
		}
	}()
	answer, err := io.ReadAll(slow)
	if err != nil && !errors.Is(err, net.ErrClosed) {
		t.Logf("read: %v", err)
	}
	if !strings.HasPrefix(string(answer), "HTTP/1.1 408") {
		t.Errorf("slow request answered %q, want a 408", answer)
	}
	within(t, "slow request closed", time.Since(start), short.Read-2*short.Slack, short.Read+3*time.Second)
}
