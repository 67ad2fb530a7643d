package main

import (
	"cmp"
	"context"
	"flag"

	"github.com/scamcheck/scamcheck/backend"
)

// storeFlags registers --data, --redis and --redis-prefix with their
// environment twins as defaults.
func (m *Main) storeFlags(fs *flag.FlagSet) *backend.Config {
	c := &backend.Config{}
	fs.StringVar(&c.DataDir, "data", cmp.Or(m.Getenv("SCAMCHECK_DATA"), "./scamcheck-data"), "embedded store directory (env SCAMCHECK_DATA)")
	fs.StringVar(&c.RedisURL, "redis", m.Getenv("SCAMCHECK_REDIS_URL"), "Redis URL: single redis://h:p/db, cluster redis://h:p1?addr=h:p2, or sentinel (env SCAMCHECK_REDIS_URL)")
	fs.StringVar(&c.Prefix, "redis-prefix", cmp.Or(m.Getenv("SCAMCHECK_REDIS_PREFIX"), "scamcheck"), "key prefix in Redis (env SCAMCHECK_REDIS_PREFIX)")
	return c
}

// openBackend opens the configured store without loading filters.
func openBackend(ctx context.Context, cfg *backend.Config) (*backend.Backend, error) {
	return backend.Open(ctx, *cfg)
}
