// Package timeouts keeps an HTTP/1.1 server's idle, read and write
// timeouts on its connections, cheaply.
//
// Servers such as fasthttp move a read deadline twice and a write deadline
// once for every request, each a clock read or two and a runtime timer
// update: on a GET /v1/check miss over loopback that measured about 0.8 µs
// of the server's CPU a request, 4% of it (issue #6). Here a deadline is
// moved only when it would move by more than a slack, so a busy keep-alive
// connection touches its timers about once per slack, and a deadline may
// fall up to that slack earlier than asked. The server itself then runs
// without timeouts of its own.
package timeouts

import (
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Config bounds the phases of a connection's life.
type Config struct {
	// Idle bounds the wait for a request, from the first read after the
	// previous answer, and the reading of a request that comes in one read
	// (nearly all of them).
	Idle time.Duration
	// Read bounds the rest of a request that did not come in one read, from
	// its second read: a client sending a byte at a time is cut off.
	Read time.Duration
	// Write bounds the writing of one answer, from its first write: a
	// client that does not read is cut off.
	Write time.Duration
	// Slack is how much earlier than asked a deadline may fall, about: at
	// most 1¼ times it, as the clock read is coarse too.
	Slack time.Duration
}

// Listener hands out connections that keep its Config, and keeps the
// coarse clock they read.
type Listener struct {
	net.Listener
	t Config
	// now is a coarse clock, in Unix nanoseconds, a quarter of the slack
	// behind at most: reading it costs an atomic load, not a clock read.
	now      atomic.Int64
	stop     chan struct{}
	stopOnce sync.Once
}

// Listen wraps ln; closing the Listener stops its clock. Every duration in
// t must be positive, or Listen panics.
func Listen(ln net.Listener, t Config) *Listener {
	if t.Idle <= 0 || t.Read <= 0 || t.Write <= 0 || t.Slack <= 0 {
		panic(fmt.Sprintf("timeouts: durations must be positive: %+v", t))
	}
	l := &Listener{Listener: ln, t: t, stop: make(chan struct{})}
	l.now.Store(time.Now().UnixNano())
	go l.tick(t.Slack / 4)
	return l
}

func (l *Listener) tick(every time.Duration) {
	tk := time.NewTicker(every)
	defer tk.Stop()
	for {
		select {
		case now := <-tk.C:
			l.now.Store(now.UnixNano())
		case <-l.stop:
			return
		}
	}
}

// Accept waits for a connection and wraps it.
func (l *Listener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &conn{Conn: c, l: l}, nil
}

// Close closes the listener and stops its clock.
func (l *Listener) Close() error {
	l.stopOnce.Do(func() { close(l.stop) })
	return l.Listener.Close()
}

// conn arms its deadlines as Read and Write move between the phases
// of HTTP/1.1: a request is read, then its answer written. Only the
// goroutine serving the connection calls Read and Write (fasthttp, like
// net/http, serves a connection from one goroutine), so the fields need no
// lock; Close may come from anywhere and touches none of them.
type conn struct {
	net.Conn
	l *Listener
	// reading is true from a Read to the next Write; reads counts the
	// Reads since reading became true.
	reading bool
	reads   int
	// readBy and writeBy are the deadlines set on the connection, in Unix
	// nanoseconds; 0 is none yet.
	readBy, writeBy int64
}

// Read reads from the connection, first arming the read deadline when a
// new request is awaited or a request takes a second read.
func (c *conn) Read(p []byte) (int, error) {
	if !c.reading {
		c.reading, c.reads = true, 0
		c.readBy = c.arm(c.readBy, c.l.t.Idle, c.Conn.SetReadDeadline)
	} else if c.reads == 1 {
		c.readBy = c.arm(c.readBy, c.l.t.Read, c.Conn.SetReadDeadline)
	}
	c.reads++
	return c.Conn.Read(p)
}

// Write writes to the connection, first arming the write deadline when a
// new answer starts.
func (c *conn) Write(p []byte) (int, error) {
	if c.reading || c.writeBy == 0 {
		c.reading = false
		c.writeBy = c.arm(c.writeBy, c.l.t.Write, c.Conn.SetWriteDeadline)
	}
	return c.Conn.Write(p)
}

// arm returns the deadline d from now, set through set, unless the deadline
// cur already set falls at most the slack before it: then cur stands. A
// deadline later than wanted is always moved.
func (c *conn) arm(cur int64, d time.Duration, set func(time.Time) error) int64 {
	want := c.l.now.Load() + int64(d)
	if cur != 0 && cur <= want && want-cur < int64(c.l.t.Slack) {
		return cur
	}
	if err := set(time.Unix(0, want)); err != nil {
		// The connection is closed: the Read or Write says so.
		return cur
	}
	return want
}
