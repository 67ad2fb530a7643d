// Command fiberconst is the baseline of the HTTP benchmarks: a bare Fiber
// app whose GET /v1/check returns a constant JSON answer of the same size as
// a real miss, and whose POST /v1/check returns a constant answer of the
// same size as a real batch of 1000 misses (without reading the request).
// It measures what Fiber, the network and the machine can do at all, so
// that scamcheck's numbers can be read as a fraction of it.
//
// With -same-response it also sends the response headers scamcheck sends
// (security headers, a request id) and runs with scamcheck's server
// timeouts: the whole HTTP exchange is then the same as scamcheck's, byte
// for byte but the request id, and only the work behind it differs.
//
//	go run ./bench/fiberconst -listen 127.0.0.1:8081 [-same-response]
package main

import (
	"flag"
	"log"
	"net"
	"strconv"
	"strings"
	"sync/atomic"

	"github.com/gofiber/fiber/v2"

	"github.com/scamcheck/scamcheck/api"
	"github.com/scamcheck/scamcheck/api/timeouts"
)

// answer is a real miss answer for a phone number, byte for byte.
const answer = `{"input":"0912345678","kind":"phone","key":"phone:+84912345678","canonical":"+84912345678","verdict":"unknown","advice":{"vi":"Chưa có báo cáo nào về số này. Điều đó không có nghĩa là đáng tin: kẻ gian đổi số liên tục. Đừng chuyển tiền hay đọc mã OTP cho người lạ; nếu nghi ngờ, hãy báo cáo cho chúng tôi.","en":"No reports about this number yet. That does not make it trustworthy: scammers change numbers all the time. Never send money or read OTP codes to strangers; if in doubt, report it to us."}}`

// batchItems is the number of results in the POST answer, as in
// bench/http/check_post.lua.
const batchItems = 1000

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	same := flag.Bool("same-response", false, "send scamcheck's response headers and use its server timeouts")
	flag.Parse()
	cfg := fiber.Config{DisableStartupMessage: true, BodyLimit: 32 << 20}
	app := fiber.New(cfg)
	body := []byte(answer)
	app.Get("/v1/check", func(c *fiber.Ctx) error {
		if *same {
			setHeaders(c)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
	results := make([]string, batchItems)
	for i := range results {
		results[i] = answer
	}
	batch := []byte(`{"results":[` + strings.Join(results, ",") + `]}`)
	app.Post("/v1/check", func(c *fiber.Ctx) error {
		if *same {
			setHeaders(c)
		}
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(batch)
	})
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		log.Fatal(err)
	}
	if *same {
		// As api.Server.Open does.
		ln = timeouts.Listen(ln, api.DefaultTimeouts())
	}
	log.Fatal(app.Listener(ln))
}

// headerKV are the headers scamcheck sets on every response.
var headerKV = func() [][2][]byte {
	var kv [][2][]byte
	for _, h := range api.SecurityHeaders() {
		kv = append(kv, [2][]byte{[]byte(h[0]), []byte(h[1])})
	}
	return kv
}()

var (
	keyRequestID = []byte("X-Request-Id") // as scamcheck writes it
	requests     atomic.Uint64
)

// setHeaders sets the headers as cheaply as scamcheck can: a request id of
// the same form (a fixed prefix and a counter) and constant headers.
func setHeaders(c *fiber.Ctx) {
	h := &c.Response().Header
	var buf [40]byte
	h.SetCanonical(keyRequestID, strconv.AppendUint(append(buf[:0], "0123456789abcdef-"...), requests.Add(1), 36))
	for i := range headerKV {
		h.SetCanonical(headerKV[i][0], headerKV[i][1])
	}
}
