package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// reportFiles is `bangban report week|month [--region CODE] [--from DATE --to DATE]
// [--lang zh-CN|en] --out DIR`: the reports offices get in chat, written to files in DIR
// (made when missing; a file already there is not overwritten):
//
//   - week: the weekly bulletin of the week of --from (last week without it): its text and
//     its two charts, as /report week shows them;
//   - month: the monthly report's workbook of the days --from to --to, both included (last
//     month without them), as /report month sends it.
//
// The region is --region's, the whole city without it. A flag it cannot take is status 2
// and the usage line in the language asked for.
func reportFiles(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	c := newPeriodCommand("report", "report_cli_usage", cfg, stderr)
	c.out = c.fs.String("out", "", "the directory to write the files into")
	kind := ""
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		kind, args = args[0], args[1:]
	}
	if code := c.parse(args); code >= 0 {
		return code
	}
	if kind != "week" && kind != "month" {
		return c.bad(fmt.Errorf("week or month, not %q", kind))
	}
	var from, to time.Time
	var err error
	if kind == "month" {
		from, to, err = exportPeriod(*c.fromS, *c.toS, time.Now(), cfg.Location)
	} else {
		from, to, err = reportWeek(*c.fromS, *c.toS, time.Now(), cfg.Location)
	}
	if err != nil {
		return c.bad(err)
	}
	if err := os.MkdirAll(*c.out, 0o755); err != nil {
		fmt.Fprintf(stderr, "bangban report: %v\n", err)
		return 1
	}
	st, id, name, code := c.open(ctx)
	if st == nil {
		return code
	}
	base := filepath.Join(*c.out, conversations.FileName(name)+"-"+from.Format(time.DateOnly))
	var written []string
	if kind == "month" {
		file := base + "-" + to.AddDate(0, 0, -1).Format(time.DateOnly) + ".xlsx"
		p := conversations.MonthlyParams(ctx, c.tr, c.lang, st, id, name, from, to)
		if _, err = writeLedgerFile(ctx, file, "xlsx", st, p); err == nil {
			written = append(written, file)
		}
	} else {
		written, err = writeBulletin(ctx, c.tr, c.lang, st, id, from, base+"-week")
	}
	if err != nil {
		c.log.Error("report failed", "error", err)
		return 1
	}
	fmt.Fprintln(stdout, c.tr.T(c.lang, "report_written", map[string]any{"Files": strings.Join(written, ", "), "Region": name,
		"From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly)}))
	return 0
}

// reportWeek is the week (Monday to Monday) of the day --from gives, which --to, when given,
// must fall in; without them, last week.
func reportWeek(fromS, toS string, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	day := now.In(loc).AddDate(0, 0, -7)
	if fromS != "" {
		d, err := time.ParseInLocation(time.DateOnly, fromS, loc)
		if err != nil {
			return time.Time{}, time.Time{}, fmt.Errorf("--from %q", fromS)
		}
		day = d
	}
	l := day.In(loc)
	monday := time.Date(l.Year(), l.Month(), l.Day()-(int(l.Weekday())+6)%7, 0, 0, 0, 0, loc)
	if toS != "" {
		last, err := time.ParseInLocation(time.DateOnly, toS, loc)
		if err != nil || last.Before(monday) || !last.Before(monday.AddDate(0, 0, 7)) {
			return time.Time{}, time.Time{}, fmt.Errorf("--to %q: a day of the week of --from", toS)
		}
	}
	return monday, monday.AddDate(0, 0, 7), nil
}

// writeBulletin writes the bulletin of a region and the week from monday, as lang shows it:
// base.txt with its text, then a PNG a chart, each with its caption before it in the text.
func writeBulletin(ctx context.Context, tr *dialog.Translator, lang string, st *store.Store, region int64, monday time.Time, base string) ([]string, error) {
	b, err := st.Bulletin(ctx, store.BulletinParams{RegionID: region, Week: monday})
	if err != nil {
		return nil, err
	}
	replies, err := conversations.BulletinReplies(tr, lang, b)
	if err != nil {
		return nil, err
	}
	var text bytes.Buffer
	var written []string
	for i, r := range replies {
		if text.Len() > 0 {
			text.WriteString("\n\n")
		}
		text.WriteString(tr.T(lang, r.MessageID, r.Data))
		if r.Photo == nil {
			continue
		}
		file := fmt.Sprintf("%s-%d.png", base, i)
		if err := writeNew(file, func(w io.Writer) error { _, err := w.Write(r.Photo); return err }); err != nil {
			return written, err
		}
		written = append(written, file)
		fmt.Fprintf(&text, "\n(%s)", filepath.Base(file))
	}
	if err := writeNew(base+".txt", func(w io.Writer) error { _, err := w.Write(text.Bytes()); return err }); err != nil {
		return written, err
	}
	return append([]string{base + ".txt"}, written...), nil
}
