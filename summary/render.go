package summary

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Format is an output form of a summary.
type Format string

// Formats.
const (
	FormatHTML Format = "html"
	FormatCSV  Format = "csv"
	FormatJSON Format = "json"
)

// ParseFormat validates a format name.
func ParseFormat(s string) (Format, error) {
	switch f := Format(strings.ToLower(strings.TrimSpace(s))); f {
	case FormatHTML, FormatCSV, FormatJSON:
		return f, nil
	}
	return "", fmt.Errorf("summary: unknown format %q (want html, csv or json)", s)
}

// Write renders s in format f.
func Write(w io.Writer, s *Summary, f Format) error {
	switch f {
	case FormatJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		if err := enc.Encode(s); err != nil {
			return fmt.Errorf("summary: write json: %w", err)
		}
		return nil
	case FormatCSV:
		return writeCSV(w, s)
	case FormatHTML:
		return writeHTML(w, s)
	}
	return fmt.Errorf("summary: unknown format %q", f)
}

// writeCSV writes one row per number — section, name, value — so that a
// spreadsheet can pivot it without knowing the sections in advance.
func writeCSV(w io.Writer, s *Summary) error {
	cw := csv.NewWriter(w)
	row := func(section, name string, v int64) {
		_ = cw.Write([]string{section, name, strconv.FormatInt(v, 10)})
	}
	_ = cw.Write([]string{"section", "name", "value"})
	_ = cw.Write([]string{"period", "from", s.From})
	_ = cw.Write([]string{"period", "to", s.To})
	row("reports", "total", s.Reports)
	for _, c := range s.ReportsByChannel {
		row("reports_by_channel", c.Name, c.Count)
	}
	for _, c := range s.ReportsByCategory {
		row("reports_by_category", c.Name, c.Count)
	}
	for _, c := range s.ReportsByStatus {
		row("reports_by_status", c.Name, c.Count)
	}
	for _, d := range s.Days {
		row("reports_by_day", d.Day, d.Reports)
	}
	if s.ChecksAvailable {
		row("checks", "total", s.Checks)
		row("hits", "total", s.Hits)
		for _, c := range s.ChecksByKind {
			row("checks_by_kind", c.Name, c.Count)
		}
		for _, c := range s.HitsByKind {
			row("hits_by_kind", c.Name, c.Count)
		}
		for _, d := range s.Days {
			row("checks_by_day", d.Day, d.Checks)
			row("hits_by_day", d.Day, d.Hits)
		}
	}
	if s.IndicatorsAvailable {
		row("indicators", "confirmed", int64(s.Confirmed))
		row("indicators", "delisted", int64(s.Delisted))
		if s.MedianHoursToConfirm != nil {
			_ = cw.Write([]string{"indicators", "median_hours_to_confirm", strconv.FormatFloat(*s.MedianHoursToConfirm, 'f', 1, 64)})
		}
	}
	if s.FreezeAvailable {
		row("freeze", "sent", int64(s.FreezeSent))
		row("freeze", "delivered", int64(s.FreezeDelivered))
		row("freeze", "failed", int64(s.FreezeFailed))
		row("freeze", "acknowledged", int64(s.FreezeAcked))
		row("freeze", "frozen", int64(s.FreezeFrozen))
	}
	for _, c := range s.TopBrands {
		row("top_brands", c.Name, c.Count)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return fmt.Errorf("summary: write csv: %w", err)
	}
	return nil
}
