package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	qrcode "github.com/skip2/go-qrcode"
)

// tlv is one EMVCo data object: a two-digit tag, a two-digit length and
// the value.
func tlv(tag, value string) string { return fmt.Sprintf("%s%02d%s", tag, len(value), value) }

// crc16 is CRC-16/CCITT-FALSE (polynomial 0x1021, initial 0xFFFF, no
// reflection, no final XOR), the checksum of EMVCo tag 63. It is written
// here rather than borrowed from package indicators so that the test does
// not check the decoder against itself.
func crc16(s string) uint16 {
	crc := uint16(0xFFFF)
	for i := 0; i < len(s); i++ {
		crc ^= uint16(s[i]) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// vietQR builds a NAPAS VietQR payload paying account at the bank with
// this BIN, with its CRC.
func vietQR(bin, account string, amount int64, message string) string {
	p := tlv("00", "01") + tlv("01", "12") +
		tlv("38", tlv("00", "A000000727")+tlv("01", tlv("00", bin)+tlv("01", account))+tlv("02", "QRIBFTTA")) +
		tlv("53", "704")
	if amount > 0 {
		p += tlv("54", fmt.Sprint(amount))
	}
	p += tlv("58", "VN")
	if message != "" {
		p += tlv("62", tlv("08", message))
	}
	p += "6304"
	return p + fmt.Sprintf("%04X", crc16(p))
}

// writeQR writes a PNG of a QR code holding text and returns its path.
func writeQR(t *testing.T, dir, name, text string) string {
	t.Helper()
	b, err := qrcode.Encode(text, qrcode.Medium, 480)
	if err != nil {
		t.Fatalf("encode QR %q: %v", text, err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// request is one request the page sent.
type request struct {
	method, url string
	hasBody     bool
}

// requestLog records every request the page sends after reset.
type requestLog struct {
	mu   sync.Mutex // guards reqs
	reqs []request
}

func (l *requestLog) listen(ev any) {
	if ev, ok := ev.(*network.EventRequestWillBeSent); ok {
		l.mu.Lock()
		defer l.mu.Unlock()
		l.reqs = append(l.reqs, request{method: ev.Request.Method, url: ev.Request.URL,
			hasBody: ev.Request.HasPostData || len(ev.Request.PostDataEntries) > 0})
	}
}

func (l *requestLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = nil
}

func (l *requestLog) list() []request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]request(nil), l.reqs...)
}

// startQRServer starts the API over a fresh embedded store with disputes
// wired in, and lists one account as confirmed by police.
func startQRServer(t *testing.T) *server {
	t.Helper()
	s := openServer(t, serverOptions{expected: 100, keyName: "e2e-police", disputes: true, warnings: true})
	s.do(t, "POST", "/v1/indicators", s.police, map[string]string{"bank": "Vietcombank", "account": "0011004353201",
		"status": "confirmed", "category": "investment"}, 201, nil)
	return s
}

// TestPaymentQRInBrowser scans VietQR images at phone width: the picture
// is decoded in the page, only the decoded text goes to /v1/check, and the
// card names the bank and the masked account; then the owner disputes the
// listing through the form.
func TestPaymentQRInBrowser(t *testing.T) {
	ctx := browser(t)
	srv := startQRServer(t)
	dir := artifacts(t)
	imgs := t.TempDir()
	watch := &pageWatch{}
	reqs := &requestLog{}
	if err := chromedp.Listen(ctx, watch.listen); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Listen(ctx, reqs.listen); err != nil {
		t.Fatal(err)
	}

	const account = "0011004353201" // Vietcombank, confirmed by police above
	payload := vietQR("970436", account, 1_500_000, "Thanh toan don hang 8812")
	listed := writeQR(t, imgs, "listed.png", payload)
	// What the server says of the payload, for the card to show.
	var want struct {
		Verdict string `json:"verdict"`
		QR      *struct {
			Bank          string `json:"bank"`
			AccountMasked string `json:"account_masked"`
		} `json:"qr"`
	}
	srv.do(t, "GET", "/v1/check?q="+url.QueryEscape(payload), "", nil, 200, &want)
	if want.Verdict != "dangerous" || want.QR == nil || want.QR.Bank == "" || want.QR.AccountMasked == "" ||
		strings.Contains(want.QR.AccountMasked, account) {
		t.Fatalf("/v1/check of the payload: %+v, qr %+v", want, want.QR)
	}

	within(t, ctx, "open the page at 360 px",
		chromedp.EmulateViewport(360, 780, chromedp.EmulateMobile),
		chromedp.Navigate(srv.url+"/"),
		chromedp.WaitVisible(chromedp.CSS("#qr-title")))
	// Only what the scan itself sends is of interest from here on.
	time.Sleep(200 * time.Millisecond)
	reqs.reset()

	within(t, ctx, "upload the QR photo",
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{listed}),
		chromedp.WaitVisible(chromedp.CSS("#result .card")))
	card := eval[string](t, ctx, `document.querySelector('#result .card').innerText`)
	if got := eval[string](t, ctx, `document.querySelector('#result .card').dataset.verdict`); got != "dangerous" {
		t.Errorf("verdict %q, want dangerous:\n%s", got, card)
	}
	for _, s := range []string{want.QR.Bank, want.QR.AccountMasked, "Nguy hiểm", "Ngân hàng nhận tiền", "1.500.000 đ", "Thanh toan don hang 8812"} {
		if !strings.Contains(card, s) {
			t.Errorf("card lacks %q:\n%s", s, card)
		}
	}
	if strings.Contains(card, account) || strings.Contains(card, "000201") {
		t.Errorf("card shows the full account or the raw payload:\n%s", card)
	}
	if w := eval[int](t, ctx, `document.documentElement.scrollWidth`); w > 360 {
		t.Errorf("page is %d px wide on a 360 px screen", w)
	}
	// Headless Chromium on Linux has no BarcodeDetector, so this is the
	// vendored jsQR at work; with one, the page must not have loaded jsQR.
	decoder := eval[string](t, ctx, `'BarcodeDetector' in window ? 'BarcodeDetector' : typeof jsQR === 'function' ? 'jsQR' : 'none'`)
	if decoder == "none" {
		t.Error("neither BarcodeDetector nor jsQR decoded the code")
	}
	t.Logf("decoded with %s", decoder)
	shoot(t, ctx, dir, "qr-360.png")

	// The same code, when the person meant to pay another account.
	within(t, ctx, "scan expecting another account",
		chromedp.SendKeys(chromedp.CSS("#qr-expect"), "0011004350000"),
		chromedp.SetUploadFiles(chromedp.CSS("#qr-camera"), []string{listed}),
		chromedp.WaitVisible(chromedp.CSS("#qr-mismatch")))
	if m := eval[string](t, ctx, `document.getElementById('qr-mismatch').innerText`); !strings.Contains(m, "tài khoản khác") || !strings.Contains(m, "0011004350000") {
		t.Errorf("mismatch warning %q", m)
	}
	shoot(t, ctx, dir, "qr-mismatch-360.png")
	within(t, ctx, "switch to English", chromedp.Click(chromedp.CSS("#lang-toggle")))
	if m := eval[string](t, ctx, `document.getElementById('qr-mismatch').innerText`); !strings.Contains(m, "pays a different account") {
		t.Errorf("English mismatch warning %q", m)
	}
	within(t, ctx, "back to Vietnamese", chromedp.Click(chromedp.CSS("#lang-toggle")))

	// The picture never left the page: the scans sent only GETs of the
	// decoded text (and of the decoder script, when the browser has no
	// BarcodeDetector), all to this server.
	checks := 0
	for _, r := range reqs.list() {
		u, err := url.Parse(r.url)
		if err != nil {
			t.Errorf("unparsable request URL %q", r.url)
			continue
		}
		if r.method != "GET" || r.hasBody {
			t.Errorf("the scan sent %s %s with a body", r.method, r.url)
		}
		if h := u.Hostname(); u.Scheme != "http" || h != "127.0.0.1" {
			t.Errorf("the scan sent a request to %s", r.url)
		}
		switch u.Path {
		case "/v1/check":
			checks++
			if q := u.Query().Get("q"); q != payload {
				t.Errorf("checked q=%q, want the payload %q", q, payload)
			}
		case "/static/vendor/jsQR.js":
		default:
			t.Errorf("the scan requested %s", r.url)
		}
	}
	t.Logf("requests sent by the two scans: %v", reqs.list())
	if checks != 2 {
		t.Errorf("%d checks sent for 2 scans: %v", checks, reqs.list())
	}

	// A payload with a broken checksum is refused, and a picture with no
	// code says so, without a request.
	broken := payload[:len(payload)-4] + "0000"
	if broken == payload {
		broken = payload[:len(payload)-4] + "FFFF"
	}
	within(t, ctx, "scan a broken code",
		clearField("qr-expect"),
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{writeQR(t, imgs, "broken.png", broken)}),
		chromedp.WaitVisible(chromedp.CSS(`#result .card.v-error[data-error="qr_bad_crc"]`)))
	blank := filepath.Join(imgs, "blank.png")
	writeBlank(t, blank)
	reqs.reset()
	within(t, ctx, "scan a picture without a code",
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{blank}),
		chromedp.WaitVisible(chromedp.CSS(`#qr-status[data-error="qr_none"]`)))
	notPicture := filepath.Join(imgs, "not-a-picture.png")
	if err := os.WriteFile(notPicture, []byte("this is not a picture"), 0o644); err != nil {
		t.Fatal(err)
	}
	within(t, ctx, "scan a file that is not a picture",
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{notPicture}),
		chromedp.WaitVisible(chromedp.CSS(`#qr-status[data-error="qr_image"]`)))
	for _, r := range reqs.list() {
		t.Errorf("a picture without a code sent %s %s", r.method, r.url)
	}

	// The owner disputes the listing from the card.
	within(t, ctx, "scan again",
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{listed}),
		chromedp.WaitVisible(chromedp.CSS("#result #dispute-this")))
	within(t, ctx, "open the dispute form from the card",
		chromedp.Click(chromedp.CSS("#dispute-this")),
		chromedp.SendKeys(chromedp.CSS("#d-evidence"), "Tài khoản của công ty tôi, mở tại Vietcombank chi nhánh Hà Nội năm 2015; có giấy phép kinh doanh."),
		chromedp.SendKeys(chromedp.CSS("#d-name"), "Trần Thị B"),
		chromedp.SendKeys(chromedp.CSS("#d-phone"), "0987654321"),
		chromedp.Click(chromedp.CSS("#dispute-btn")),
		chromedp.WaitVisible(chromedp.CSS(`#dispute-receipt .err-box[data-error="dispute_consent"]`)))
	within(t, ctx, "consent and send the dispute",
		chromedp.Click(chromedp.CSS("#d-consent")),
		chromedp.Click(chromedp.CSS("#dispute-btn")),
		chromedp.WaitVisible(chromedp.CSS("#dispute-id")))
	id := eval[string](t, ctx, `document.getElementById('dispute-id').innerText`)
	if id == "" {
		t.Fatal("empty dispute id")
	}
	shoot(t, ctx, dir, "dispute-360.png")
	var open struct {
		Disputes []struct {
			ID  string `json:"id"`
			Key string `json:"key"`
		} `json:"disputes"`
	}
	srv.do(t, "GET", "/v1/disputes?status=open", srv.police, nil, 200, &open)
	found := false
	for _, d := range open.Disputes {
		if d.ID == id {
			found = true
			if d.Key != "bank_account:970436:"+account {
				t.Errorf("dispute %s is about %q", id, d.Key)
			}
		}
	}
	if !found {
		t.Errorf("dispute %s not in the police list %+v", id, open.Disputes)
	}
	var after struct {
		Disputed bool `json:"disputed"`
	}
	srv.do(t, "GET", "/v1/check?q="+url.QueryEscape(payload), "", nil, 200, &after)
	if !after.Disputed {
		t.Error("the check does not say disputed after the dispute")
	}
	within(t, ctx, "scan the disputed account",
		chromedp.SetUploadFiles(chromedp.CSS("#qr-file"), []string{listed}),
		chromedp.WaitVisible(chromedp.CSS("#result #disputed-note")))

	for _, p := range watch.list() {
		// The browser logs the refusal of the broken code, which is
		// expected.
		if strings.Contains(p, "status of 400") && strings.Contains(p, "6304"+broken[len(broken)-4:]) {
			continue
		}
		t.Errorf("page problem: %s", p)
	}
}

// writeBlank writes a white PNG with a grey square: a picture with no code.
func writeBlank(t *testing.T, path string) {
	t.Helper()
	img := image.NewGray(image.Rect(0, 0, 300, 300))
	for i := range img.Pix {
		img.Pix[i] = 0xff
	}
	for y := 100; y < 200; y++ {
		for x := 100; x < 200; x++ {
			img.SetGray(x, y, color.Gray{Y: 0x80})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}
