package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/scamcheck/scamcheck/backend"
	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/trends"
)

// trendOptions are serve's trend-detection flags.
type trendOptions struct {
	off    bool
	secret string
	cfg    trends.Config
}

// trendFlags registers serve's trend-detection flags; the defaults are the
// trends package's.
func (m *Main) trendFlags(fs *flag.FlagSet) *trendOptions {
	o := &trendOptions{}
	fs.BoolVar(&o.off, "no-trends", false, "do not draft early warnings from reports and checks")
	fs.StringVar(&o.secret, "trends-secret", m.Getenv("SCAMCHECK_TRENDS_SECRET"), "secret keying the hash of reporter ids, the same on every replica (env SCAMCHECK_TRENDS_SECRET; default: generated once and kept in the data directory or in Redis)")
	fs.IntVar(&o.cfg.ReporterThreshold, "trend-reporters", trends.DefaultReporterThreshold, "distinct reporters of one indicator within --trend-reporter-window that draft a warning")
	fs.DurationVar(&o.cfg.ReporterWindow, "trend-reporter-window", trends.DefaultReporterWindow, "window of --trend-reporters")
	fs.IntVar(&o.cfg.SurgeMinCount, "trend-surge-min", trends.DefaultSurgeMinCount, "hitting checks of one indicator in a minute below which there is never a surge")
	fs.Float64Var(&o.cfg.SurgeFactor, "trend-surge-factor", trends.DefaultSurgeFactor, "a minute this many times above an indicator's usual rate is a surge")
	fs.IntVar(&o.cfg.LookalikeThreshold, "trend-lookalikes", trends.DefaultLookalikeThreshold, "distinct lookalikes of one trusted domain within --trend-lookalike-window that make a wave")
	fs.DurationVar(&o.cfg.LookalikeWindow, "trend-lookalike-window", trends.DefaultLookalikeWindow, "window of --trend-lookalikes")
	fs.IntVar(&o.cfg.HolderThreshold, "trend-holder-accounts", trends.DefaultHolderThreshold, "distinct accounts reported with one holder name within --trend-holder-window that suggest a mule ring")
	fs.DurationVar(&o.cfg.HolderWindow, "trend-holder-window", trends.DefaultHolderWindow, "window of --trend-holder-accounts")
	return o
}

// trendsSecretFile is the embedded mode's generated secret, kept out of
// the store file so that a copy of the store alone cannot test guesses of
// reporter ids against the stored hashes.
const trendsSecretFile = "trends.secret"

// startTrends opens the detector on b's store, or returns nil with
// --no-trends. Close it after the server.
func startTrends(ctx context.Context, b *backend.Backend, cfg *backend.Config, o *trendOptions, logger *slog.Logger) (*trends.Detector, error) {
	if o.off {
		return nil, nil
	}
	tc := o.cfg
	tc.Logger = logger
	var st trends.State
	var ws indicators.WarningStore
	var err error
	if bs := b.Bolt(); bs != nil {
		ws = bs
		if tc.Secret, err = embeddedTrendSecret(o.secret, cfg.DataDir); err != nil {
			return nil, err
		}
		if st, err = trends.NewBolt(bs.DB()); err != nil {
			return nil, err
		}
	} else {
		rs := b.Redis()
		ws = rs
		prefix := cfg.Prefix
		if prefix == "" {
			prefix = "scamcheck"
		}
		if tc.Secret, err = redisTrendSecret(ctx, o.secret, rs.Client(), prefix); err != nil {
			return nil, err
		}
		st = trends.NewRedis(rs.Client(), prefix)
	}
	return trends.New(st, ws, tc)
}

// embeddedTrendSecret returns the configured secret, else the one in the
// data directory, generating it on first start.
func embeddedTrendSecret(given, dir string) ([]byte, error) {
	if given != "" {
		return []byte(given), nil
	}
	path := filepath.Join(dir, trendsSecretFile)
	b, err := os.ReadFile(path)
	if err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return []byte(strings.TrimSpace(string(b))), nil
	}
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("trends secret: %w", err)
	}
	s, err := randomSecret()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, []byte(s+"\n"), 0o600); err != nil {
		return nil, fmt.Errorf("trends secret: %w", err)
	}
	return []byte(s), nil
}

// redisTrendSecret returns the configured secret, else the one every
// replica shares in Redis, the first replica to start setting it. Redis
// keeps only HyperLogLog registers of the hashes, from which no reporter
// can be tested, so the secret may live beside them.
func redisTrendSecret(ctx context.Context, given string, c redis.UniversalClient, prefix string) ([]byte, error) {
	if given != "" {
		return []byte(given), nil
	}
	s, err := randomSecret()
	if err != nil {
		return nil, err
	}
	key := prefix + ":trends:secret"
	if err := c.SetNX(ctx, key, s, 0).Err(); err != nil {
		return nil, fmt.Errorf("trends secret: %w", err)
	}
	v, err := c.Get(ctx, key).Result()
	if err != nil {
		return nil, fmt.Errorf("trends secret: %w", err)
	}
	return []byte(v), nil
}

func randomSecret() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("trends secret: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}
