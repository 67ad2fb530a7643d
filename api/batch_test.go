package api

import (
	"reflect"
	"testing"
)

// TestParseBatchFastAgreesWithEncodingJSON: whenever the fast parser
// accepts a body, it must read exactly what the strict encoding/json path
// reads; bodies it declines go to that path.
func TestParseBatchFastAgreesWithEncodingJSON(t *testing.T) {
	s := New(Config{MaxBatch: 3})
	tests := []struct {
		body   string
		fastOK bool
	}{
		{`{"items":[]}`, true},
		{` { "items" : [ { "q" : "0912345678" } , {"phone":"0912 345 678"} ] } `, true},
		{`{"items":[{"bank":"VCB","account":"0011004353201"},{"account":"1","bank":"x"}]}`, true},
		{`{"items":[{"domain":"ngân-hàng.vn"},{"url":"http://x.vn/a?b=1"}]}`, true},
		{`{"items":[{"q":""}]}`, true},
		{`{"items":[{"q":"a\"b"}]}`, false},          // escape: slow path
		{`{"items":[{"q":"a\u0041"}]}`, false},       // escape: slow path
		{`{"items":[{"q":"a","q":"b"}]}`, false},     // repeated field
		{`{"items":[{"q":"a","phone":"b"}]}`, false}, // two inputs: an error
		{`{"items":[{}]}`, false},
		{`{"items":[{"x":"a"}]}`, false},
		{`{"items":[{"q":1}]}`, false},
		{`{"items":[1,2,3,4]}`, false},
		{`{"items":[{"q":"1"},{"q":"2"},{"q":"3"},{"q":"4"}]}`, false}, // over MaxBatch
		{`{"items":[{"q":"1"}]} x`, false},
		{`{"items":[{"q":"1"}],"more":1}`, false},
		{`{"items":[{"q":"1"}`, false},
	}
	for _, tc := range tests {
		fast, ok := parseBatchFast([]byte(tc.body), 3, []checkQuery{})
		if ok != tc.fastOK {
			t.Errorf("%s: fast ok=%v, want %v", tc.body, ok, tc.fastOK)
		}
		if !ok {
			continue
		}
		// Force the slow path by comparing with a decode of the same body
		// through encoding/json.
		var batch checkBatch
		if err := decodeJSON([]byte(tc.body), &batch); err != nil {
			t.Errorf("%s: fast path accepted what encoding/json refuses: %v", tc.body, err)
			continue
		}
		slow := make([]checkQuery, 0, len(batch.Items))
		for i := range batch.Items {
			q, one := batch.Items[i].query()
			if !one {
				t.Errorf("%s: fast path accepted malformed item %d", tc.body, i)
			}
			slow = append(slow, q)
		}
		if !reflect.DeepEqual(fast, slow) {
			t.Errorf("%s:\nfast %+v\nslow %+v", tc.body, fast, slow)
		}
		if _, err := s.decodeBatch([]byte(tc.body), nil); err != nil {
			t.Errorf("%s: decodeBatch: %v", tc.body, err)
		}
	}
}
