package redisstore

import "github.com/scamcheck/scamcheck/indicators"

// Records are stored in the shared binary encoding of indicators
// (AppendRecord / DecodeRecord); the Redis key carries key, kind and value.

// decodeRecord decodes a stored value for key.
func decodeRecord(key indicators.Key, s string) (indicators.Record, error) {
	var r indicators.Record
	err := indicators.DecodeRecord(key, s, &r)
	return r, err
}
