package redisstore

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/indicators"
)

// API keys, under the prefix P, in three hashes that share the hash tag
// {keys} so that one script can check and write all three on any topology:
//
//	P:{keys}:id      id → indicators.StoredKey, JSON (the key with its hash)
//	P:{keys}:hash    hash of the secret → id
//	P:{keys}:name    name → id
//
// Keys are a handful (one per partner, officer, service), so one slot is
// no constraint.

var _ indicators.KeyStore = (*Store)(nil)

// createKeyScript stores a key unless its id, hash or name is taken.
//
//	KEYS: id, hash, name hashes
//	ARGV: id, hash, name, JSON
//
// It returns 0 when created, else 1, 2 or 3 for the id, hash or name taken.
var createKeyScript = redis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return 1 end
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 1 then return 2 end
if redis.call('HEXISTS', KEYS[3], ARGV[3]) == 1 then return 3 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[4])
redis.call('HSET', KEYS[2], ARGV[2], ARGV[1])
redis.call('HSET', KEYS[3], ARGV[3], ARGV[1])
return 0
`)

// keyByHashScript resolves a hash to the stored key in one round trip: it
// is on the path of every authenticated request.
//
//	KEYS: hash, id hashes
//	ARGV: hash
var keyByHashScript = redis.NewScript(`
local id = redis.call('HGET', KEYS[1], ARGV[1])
if not id then return false end
return redis.call('HGET', KEYS[2], id)
`)

// findKeyScript resolves an id, else a name, and returns {id, JSON}.
//
//	KEYS: id, name hashes
//	ARGV: id or name
var findKeyScript = redis.NewScript(`
local id = ARGV[1]
local v = redis.call('HGET', KEYS[1], id)
if not v then
  id = redis.call('HGET', KEYS[2], ARGV[1])
  if not id then return false end
  v = redis.call('HGET', KEYS[1], id)
  if not v then return false end
