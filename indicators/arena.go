package indicators

import "unsafe"

// KeyArena makes the keys of a batch of parses (phone numbers and bank
// accounts) in a few large allocations rather than one each (a 1000-item check made 1000 small strings for the
// garbage collector). Its bytes are only ever appended to, never
// overwritten, so a key made in it is an ordinary immutable string that
// may be kept; keeping one keeps its block (some kilobytes) alive, which is
// why Engine copies the keys it hands on to be kept. A KeyArena is not safe
// for concurrent use.
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

// make returns a string holding b's bytes, copied into the arena.
func (a *KeyArena) make(b []byte) string {
	if len(b) == 0 {
		return ""
	}
	if cap(a.buf)-len(a.buf) < len(b) {
		// A new block: the full one stays as it is, under the keys made
		// in it.
		a.buf = make([]byte, 0, max(2*cap(a.buf), len(b), 256))
	}
	start := len(a.buf)
	a.buf = append(a.buf, b...)
	return unsafe.String(&a.buf[start], len(b))
}
