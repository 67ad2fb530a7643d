// Package bloom holds the in-memory Bloom filters that answer "certainly not
// listed" for most checks without any I/O: one filter per indicator kind, kept
// in a Set.
//
// The filters are derived state. The Store is the source of truth; a Set can
// be rebuilt from it at any time (Rebuild), which also compacts away delisted
// indicators and regrows a filter that passed its capacity. To start quickly
// and to converge across API replicas, a Set is snapshotted (to a file for
// the embedded store, or chunked into Redis) and every write is appended to a
// Redis Stream change log that replicas follow:
//
//	writer:   Store.Upsert ──► Set.Add ──► Redis.Append ──► stream <prefix>:{bloom}:log
//	replica:  newest snapshot ──► replay stream from its position ──► XREAD BLOCK ──► Set.Add
//	rebuild:  mark stream position ──► iterate Store ──► swap filters ──► publish snapshot
//	          ──► "snapshot" entry on the stream ──► replicas load it and swap
//
// Lookups (Set.Test) take no lock and never allocate: the filter bits are
// read and set with atomic word operations, and a rebuilt filter set is
// swapped in behind an atomic pointer, so lookups never pause.
//
// The bit layout and hashing are exactly those of
// github.com/bits-and-blooms/bloom/v3, and each kind's section of a snapshot
// is that library's WriteTo encoding, so a snapshot's filters can be read
// with the library too.
package bloom
