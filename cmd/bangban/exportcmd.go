package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/bangban/bangban/conversations"
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
	c := newPeriodCommand("export", "ledger_usage", cfg, stderr)
	format := c.fs.String("format", "", "csv (the ledger's rows) or xlsx (the monthly report's workbook)")
	c.out = c.fs.String("out", "", "the file to write; it must not exist yet")
	if code := c.parse(args); code >= 0 {
		return code
	}
	from, to, err := exportPeriod(*c.fromS, *c.toS, time.Now(), cfg.Location)
	switch {
	case err != nil:
		return c.bad(err)
	case *format != "csv" && *format != "xlsx":
		return c.bad(fmt.Errorf("--format %q", *format))
	}
	st, id, name, code := c.open(ctx)
	if st == nil {
		return code
	}
	p := conversations.MonthlyParams(ctx, c.tr, c.lang, st, id, name, from, to)
	n, err := writeLedgerFile(ctx, *c.out, *format, st, p)
	if err != nil {
		c.log.Error("export failed", "error", err)
		return 1
	}
	fmt.Fprintln(stdout, c.tr.T(c.lang, "ledger_written", map[string]any{"File": *c.out, "Rows": n, "Region": name,
		"From": from.Format(time.DateOnly), "To": to.AddDate(0, 0, -1).Format(time.DateOnly)}))
	return 0
}

// periodCommand is what export and report share: the flags of a region, a period, a
// language and where to write, parsed, and the store and region they name.
type periodCommand struct {
	name, usage        string
	cfg                Config
	fs                 *flag.FlagSet
	region, fromS, toS *string
	langS, out         *string
	lang               string
	tr                 *dialog.Translator
	stderr             io.Writer
	log                interface{ Error(string, ...any) }
}

func newPeriodCommand(name, usage string, cfg Config, stderr io.Writer) *periodCommand {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return &periodCommand{name: name, usage: usage, cfg: cfg, fs: fs, stderr: stderr,
		region: fs.String("region", "", "the code of the region, its sub-regions included; the whole city without it"),
		fromS:  fs.String("from", "", "the first day of the period (2026-11-01), in the city's time zone"),
		toS:    fs.String("to", "", "the last day of the period (2026-11-30)"),
		langS:  fs.String("lang", cfg.Lang, "the language of the headers and words: zh-CN or en")}
}

// parse parses args; it returns -1 when they are good, else the status to exit with (the
// usage line shown).
func (c *periodCommand) parse(args []string) int {
	err := c.fs.Parse(args)
	c.lang = *c.langS
	if !dialog.IsLanguage(c.lang) {
		c.lang = c.cfg.Lang
		if err == nil {
			err = fmt.Errorf("--lang %q", *c.langS)
		}
	}
	tr, terr := dialog.NewTranslator(c.lang)
	if terr != nil {
		fmt.Fprintf(c.stderr, "bangban %s: %v\n", c.name, terr)
		return 1
	}
	c.tr = tr
	switch {
	case err != nil:
		return c.bad(err)
	case c.fs.NArg() > 0:
		return c.bad(fmt.Errorf("unexpected %q", c.fs.Args()))
	case *c.out == "":
		return c.bad(errors.New("no --out"))
	}
	return -1
}

// bad shows err, when there is one, and the usage line: status 2.
func (c *periodCommand) bad(err error) int {
	if err != nil {
		fmt.Fprintf(c.stderr, "bangban %s: %v\n", c.name, err)
	}
	fmt.Fprintln(c.stderr, c.tr.T(c.lang, c.usage, nil))
	return 2
}

// open opens the store on the migrated database and finds the region --region names: the
// store, the region's id and name; with no store, the status to exit with.
func (c *periodCommand) open(ctx context.Context) (*store.Store, int64, string, int) {
	log := newLogger(c.cfg, c.stderr)
	c.log = log
	pool, err := openMigrated(ctx, c.cfg, log)
	if err != nil {
		log.Error(c.name+" failed", "error", err)
		return nil, 0, "", 1
	}
	context.AfterFunc(ctx, pool.Close)
	st, err := store.New(pool, store.Options{Location: c.cfg.Location, TicketPrefix: c.cfg.TicketPrefix,
		Limits: c.cfg.Limits, Calendar: c.cfg.Calendar})
	if err != nil {
		log.Error(c.name+" failed", "error", err)
		return nil, 0, "", 1
	}
	id, name, err := st.LedgerRegion(ctx, *c.region)
	if errors.Is(err, store.ErrNotFound) {
		fmt.Fprintln(c.stderr, c.tr.T(c.lang, "ledger_no_region", map[string]any{"Code": *c.region}))
		return nil, 0, "", c.bad(nil)
	}
	if err != nil {
		log.Error(c.name+" failed", "error", err)
		return nil, 0, "", 1
	}
	return st, id, name, 0
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
	err = writeNew(name, func(w io.Writer) error {
		if format == "csv" {
			n, err = ledger.WriteCSV(ctx, w, st, p)
		} else {
			n, err = ledger.WriteXLSX(ctx, w, st, p)
		}
		return err
	})
	return n, err
}

// writeNew writes a file that must not exist yet, and removes it when writing fails.
func writeNew(name string, write func(io.Writer) error) (err error) {
	f, err := os.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			_ = os.Remove(name)
		}
	}()
	return write(f)
}
