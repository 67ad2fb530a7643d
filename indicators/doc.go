// Package indicators is the domain core of scamcheck: the kinds of indicator
// (phone, bank_account, domain, url), the normalizers that turn what a person
// types or pastes into one canonical key, the record and verdict types, the
// Store interface and the lookup Engine.
//
// It imports no other package of this module, so every adapter (stores,
// filters, feeds, the HTTP API, the SDKs) depends on it and never the reverse.
//
// The hot path of a check:
//
//	input ──normalize──► key(s) ──Bloom filter──► miss ─────────────► unknown (no I/O)
//	                                   │
//	                                   └─ hit ──► LRU ──► Store ──► record ──► verdict + advice
//	                                                        │
//	                                                        └─ unreachable ──► suspicious, degraded
//
// A miss costs one normalization and a few filter probes; only filter hits,
// which are rare, pay for a Store round trip.
package indicators
