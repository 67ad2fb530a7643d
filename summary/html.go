package summary

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// The HTML report is one file: styles inline, charts as inline SVG, system
// fonts only, so that it opens offline, is mailed as an attachment and
// prints on A4 as it shows.
var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"num": formatInt,
	"pct": func(a, b int64) string {
		if b == 0 {
			return "–"
		}
		return fmt.Sprintf("%.1f%%", 100*float64(a)/float64(b))
	},
}).Parse(`<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Báo cáo tình hình lừa đảo {{.S.From}} – {{.S.To}}</title>
<style>
@page { size: A4; margin: 14mm 12mm; }
* { box-sizing: border-box; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", Arial, sans-serif; color: #1b1f24; margin: 0 auto; max-width: 186mm; padding: 16px; font-size: 10.5pt; line-height: 1.4; background: #fff; }
h1 { font-size: 17pt; margin: 0 0 2px; color: #8a1c1c; }
h2 { font-size: 12pt; margin: 18px 0 6px; padding-bottom: 3px; border-bottom: 2px solid #8a1c1c; break-after: avoid; }
.en { color: #5b6470; font-weight: normal; font-size: 0.85em; }
.meta { color: #5b6470; margin: 0 0 12px; }
.tiles { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.tile { border: 1px solid #d8dde3; border-radius: 6px; padding: 8px 10px; break-inside: avoid; }
.tile b { display: block; font-size: 15pt; color: #1b1f24; }
.tile span { color: #5b6470; font-size: 8.5pt; }
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 14px; }
section { break-inside: avoid; }
svg { display: block; width: 100%; height: auto; }
svg text { font-family: inherit; }
table { border-collapse: collapse; width: 100%; font-size: 9.5pt; }
td, th { padding: 3px 6px; border-bottom: 1px solid #e6e9ed; text-align: left; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
.na { color: #5b6470; font-style: italic; }
footer { margin-top: 18px; color: #5b6470; font-size: 8.5pt; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; text-decoration: none; } }
</style>
</head>
<body>
<h1>Báo cáo tình hình lừa đảo trực tuyến</h1>
<p class="meta">Kỳ báo cáo <b>{{.S.From}}</b> đến <b>{{.S.To}}</b> · <span class="en">Scam report for the period, generated {{.S.GeneratedAt.Format "2006-01-02 15:04 UTC"}}</span></p>

<div class="tiles">
 <div class="tile"><b>{{num .S.Reports}}</b><span>Phản ánh · reports</span></div>
 {{if .S.ChecksAvailable}}<div class="tile"><b>{{num .S.Checks}}</b><span>Lượt tra cứu · checks</span></div>
 <div class="tile"><b>{{num .S.Hits}}</b><span>Trúng cảnh báo · hits ({{pct .S.Hits .S.Checks}})</span></div>{{else}}<div class="tile"><b>–</b><span>Tra cứu · checks n/a</span></div><div class="tile"><b>–</b><span>hits n/a</span></div>{{end}}
 {{if .S.IndicatorsAvailable}}<div class="tile"><b>{{num .Confirmed}}</b><span>Đã xác nhận · confirmed</span></div>
 <div class="tile"><b>{{num .Delisted}}</b><span>Gỡ khỏi danh sách · delisted</span></div>
 <div class="tile"><b>{{.Median}}</b><span>Trung vị đến xác nhận · median to confirm</span></div>{{end}}
 {{if .S.FreezeAvailable}}<div class="tile"><b>{{num .FreezeSent}}</b><span>Yêu cầu phong tỏa · freeze requests</span></div>
 <div class="tile"><b>{{num .FreezeAcked}}</b><span>Ngân hàng phản hồi · acknowledged ({{pct .FreezeAcked .FreezeSent}})</span></div>{{end}}
</div>

<section>
<h2>Phản ánh theo ngày <span class="en">Reports per day</span></h2>
{{.DayChart}}
</section>
{{if .S.ChecksAvailable}}<section>
<h2>Tra cứu và trúng cảnh báo theo ngày <span class="en">Checks and hits per day</span></h2>
{{.CheckChart}}
</section>{{end}}

<div class="row">
<section>
<h2>Theo kênh <span class="en">By channel</span></h2>
{{.ChannelChart}}
</section>
<section>
<h2>Theo loại lừa đảo <span class="en">By category</span></h2>
{{.CategoryChart}}
</section>
</div>

<section>
<h2>Thương hiệu bị nhắm đến nhiều nhất <span class="en">Top targeted brands</span></h2>
{{if .S.TopBrands}}{{.BrandChart}}{{else}}<p class="na">Không có dữ liệu · no brand named in the period's reports</p>{{end}}
</section>

<div class="row">
<section>
<h2>Trạng thái phản ánh <span class="en">Report status</span></h2>
<table><tr><th>Trạng thái · status</th><th class="n">Số · count</th></tr>
{{range .S.ReportsByStatus}}<tr><td>{{.Name}}</td><td class="n">{{num .Count}}</td></tr>{{end}}
</table>
</section>
<section>
<h2>Phong tỏa tài khoản <span class="en">Freeze requests</span></h2>
{{if .S.FreezeAvailable}}<table>
<tr><td>Đã gửi · sent</td><td class="n">{{num .FreezeSent}}</td></tr>
<tr><td>Đã đến ngân hàng · delivered</td><td class="n">{{num .FreezeDelivered}}</td></tr>
<tr><td>Thất bại · failed</td><td class="n">{{num .FreezeFailed}}</td></tr>
<tr><td>Được xác nhận · acknowledged</td><td class="n">{{num .FreezeAcked}}</td></tr>
<tr><td>Đã phong tỏa · frozen</td><td class="n">{{num .FreezeFrozen}}</td></tr>
</table>{{else}}<p class="na">Không có kho đối tác · no partner store</p>{{end}}
</section>
</div>
<footer>scamcheck · {{.S.From}} – {{.S.To}} · ngày theo giờ Việt Nam (UTC+7) · days in Vietnam time</footer>
</body>
</html>
`))

