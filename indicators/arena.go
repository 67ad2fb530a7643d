package indicators

import (
	"strings"
	"unsafe"
)

// KeyArena makes the keys of a batch of parses (phone numbers and bank
// accounts), and other strings of the batch's answers, in a few large
// allocations rather than one each (a 1000-item check made 1000 or 2000
// small strings for the garbage collector). Its bytes are only ever
// appended to, never overwritten, so a string made in it is an ordinary
// immutable string that may be kept; keeping one keeps its block (some
// kilobytes) alive, which is why Engine copies the keys it hands on to be
// kept. A KeyArena is not safe for concurrent use.
type KeyArena struct {
	buf []byte
}

// keyArenaRoom is the room NewKeyArena makes per key: a Vietnamese phone
// key ("phone:+84" and nine or ten digits) is 18 or 19 bytes, a bank
// account's ("bank_account:", a BIN, ':' and the account) about 30.
const keyArenaRoom = 24

// NewKeyArena returns an arena with room for about n keys.
func NewKeyArena(n int) *KeyArena {
	return &KeyArena{buf: make([]byte, 0, max(n, 1)*keyArenaRoom)}
}

// Concat returns the concatenation of parts, made in a; with a nil a it is
// allocated on its own.
func (a *KeyArena) Concat(parts ...string) string {
	if a == nil {
		return strings.Join(parts, "")
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	if n == 0 {
		return ""
	}
	a.reserve(n)
	start := len(a.buf)
	for _, p := range parts {
		a.buf = append(a.buf, p...)
	}
	return unsafe.String(&a.buf[start], n)
}

// make returns a string holding b's bytes, copied into the arena.
func (a *KeyArena) make(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	a.reserve(len(b))
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}

// reserve makes room for n more bytes.
func (a *KeyArena) reserve(n int) {
	if cap(a.buf)-len(a.buf) < n {
		// A new block: the full one stays as it is, under the strings made
		// in it.
		a.buf = make([]byte, 0, max(2*cap(a.buf), n, 256))
	}
}
