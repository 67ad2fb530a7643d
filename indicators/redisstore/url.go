package redisstore

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// ParseURL turns a Redis URL into options for redis.NewUniversalClient,
// which picks the client from them. The forms are go-redis's own:
//
//	redis://[user:pass@]host:port[/db][?opts]                 one server (DB index from the path)
//	rediss://...                                              the same over TLS, any form below too
//	redis://host:p1?addr=host:p2&addr=host:p3[&opts]          Redis Cluster: every addr is a seed node
//	redis://host:26379/db?master_name=mymaster&addr=host:p2   Sentinel: host and addrs are sentinels
//
// Query options are go-redis's (dial_timeout, pool_size, …); unknown ones are
// an error. A cluster needs at least two seed addresses here, because one
// address alone means one server; the cluster discovers the rest. A cluster
// URL cannot name a DB (Redis Cluster has only DB 0). For Sentinel the
// master's password is the "password" option; userinfo authenticates to
// the sentinels.
func ParseURL(rawURL string) (*redis.UniversalOptions, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, fmt.Errorf("redisstore: parse URL: %w", err)
	}
	if u.Scheme != "redis" && u.Scheme != "rediss" {
		return nil, fmt.Errorf("redisstore: URL scheme %q: want redis or rediss", u.Scheme)
	}
	q := u.Query()
	switch {
	case q.Has("master_name"):
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: parse sentinel URL: %w", err)
		}
		if o.MasterName == "" {
			return nil, fmt.Errorf("redisstore: sentinel URL: empty master_name")
		}
		return fromFailover(o), nil
	case q.Has("addr"):
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return nil, fmt.Errorf("redisstore: cluster URL names DB %q: Redis Cluster has only DB 0", p)
		}
		// ParseClusterURL does not accept a path: drop the harmless "/0".
		u.Path, u.RawPath = "", ""
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return nil, fmt.Errorf("redisstore: parse cluster URL: %w", err)
		}
		return fromCluster(o), nil
	default:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("redisstore: parse URL: %w", err)
		}
		return fromSimple(o), nil
	}
}

func fromSimple(o *redis.Options) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   []string{o.Addr},
		ClientName:              o.ClientName,
		DB:                      o.DB,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PipelinePoolSize:        o.PipelinePoolSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		TLSConfig:               o.TLSConfig,
	}
}

func fromCluster(o *redis.ClusterOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   o.Addrs,
		IsClusterMode:           true,
		ClientName:              o.ClientName,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		MaxRedirects:            o.MaxRedirects,
		ReadOnly:                o.ReadOnly,
		RouteByLatency:          o.RouteByLatency,
		RouteByLatencyTolerance: o.RouteByLatencyTolerance,
		RouteRandomly:           o.RouteRandomly,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		DialerRetries:           o.DialerRetries,
		DialerRetryTimeout:      o.DialerRetryTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PipelinePoolSize:        o.PipelinePoolSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		FailingTimeoutSeconds:   o.FailingTimeoutSeconds,
		TLSConfig:               o.TLSConfig,
	}
}

func fromFailover(o *redis.FailoverOptions) *redis.UniversalOptions {
	return &redis.UniversalOptions{
		Addrs:                   o.SentinelAddrs,
		MasterName:              o.MasterName,
		ClientName:              o.ClientName,
		DB:                      o.DB,
		Protocol:                o.Protocol,
		Username:                o.Username,
		Password:                o.Password,
		SentinelUsername:        o.SentinelUsername,
		SentinelPassword:        o.SentinelPassword,
		RouteByLatency:          o.RouteByLatency,
		RouteByLatencyTolerance: o.RouteByLatencyTolerance,
		RouteRandomly:           o.RouteRandomly,
		MaxRetries:              o.MaxRetries,
		MinRetryBackoff:         o.MinRetryBackoff,
		MaxRetryBackoff:         o.MaxRetryBackoff,
		DialTimeout:             o.DialTimeout,
		DialerRetries:           o.DialerRetries,
		DialerRetryTimeout:      o.DialerRetryTimeout,
		ReadTimeout:             o.ReadTimeout,
		WriteTimeout:            o.WriteTimeout,
		ContextTimeoutEnabled:   o.ContextTimeoutEnabled,
		PoolFIFO:                o.PoolFIFO,
		PoolSize:                o.PoolSize,
		PoolTimeout:             o.PoolTimeout,
		MinIdleConns:            o.MinIdleConns,
		MaxIdleConns:            o.MaxIdleConns,
		MaxActiveConns:          o.MaxActiveConns,
		MaxConcurrentDials:      o.MaxConcurrentDials,
		PipelinePoolSize:        o.PipelinePoolSize,
		PipelineReadBufferSize:  o.PipelineReadBufferSize,
		PipelineWriteBufferSize: o.PipelineWriteBufferSize,
		ConnMaxIdleTime:         o.ConnMaxIdleTime,
		ConnMaxLifetime:         o.ConnMaxLifetime,
		ConnMaxLifetimeJitter:   o.ConnMaxLifetimeJitter,
		DisableIdentity:         o.DisableIdentity,
		IdentitySuffix:          o.IdentitySuffix,
		TLSConfig:               o.TLSConfig,
	}
}