type pageData struct {
	S                                                 *Summary
	Confirmed, Delisted, FreezeSent, FreezeAcked      int64
	FreezeDelivered, FreezeFailed, FreezeFrozen       int64
	Median                                            string
	DayChart, CheckChart, ChannelChart, CategoryChart template.HTML
	BrandChart                                        template.HTML
}

func writeHTML(w io.Writer, s *Summary) error {
	d := pageData{S: s, Confirmed: int64(s.Confirmed), Delisted: int64(s.Delisted),
		FreezeSent: int64(s.FreezeSent), FreezeAcked: int64(s.FreezeAcked),
		FreezeDelivered: int64(s.FreezeDelivered), FreezeFailed: int64(s.FreezeFailed), FreezeFrozen: int64(s.FreezeFrozen),
		Median: "–"}
	if m := s.MedianHoursToConfirm; m != nil {
		if *m >= 48 {
			d.Median = fmt.Sprintf("%.1f ngày", *m/24)
		} else {
			d.Median = fmt.Sprintf("%.1f giờ", *m)
		}
	}
	reports := make([]int64, len(s.Days))
	checks := make([]int64, len(s.Days))
	hits := make([]int64, len(s.Days))
	for i, day := range s.Days {
		reports[i], checks[i], hits[i] = day.Reports, day.Checks, day.Hits
	}
	d.DayChart = dayChart(s.Days, []series{{"Phản ánh · reports", "#8a1c1c", reports}})
	d.CheckChart = dayChart(s.Days, []series{{"Tra cứu · checks", "#2f6db5", checks}, {"Trúng · hits", "#d9822b", hits}})
	d.ChannelChart = barChart(s.ReportsByChannel, "#8a1c1c", 340)
	d.CategoryChart = barChart(s.ReportsByCategory, "#b5452f", 340)
	d.BrandChart = barChart(s.TopBrands, "#2f6db5", 700)
	if err := page.Execute(w, d); err != nil {
		return fmt.Errorf("summary: write html: %w", err)
	}
	return nil
}

type series struct {
	name, color string
	values      []int64
}

