package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/feeds"
	"github.com/scamcheck/scamcheck/indicators"
)

// maxRejectBytes bounds the rejects report returned by an import: enough to
// see what is wrong with a feed, not a copy of a broken one.
const maxRejectBytes = 16 << 10

// importResponse is the answer to POST /v1/indicators:import.
type importResponse struct {
	Format     feeds.Format `json:"format"`
	Source     string       `json:"source"`
	Read       int          `json:"read"`
	Added      int          `json:"added"`
	Updated    int          `json:"updated"`
	Unchanged  int          `json:"unchanged"`
	Duplicates int          `json:"duplicates"`
	Rejected   int          `json:"rejected"`
	ElapsedMS  int64        `json:"elapsed_ms"`
	// Rejects holds the first rejected records, "line N<TAB>reason<TAB>raw".
	Rejects []string `json:"rejects,omitempty"`
}

// importIndicators answers POST /v1/indicators:import?format=&source=
// &status= (police): the body is a feed in any supported format, merged
// through the same pipeline as `scamcheck import`.
func (s *Server) importIndicators(c *fiber.Ctx) error {
	name, _ := actor(c)
	opts := feeds.ImportOptions{Source: strings.TrimSpace(c.Query("source")), Now: s.cfg.Now, ConfirmedBy: name}
	if opts.Source == "" {
		opts.Source = "api:" + name
	}
	if len(opts.Source) > 100 {
		return badRequest("source: at most 100 bytes")
	}
	if v := c.Query("format"); v != "" {
		f, err := feeds.ParseFormat(v)
		if err != nil {
			return badRequest("%v", err)
		}
		opts.Format = f
	}
	if v := c.Query("status"); v != "" {
		st, err := indicators.ParseStatus(v)
		if err != nil {
			return err
		}
		if st == indicators.StatusDelisted {
			return badRequest("status: an import is reported, confirmed or trusted")
		}
		opts.Status = st
	}
	if v := c.Query("kind"); v != "" {
		k, err := indicators.ParseKind(v)
		if err != nil {
			return err
		}
		opts.Parse.Kind = k
	}
	body := c.Body()
	if len(bytes.TrimSpace(body)) == 0 {
		return badRequest("request body is empty; send the feed")
	}
	var rejects limitedBuffer
	rejects.max = maxRejectBytes
	opts.Rejects = &rejects
	// The body is the request's buffer: copy-free reading is fine, since
	// Import returns before the handler does.
	sum, err := feeds.Import(c.UserContext(), s.cfg.Store, publisherFunc(s.publish), bytes.NewReader(body), opts)
	if err != nil {
		if errors.Is(err, feeds.ErrFormat) || errors.Is(err, feeds.ErrOption) {
			return badRequest("%v", err)
		}
		return fmt.Errorf("api: import: %w", err)
	}
	resp := importResponse{Format: sum.Format, Source: opts.Source, Read: sum.Read, Added: sum.Added,
		Updated: sum.Updated, Unchanged: sum.Unchanged, Duplicates: sum.Duplicates, Rejected: sum.Rejected,
		ElapsedMS: sum.Elapsed.Milliseconds()}
	for _, l := range strings.Split(strings.TrimRight(rejects.String(), "\n"), "\n") {
		if l != "" {
			resp.Rejects = append(resp.Rejects, l)
		}
	}
	if sum.Changed() {
		after := resp
		after.Rejects = nil
		if err := s.audit(c, ActionIndicatorImport, "source:"+opts.Source, nil, after); err != nil {
			return err
		}
	}
	return c.Status(http.StatusOK).JSON(resp)
}

// publisherFunc adapts a function to feeds.Publisher.
type publisherFunc func(ctx context.Context, keys []indicators.Key) error

func (f publisherFunc) Publish(ctx context.Context, keys []indicators.Key) error { return f(ctx, keys) }

// limitedBuffer keeps the first max bytes written to it and drops the rest
// (without failing the writer).
type limitedBuffer struct {
	bytes.Buffer
	max int
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	if room := b.max - b.Len(); room > 0 {
		if len(p) > room {
			// Keep whole lines only.
			cut := p[:room]
			if i := bytes.LastIndexByte(cut, '\n'); i >= 0 {
				b.Buffer.Write(cut[:i+1])
			}
			b.max = b.Len()
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}
