package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/indicators"
)

// SecretPrefix starts every API key secret, so that secret scanners and
// people can recognise a leaked key.
const SecretPrefix = "sck_"

// NewSecret returns a fresh API key secret: SecretPrefix and 32 random bytes
// in unpadded base64url.
func NewSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("api: random secret: %w", err)
	}
	return SecretPrefix + base64.RawURLEncoding.EncodeToString(b[:]), nil
}

// HashSecret returns the hex SHA-256 of a secret: what a KeyStore holds and
// looks keys up by. Secrets carry 256 random bits, so a fast unsalted hash
// is enough; a slow one would only slow every authenticated request.
func HashSecret(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(sum[:])
}

// NewAPIKey makes a key record and its secret. The secret is shown once and
// never stored; the record holds its hash.
func NewAPIKey(name string, role indicators.Role, now time.Time) (indicators.APIKey, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return indicators.APIKey{}, "", &indicators.InputError{Code: indicators.CodeInvalidRecord, Message: "a key needs a name of 1 to 100 bytes"}
	}
	if !role.Valid() {
		return indicators.APIKey{}, "", &indicators.InputError{Code: indicators.CodeInvalidRecord,
			Message: fmt.Sprintf("unknown role %q (want public, partner, police or admin)", role)}
	}
	secret, err := NewSecret()
	if err != nil {
		return indicators.APIKey{}, "", err
	}
	var id [8]byte
	if _, err := rand.Read(id[:]); err != nil {
		return indicators.APIKey{}, "", fmt.Errorf("api: random key id: %w", err)
	}
	k := indicators.APIKey{ID: "key_" + hex.EncodeToString(id[:]), Name: name, Role: role,
		Hash: HashSecret(secret), CreatedAt: now.UTC()}
	return k, secret, nil
}

// localsCaller is the Fiber locals key holding the authenticated *APIKey.
const localsCaller = "scamcheck.caller"

// caller returns the request's API key, nil for an anonymous request.
func caller(c *fiber.Ctx) *indicators.APIKey {
	k, _ := c.Locals(localsCaller).(*indicators.APIKey)
	return k
}

// actor names who made a write, for audit entries and confirmed_by.
func actor(c *fiber.Ctx) (string, indicators.Role) {
	if k := caller(c); k != nil {
		return k.Name, k.Role
	}
	return "anonymous", ""
}

// bearer returns the secret of an "Authorization: Bearer" header; ok is
// false when the header is missing, and err set when it is malformed.
func bearer(c *fiber.Ctx) (secret string, ok bool, err error) {
	h := c.Get(fiber.HeaderAuthorization)
	if h == "" {
		return "", false, nil
	}
	scheme, secret, found := strings.Cut(h, " ")
	secret = strings.TrimSpace(secret)
	if !found || !strings.EqualFold(scheme, "Bearer") || secret == "" {
		return "", true, errorf(http.StatusUnauthorized, CodeUnauthorized, `want "Authorization: Bearer <key>"`)
	}
	return secret, true, nil
}

// keyCache remembers KeyStore answers for a short while, so that an
// authenticated request costs a hash and a map lookup rather than a store
// round trip. A key revoked on another replica stops working within TTL.
type keyCache struct {
	ttl time.Duration
	max int
	now func() time.Time

	mu      sync.Mutex // guards entries
	entries map[string]keyCacheEntry
}

type keyCacheEntry struct {
	key     *indicators.APIKey // nil: no such key
	expires time.Time
}

func newKeyCache(ttl time.Duration, now func() time.Time) *keyCache {
	return &keyCache{ttl: ttl, max: 10_000, now: now, entries: map[string]keyCacheEntry{}}
}

// get returns the cached key for hash; known is false when the cache has
// no fresh answer.
func (kc *keyCache) get(hash string) (key *indicators.APIKey, known bool) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	e, ok := kc.entries[hash]
	if !ok || kc.now().After(e.expires) {
		return nil, false
	}
	return e.key, true
}

func (kc *keyCache) put(hash string, key *indicators.APIKey) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	if len(kc.entries) >= kc.max {
		// Crude but bounded: a flood of made-up keys cannot grow memory.
		clear(kc.entries)
	}
	kc.entries[hash] = keyCacheEntry{key: key, expires: kc.now().Add(kc.ttl)}
}

// forgetID drops the cached answer for the key with this id, so that a
// revocation made through this process takes effect at once.
func (kc *keyCache) forgetID(id string) {
	kc.mu.Lock()
	defer kc.mu.Unlock()
	for h, e := range kc.entries {
		if e.key != nil && e.key.ID == id {
			delete(kc.entries, h)
		}
	}
}

// lookupKey resolves a secret's hash to an active key, through the cache.
func (s *Server) lookupKey(ctx context.Context, hash string) (*indicators.APIKey, error) {
	key, known := s.keys.get(hash)
	if !known {
		if s.cfg.Keys == nil {
			return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "this server accepts no API keys")
		}
		k, err := s.cfg.Keys.KeyByHash(ctx, hash)
		switch {
		case err == nil:
			key = &k
		case errors.Is(err, indicators.ErrNotFound):
		default:
			return nil, fmt.Errorf("api: look up key: %w", err)
		}
		s.keys.put(hash, key)
	}
	if key == nil {
		return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "unknown API key")
	}
	if !key.Active() {
		return nil, errorf(http.StatusUnauthorized, CodeUnauthorized, "this API key was revoked")
	}
	return key, nil
}

// require lets a request through only when its caller's role allows need:
// 401 for an anonymous caller, 403 for a key of the wrong role.
func require(need indicators.Role) fiber.Handler {
	return func(c *fiber.Ctx) error {
		k := caller(c)
		if k == nil {
			return errorf(http.StatusUnauthorized, CodeUnauthorized, "this endpoint needs an API key (Authorization: Bearer <key>)")
		}
		if !k.Role.Allows(need) {
			return errorf(http.StatusForbidden, CodeForbidden, "a %s key may not do this; it needs %s", k.Role, need)
		}
		return c.Next()
	}
}