// dayChart draws one series as bars, or several as lines, per day, with
// the first day of each month labelled.
func dayChart(days []Day, ss []series) template.HTML {
	const W, H, left, right, top, bottom = 700.0, 190.0, 52.0, 8.0, 22.0, 22.0
	var max int64
	for _, s := range ss {
		for _, v := range s.values {
			max = maxInt(max, v)
		}
	}
	scale := niceCeil(max)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" xmlns="http://www.w3.org/2000/svg">`, W, H)
	plotW, plotH := W-left-right, H-top-bottom
	for i := 0; i <= 4; i++ {
		y := top + plotH - plotH*float64(i)/4
		fmt.Fprintf(&b, `<line x1="%g" x2="%g" y1="%.1f" y2="%.1f" stroke="#e6e9ed"/>`, left, W-right, y, y)
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="10" text-anchor="end" fill="#5b6470">%s</text>`, left-4, y+3, formatInt(scale*int64(i)/4))
	}
	n := float64(max1(len(days)))
	step := plotW / n
	for i, d := range days {
		if i == 0 || strings.HasSuffix(d.Day, "-01") {
			x := left + step*float64(i)
			fmt.Fprintf(&b, `<line x1="%.1f" x2="%.1f" y1="%g" y2="%g" stroke="#9aa3ad"/>`, x, x, top+plotH, top+plotH+4)
			fmt.Fprintf(&b, `<text x="%.1f" y="%g" font-size="10" fill="#5b6470">%s</text>`, x+2, H-6, template.HTMLEscapeString(d.Day))
		}
	}
	y := func(v int64) float64 {
		if scale == 0 {
			return top + plotH
		}
		return top + plotH - plotH*float64(v)/float64(scale)
	}
	if len(ss) == 1 {
		for i, v := range ss[0].values {
			x := left + step*float64(i)
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %s</title></rect>`,
				x+step*0.1, y(v), step*0.8, top+plotH-y(v), ss[0].color, template.HTMLEscapeString(days[i].Day), formatInt(v))
		}
	} else {
		for _, s := range ss {
			var pts strings.Builder
			for i, v := range s.values {
				fmt.Fprintf(&pts, "%.1f,%.1f ", left+step*(float64(i)+0.5), y(v))
			}
			fmt.Fprintf(&b, `<polyline fill="none" stroke="%s" stroke-width="1.8" points="%s"/>`, s.color, strings.TrimSpace(pts.String()))
		}
	}
	lx := left
	for _, s := range ss {
		fmt.Fprintf(&b, `<rect x="%.1f" y="4" width="10" height="10" fill="%s"/><text x="%.1f" y="13" font-size="11" fill="#1b1f24">%s</text>`,
			lx, s.color, lx+14, template.HTMLEscapeString(s.name))
		lx += 14 + 7*float64(len([]rune(s.name))) + 16
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

// barChart draws a horizontal bar per count, largest first.
// W is the width in the viewBox: 340 for half the page, 700 for all of
// it, so that text keeps one size whatever the chart's width.
func barChart(cs []Count, color string, W float64) template.HTML {
	const rowH, labelW, valueW = 20.0, 120.0, 70.0
	if len(cs) == 0 {
		return template.HTML(`<p class="na">Không có dữ liệu · no data</p>`)
	}
	var max int64
	for _, c := range cs {
		max = maxInt(max, c.Count)
	}
	H := rowH*float64(len(cs)) + 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg viewBox="0 0 %g %g" role="img" xmlns="http://www.w3.org/2000/svg">`, W, H)
	barW := W - labelW - valueW
	for i, c := range cs {
		y := 2 + rowH*float64(i)
		w := 0.0
		if max > 0 {
			w = barW * float64(c.Count) / float64(max)
		}
		name := c.Name
		if r := []rune(name); len(r) > 19 {
			name = string(r[:18]) + "…"
		}
		fmt.Fprintf(&b, `<text x="%g" y="%.1f" font-size="11" text-anchor="end" fill="#1b1f24">%s</text>`, labelW-6, y+13, template.HTMLEscapeString(name))
		fmt.Fprintf(&b, `<rect x="%g" y="%.1f" width="%.1f" height="%g" rx="2" fill="%s"/>`, labelW, y+3, w, rowH-6, color)
		fmt.Fprintf(&b, `<text x="%.1f" y="%.1f" font-size="11" fill="#1b1f24">%s</text>`, labelW+w+4, y+13, formatInt(c.Count))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) //nolint:gosec // every text in it is escaped above
}

// niceCeil returns the top of an axis with four gridlines at least v:
// four times 1, 2, 3 or 5 times a power of ten, so that every gridline reads
// as a round number.
func niceCeil(v int64) int64 {
	if v <= 0 {
		return 4
	}
	need := (v + 3) / 4
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 3, 5} {
			if m*p >= need {
				return 4 * m * p
			}
		}
	}
}

// formatInt groups thousands with a dot, as Vietnamese numbers are written.
func formatInt(v int64) string {
	s := fmt.Sprint(v)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte('.')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func maxInt(a, b int64) int64 {
	if a > b {
		return a
	}
	return b
}

func max1(n int) int {
	if n < 1 {
		return 1
	}
	return n
}
