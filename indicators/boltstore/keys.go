package boltstore

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
)

// Buckets of API keys:
//
//	api_keys         id → indicators.StoredKey, JSON (the key with its hash)
//	api_key_hashes   hash → id
//	api_key_names    name → id
//
// The two lookup buckets make a duplicate name or hash a conflict checked in
// the same transaction as the write.
var (
	bucketKeys      = []byte("api_keys")
	bucketKeyHashes = []byte("api_key_hashes")
	bucketKeyNames  = []byte("api_key_names")
)

var _ indicators.KeyStore = (*Store)(nil)

// CreateKey stores k; see indicators.KeyStore. k needs an ID, a name, a
// valid role and a hash of 64 hex digits (a SHA-256), or the call fails with
// ErrInvalidInput; the hash is stored in lower case, as KeyByHash looks it
// up. A zero CreatedAt becomes now.
func (s *Store) CreateKey(ctx context.Context, k indicators.APIKey) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("boltstore: create key: %w", err)
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("boltstore: create key: %w", err)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now().UTC()
	}
	data, err := json.Marshal(&indicators.StoredKey{APIKey: k, Hash: k.Hash})
	if err != nil {
		return fmt.Errorf("boltstore: create key: %w", err)
	}
	err = s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		bs, err := writeBuckets(tx, bucketKeys, bucketKeyHashes, bucketKeyNames)
		if err != nil {
			return err
		}
		switch {
		case bs[0].Get([]byte(k.ID)) != nil:
			return own(fmt.Errorf("key with id %q exists: %w", k.ID, indicators.ErrConflict))
		case bs[1].Get([]byte(k.Hash)) != nil:
			// The hash is a credential: it is not repeated in the error.
			return own(fmt.Errorf("key with this hash exists: %w", indicators.ErrConflict))
		case bs[2].Get([]byte(k.Name)) != nil:
			return own(fmt.Errorf("key named %q exists: %w", k.Name, indicators.ErrConflict))
		}
		if err := bs[0].Put([]byte(k.ID), data); err != nil {
			return err
		}
		if err := bs[1].Put([]byte(k.Hash), []byte(k.ID)); err != nil {
			return err
		}
		return bs[2].Put([]byte(k.Name), []byte(k.ID))
	})
	if err != nil {
		return wrap("create key", err)
	}
	return nil
}

// KeyByHash returns the key whose secret hashes to hash (any case), revoked
// or not, or an error matching ErrNotFound.
func (s *Store) KeyByHash(ctx context.Context, hash string) (indicators.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return indicators.APIKey{}, fmt.Errorf("boltstore: key by hash: %w", err)
	}
	var k indicators.StoredKey
	err := s.db.View(func(tx *bbolt.Tx) error {
		var id []byte
		if b := readBucket(tx, bucketKeyHashes); b != nil && hash != "" {
			id = b.Get([]byte(strings.ToLower(hash)))
		}
		if id == nil {
			// The hash is a credential: it is not repeated in the error.
			return own(fmt.Errorf("key with this hash: %w", indicators.ErrNotFound))
		}
		return getJSON(readBucket(tx, bucketKeys), string(id), "key", &k)
	})
	if err != nil {
		return indicators.APIKey{}, wrap("key by hash", err)
	}
	return k.Key(), nil
}

// ListKeys returns every key, revoked ones included, by creation time and
// then id.
func (s *Store) ListKeys(ctx context.Context) ([]indicators.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("boltstore: list keys: %w", err)
	}
	keys := []indicators.APIKey{}
	err := s.db.View(func(tx *bbolt.Tx) error {
		b := readBucket(tx, bucketKeys)
		if b == nil {
			return nil
		}
		return b.ForEach(func(id, v []byte) error {
			var k indicators.StoredKey
			if err := json.Unmarshal(v, &k); err != nil {
				return own(fmt.Errorf("key %q: %w: %w", id, indicators.ErrCorrupt, err))
			}
			keys = append(keys, k.Key())
			return nil
		})
	})
	if err != nil {
		return nil, wrap("list keys", err)
	}
	sortKeys(keys)
	return keys, nil
}

// sortKeys orders keys by creation, then id for keys created together.
func sortKeys(keys []indicators.APIKey) {
	slices.SortFunc(keys, func(a, b indicators.APIKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
}

// RevokeKey revokes the key whose ID is idOrName or, if there is none, whose
// name is; see indicators.KeyStore. Revoking a revoked key changes nothing
// and returns it with its first revocation time. A zero at means now.
func (s *Store) RevokeKey(ctx context.Context, idOrName string, at time.Time) (indicators.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return indicators.APIKey{}, fmt.Errorf("boltstore: revoke key: %w", err)
	}
	if at.IsZero() {
		at = s.now().UTC()
	}
	var k indicators.StoredKey
	err := s.db.Update(func(tx *bbolt.Tx) error {
		if err := ctx.Err(); err != nil {
			return own(err)
		}
		keys := readBucket(tx, bucketKeys)
		id := idOrName
		if keys == nil || idOrName == "" || keys.Get([]byte(id)) == nil {
			names := readBucket(tx, bucketKeyNames)
			var byName []byte
			if names != nil && idOrName != "" {
				byName = names.Get([]byte(idOrName))
			}
			if byName == nil {
				return own(fmt.Errorf("key %q: %w", idOrName, indicators.ErrNotFound))
			}
			id = string(byName)
		}
		if err := getJSON(keys, id, "key", &k); err != nil {
			return err
		}
		if !k.RevokedAt.IsZero() {
			return nil
		}
		k.RevokedAt = at
		data, err := json.Marshal(&k)
		if err != nil {
			return own(err)
		}
		return keys.Put([]byte(id), data)
	})
	if err != nil {
		return indicators.APIKey{}, wrap("revoke key", err)
	}
	return k.Key(), nil
}
