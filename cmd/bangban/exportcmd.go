package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/ledger"
	"github.com/bangban/bangban/store"
)

// exportLedger is `bangban export --format csv|xlsx [--region CODE] [--from DATE --to DATE]
// [--lang zh-CN|en] --out FILE`: the ledger of a region (the whole city without --region) for
// the cases filed in those days, both included (last month without them), as a CSV of its
// rows or as the monthly report's workbook. A flag it cannot take is status 2 and the usage
// line in the language asked for.
func exportLedger(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	format := fs.String("format", "", "csv (the ledger's rows) or xlsx (the monthly report's workbook)")
	region := fs.String("region", "", "the code of the region, its sub-regions included; the whole city without it")
	fromS := fs.String("from", "", "the first day of the period (2026-11-01), in the city's time zone")
	toS := fs.String("to", "", "the last day of the period (2026-11-30)")
	lang := fs.String("lang", cfg.Lang, "the language of the headers and words: zh-CN or en")
	out := fs.String("out", "", "the file to write; it must not exist yet")
	err := fs.Parse(args)
	if !dialog.IsLanguage(*lang) {
		*lang = cfg.Lang
		if err == nil {
			err = fmt.Errorf("--lang %q", fs.Lookup("lang").Value)
		}
	}
	tr, terr := dialog.NewTranslator(*lang)
	if terr != nil {
		fmt.Fprintf(stderr, "bangban export: %v\n", terr)
		return 1
	}
	bad := func(err error) int {
		if err != nil {
			fmt.Fprintf(stderr, "bangban export: %v\n", err)
		}
		fmt.Fprintln(stderr, tr.T(*lang, "ledger_usage", nil))
		return 2
	}
	if err != nil {
		return bad(err)
	}
	from, to, err := exportPeriod(*fromS, *toS, time.Now(), cfg.Location)
	switch {
	case err != nil:
		return bad(err)
	case fs.NArg() > 0:
		return bad(fmt.Errorf("unexpected %q", fs.Args()))
	case *format != "csv" && *format != "xlsx":
		return bad(fmt.Errorf("--format %q", *format))
	case *out == "":
		return bad(errors.New("no --out"))
	}
	log := newLogger(cfg, stderr)
	pool, err := openMigrated(ctx, cfg, log)
	if err != nil {
		log.Error("export failed", "error", err)
		return 1
	}
	defer pool.Close()
	st, err := store.New(pool, store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix,
		Limits: cfg.Limits, Calendar: cfg.Calendar})
	if err != nil {
		log.Error("export failed", "error", err)
		return 1
	}
	id, name, err := st.LedgerRegion(ctx, *region)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(stderr, tr.T(*lang, "ledger_no_region", map[string]any{"Code": *region}))
		return bad(nil)
	}
	if err != nil {
		log.Error("export failed", "error", err)
		return 1
	}
	p := ledger.Params{FiguresParams: store.FiguresParams{RegionID: id, From: from, To: to}, Region: name, Lang: *lang,
		T: func(id string, data map[string]any) string { return tr.T(*lang, id, data) }}
	n, err := writeLedgerFile(ctx, *out, *format, st, p)
	if err != nil {
		log.Error("export failed", "error", err)
		return 1
	}
	fmt.Fprintln(stdout, tr.T(*lang, "ledger_written", map[string]any{"File": *out, "Rows": n, "Region": name,
		"From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly)}))
	return 0
}

// exportPeriod is the span of days [from, to) the flags give, both days included; without
// them, last month.
func exportPeriod(fromS, toS string, now time.Time, loc *time.Location) (time.Time, time.Time, error) {
	if fromS == "" && toS == "" {
		l := now.In(loc)
		month := time.Date(l.Year(), l.Month(), 1, 0, 0, 0, 0, loc)
		return month.AddDate(0, -1, 0), month, nil
	}
	from, err1 := time.ParseInLocation(time.DateOnly, fromS, loc)
	last, err2 := time.ParseInLocation(time.DateOnly, toS, loc)
	if err1 != nil || err2 != nil || last.Before(from) {
		return time.Time{}, time.Time{}, fmt.Errorf("--from %q --to %q", fromS, toS)
	}
	return from, last.AddDate(0, 0, 1), nil
}

// writeLedgerFile writes the ledger into a new file, which it removes when it fails.
func writeLedgerFile(ctx context.Context, name, format string, st *store.Store, p ledger.Params) (n int, err error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return 0, err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	if format == "csv" {
		return ledger.WriteCSV(ctx, f, st, p)
	}
	return ledger.WriteXLSX(ctx, f, st, p)
}
