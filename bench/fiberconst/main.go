// Command fiberconst is the baseline of the HTTP benchmarks: a bare Fiber
// app whose GET /v1/check returns a constant JSON answer of the same size as
// a real miss. It measures what Fiber and the machine can do at all, so
// that scamcheck's numbers can be read as a fraction of it.
//
//	go run ./bench/fiberconst -listen 127.0.0.1:8081
package main

import (
	"flag"
	"log"

	"github.com/gofiber/fiber/v2"
)

// answer is a real miss answer for a phone number, byte for byte.
const answer = `{"input":"0912345678","kind":"phone","key":"phone:+84912345678","canonical":"+84912345678","verdict":"unknown","advice":{"vi":"Chưa có báo cáo nào về số này. Điều đó không có nghĩa là đáng tin: kẻ gian đổi số liên tục. Đừng chuyển tiền hay đọc mã OTP cho người lạ; nếu nghi ngờ, hãy báo cáo cho chúng tôi.","en":"No reports about this number yet. That does not make it trustworthy: scammers change numbers all the time. Never send money or read OTP codes to strangers; if in doubt, report it to us."}}`

func main() {
	listen := flag.String("listen", "127.0.0.1:8081", "address to listen on")
	flag.Parse()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	body := []byte(answer)
	app.Get("/v1/check", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSONCharsetUTF8)
		return c.Send(body)
	})
	log.Fatal(app.Listen(*listen))
}
