package api_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/scamcheck/scamcheck/api"
)

// quietLogs logs at info level, as a production server does: successful
// checks are then not logged.
func quietLogs(c *api.Config) {
	c.Logger = slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
}

// BenchmarkGetCheckMiss measures the whole GET /v1/check path of a miss
// (middleware, normalization, filter, encoding) without the network, next
// to a bare Fiber handler returning a constant answer.
func BenchmarkGetCheckMiss(b *testing.B) {
	e := mustEnv(b, "bolt", quietLogs)
	h := e.srv.App().Handler()
	var ctx fasthttp.RequestCtx
	var uri []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ctx.Request.Reset()
		ctx.Response.Reset()
		uri = checkURI(uri[:0], i)
		ctx.Request.SetRequestURIBytes(uri)
		ctx.Request.Header.SetMethod("GET")
		h(&ctx)
		if ctx.Response.StatusCode() != 200 {
			b.Fatalf("status %d: %s", ctx.Response.StatusCode(), ctx.Response.Body())
		}
	}
}

// checkURI appends the URI of a check for an unlisted number, as
// bench/http/check_get.lua asks: /v1/check?phone=098 and seven digits.
func checkURI(b []byte, i int) []byte {
	b = append(b, "/v1/check?phone=098"...)
	n := i % 1_000_000
	for d := 1_000_000; d > 0; d /= 10 {
		b = append(b, byte('0'+n/d%10))
	}
	return b
}

func BenchmarkBareFiberConstant(b *testing.B) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := []byte(strings.Repeat("x", 557))
	app.Get("/v1/check", func(c *fiber.Ctx) error { return c.Send(body) })
	h := app.Handler()
	var ctx fasthttp.RequestCtx
	var uri []byte
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		ctx.Request.Reset()
		ctx.Response.Reset()
		uri = checkURI(uri[:0], i)
		ctx.Request.SetRequestURIBytes(uri)
		ctx.Request.Header.SetMethod("GET")
		h(&ctx)
	}
}

// BenchmarkPostCheck1000 checks batches of 1000 unlisted items: phone
// numbers, as bench/http/check_post.lua sends, and bank accounts given as
// bank and account, as a bank app checks its payees.
func BenchmarkPostCheck1000(b *testing.B) {
	e := mustEnv(b, "bolt", quietLogs)
	h := e.srv.App().Handler()
	for _, c := range []struct {
		name string
		item string
	}{
		{"phones", `{"phone":"098%07d"}`},
		{"accounts", `{"bank":"VCB","account":"0011%09d"}`},
	} {
		b.Run(c.name, func(b *testing.B) {
			items := make([]string, 1000)
			for i := range items {
				items[i] = fmt.Sprintf(c.item, i)
			}
			body := []byte(`{"items":[` + strings.Join(items, ",") + `]}`)
			var ctx fasthttp.RequestCtx
			b.ReportAllocs()
			for b.Loop() {
				ctx.Request.Reset()
				ctx.Response.Reset()
				ctx.Request.SetRequestURI("/v1/check")
				ctx.Request.Header.SetMethod("POST")
				ctx.Request.SetBody(body)
				h(&ctx)
				if ctx.Response.StatusCode() != 200 || !bytes.Contains(ctx.Response.Body(), []byte(`"verdict":"unknown"`)) {
					b.Fatalf("status %d: %.200s", ctx.Response.StatusCode(), ctx.Response.Body())
				}
			}
			b.ReportMetric(float64(b.N)*1000/b.Elapsed().Seconds(), "checks/s")
		})
	}
}
