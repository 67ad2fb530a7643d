package boltstore_test

import (
	"bytes"
	"strings"
	"testing"

	"go.etcd.io/bbolt"

	"github.com/scamcheck/scamcheck/indicators"
	"github.com/scamcheck/scamcheck/indicators/boltstore"
	"github.com/scamcheck/scamcheck/indicators/storetest"
)

func newSideStore(t *testing.T) *boltstore.Store {
	return mustOpen(t, t.TempDir(), boltstore.Options{})
}

func TestReports(t *testing.T) {
	storetest.RunReports(t, func(t *testing.T) indicators.ReportStore { return newSideStore(t) })
}

func TestKeys(t *testing.T) {
	storetest.RunKeys(t, func(t *testing.T) indicators.KeyStore { return newSideStore(t) })
}

func TestAudit(t *testing.T) {
	storetest.RunAudit(t, func(t *testing.T) indicators.AuditLog { return newSideStore(t) })
}

func TestStats(t *testing.T) {
	storetest.RunStats(t, func(t *testing.T) indicators.StatsStore { return newSideStore(t) })
}

// TestContactStoredApart looks into the file: the contact is in its own
// bucket and no byte of it is in the reports bucket.
func TestContactStoredApart(t *testing.T) {
	s := newSideStore(t)
	r := storetest.NewReport(1)
	c := indicators.Contact{Name: "Lê Văn Báo", Phone: "+84987654321", Email: "bao@mail.example", CreatedAt: storetest.Epoch}
	if err := s.CreateReport(t.Context(), r, &c); err != nil {
		t.Fatal(err)
	}
	err := s.DB().View(func(tx *bbolt.Tx) error {
		var reports, contacts int
		for _, name := range []string{"reports", "report_status"} {
			b := tx.Bucket([]byte(name))
			if b == nil {
				t.Fatalf("bucket %s missing", name)
			}
			_ = b.ForEach(func(k, v []byte) error {
				reports++
				for _, secret := range []string{c.Name, c.Phone, c.Email} {
					if bytes.Contains(v, []byte(secret)) {
						t.Errorf("bucket %s, key %s holds contact data %q", name, k, secret)
					}
				}
				return nil
			})
		}
		_ = tx.Bucket([]byte("contacts")).ForEach(func(k, v []byte) error {
			contacts++
			if !strings.Contains(string(v), c.Phone) {
				t.Errorf("contacts[%s] = %s, want the contact", k, v)
			}
			return nil
		})
		if reports == 0 || contacts != 1 {
			t.Errorf("%d report entries and %d contacts, want some and 1", reports, contacts)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
