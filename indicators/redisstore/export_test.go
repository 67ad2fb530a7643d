package redisstore

import "github.com/scamcheck/scamcheck/indicators"

// Locate tells tests where key is stored: its bucket and field.
func (s *Store) Locate(key indicators.Key) (bucket, field string) {
	l := s.locate(key)
	return l.bucket, l.field
}