end
return {id, v}
`)

// casFieldScript replaces a hash field only if it still holds the value
// that was read.
//
//	KEYS: hash
//	ARGV: field, value read, new value
var casFieldScript = redis.NewScript(`
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`)

func (s *Store) keysByID() string   { return s.prefix + ":{keys}:id" }
func (s *Store) keysByHash() string { return s.prefix + ":{keys}:hash" }
func (s *Store) keysByName() string { return s.prefix + ":{keys}:name" }

// CreateKey stores k; see indicators.KeyStore. k needs an ID, a name, a
// valid role and a hash of 64 hex digits (a SHA-256), or the call fails with
// ErrInvalidInput; the hash is stored in lower case, as KeyByHash looks it
// up. A zero CreatedAt becomes now.
func (s *Store) CreateKey(ctx context.Context, k indicators.APIKey) error {
	if err := ctx.Err(); err != nil {
		return s.fail(ctx, "create key", err)
	}
	if err := k.Validate(); err != nil {
		return fmt.Errorf("redisstore: create key: %w", err)
	}
	if k.CreatedAt.IsZero() {
		k.CreatedAt = s.now().UTC()
	}
	data, err := json.Marshal(&indicators.StoredKey{APIKey: k, Hash: k.Hash})
	if err != nil {
		return fmt.Errorf("redisstore: create key: %w", err)
	}
	res, err := createKeyScript.Run(ctx, s.client, []string{s.keysByID(), s.keysByHash(), s.keysByName()},
		k.ID, k.Hash, k.Name, data).Int()
	if err != nil {
		return s.fail(ctx, "create key", err)
	}
	switch res {
	case 1:
		return fmt.Errorf("redisstore: create key: key with id %q exists: %w", k.ID, indicators.ErrConflict)
	case 2:
		// The hash is a credential: it is not repeated in the error.
		return fmt.Errorf("redisstore: create key: key with this hash exists: %w", indicators.ErrConflict)
	case 3:
		return fmt.Errorf("redisstore: create key: key named %q exists: %w", k.Name, indicators.ErrConflict)
	}
	return nil
}

// decodeKey decodes a stored key.
func decodeKey(id, data string) (indicators.APIKey, error) {
	var k indicators.StoredKey
	if err := json.Unmarshal([]byte(data), &k); err != nil {
		return indicators.APIKey{}, fmt.Errorf("key %q: %w: %w", id, indicators.ErrCorrupt, err)
	}
	return k.Key(), nil
}

// KeyByHash returns the key whose secret hashes to hash (any case), revoked
// or not, or an error matching ErrNotFound. It costs one round trip.
func (s *Store) KeyByHash(ctx context.Context, hash string) (indicators.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return indicators.APIKey{}, s.fail(ctx, "key by hash", err)
	}
	data, err := keyByHashScript.Run(ctx, s.client, []string{s.keysByHash(), s.keysByID()}, strings.ToLower(hash)).Text()
	switch {
	case errors.Is(err, redis.Nil):
		return indicators.APIKey{}, fmt.Errorf("redisstore: key by hash: key with this hash: %w", indicators.ErrNotFound)
	case err != nil:
		return indicators.APIKey{}, s.fail(ctx, "key by hash", err)
	}
	k, err := decodeKey("", data)
	if err != nil {
		return indicators.APIKey{}, fmt.Errorf("redisstore: key by hash: %w", err)
	}
	return k, nil
}

// ListKeys returns every key, revoked ones included, by creation time and
// then id.
func (s *Store) ListKeys(ctx context.Context) ([]indicators.APIKey, error) {
	if err := ctx.Err(); err != nil {
		return nil, s.fail(ctx, "list keys", err)
	}
	all, err := s.client.HGetAll(ctx, s.keysByID()).Result()
	if err != nil {
		return nil, s.fail(ctx, "list keys", err)
	}
	keys := make([]indicators.APIKey, 0, len(all))
	for id, data := range all {
		k, err := decodeKey(id, data)
		if err != nil {
			return nil, fmt.Errorf("redisstore: list keys: %w", err)
		}
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b indicators.APIKey) int {
		return cmp.Or(a.CreatedAt.Compare(b.CreatedAt), strings.Compare(a.ID, b.ID))
	})
	return keys, nil
}

// RevokeKey revokes the key whose ID is idOrName or, if there is none, whose
// name is; see indicators.KeyStore. Revoking a revoked key changes nothing
// and returns it with its first revocation time. A zero at means now.
func (s *Store) RevokeKey(ctx context.Context, idOrName string, at time.Time) (indicators.APIKey, error) {
	if at.IsZero() {
		at = s.now().UTC()
	}
	for attempt := range maxAttempts {
		if attempt > 0 {
			backoff(attempt)
		}
		if err := ctx.Err(); err != nil {
			return indicators.APIKey{}, s.fail(ctx, "revoke key", err)
		}
		found, err := findKeyScript.Run(ctx, s.client, []string{s.keysByID(), s.keysByName()}, idOrName).StringSlice()
		switch {
		case errors.Is(err, redis.Nil):
			return indicators.APIKey{}, fmt.Errorf("redisstore: revoke key: key %q: %w", idOrName, indicators.ErrNotFound)
		case err != nil:
			return indicators.APIKey{}, s.fail(ctx, "revoke key", err)
		case len(found) != 2:
			return indicators.APIKey{}, fmt.Errorf("redisstore: revoke key: unexpected reply %q", found)
		}
		id, old := found[0], found[1]
		var k indicators.StoredKey
		if err := json.Unmarshal([]byte(old), &k); err != nil {
			return indicators.APIKey{}, fmt.Errorf("redisstore: revoke key: key %q: %w: %w", id, indicators.ErrCorrupt, err)
		}
		if !k.RevokedAt.IsZero() {
			return k.Key(), nil
		}
		k.RevokedAt = at
		data, err := json.Marshal(&k)
		if err != nil {
			return indicators.APIKey{}, fmt.Errorf("redisstore: revoke key: %w", err)
		}
		ok, err := casFieldScript.Run(ctx, s.client, []string{s.keysByID()}, id, old, data).Int()
		if err != nil {
			return indicators.APIKey{}, s.fail(ctx, "revoke key", err)
		}
		if ok == 1 {
			return k.Key(), nil
		}
	}
	return indicators.APIKey{}, fmt.Errorf("redisstore: revoke key %q: still contended after %d attempts: %w", idOrName, maxAttempts, indicators.ErrConflict)
}
