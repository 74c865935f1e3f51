package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// importOrg is `bangban import [--dry-run] FILE...` and `bangban import --template FILE`.
// Everything it prints is in BANGBAN_LANG.
func importOrg(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dry := fs.Bool("dry-run", false, "check and report everything, change nothing")
	template := fs.String("template", "", "write an empty workbook with every sheet and header to this file, and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	tr, err := dialog.NewTranslator(cfg.Lang)
	if err != nil {
		fmt.Fprintf(stderr, "bangban import: %v\n", err)
		return 1
	}
	if *template != "" {
		if err := writeTemplate(*template); err != nil {
			fmt.Fprintf(stderr, "bangban import: %v\n", err)
			return 1
		}
		fmt.Fprintln(stdout, tr.T(cfg.Lang, "import_template_written", map[string]any{"File": *template}))
		return 0
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: bangban import [--dry-run] FILE.xlsx|FILE.csv ... | bangban import --template FILE.xlsx")
		return 2
	}
	return loadOrg(ctx, cfg, tr, orgfile.ReadFiles(fs.Args()...), *dry, stdout, stderr)
}

func writeTemplate(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("write template: %w", err)
	}
	if err := orgfile.WriteTemplate(f); err != nil {
		f.Close()
		return fmt.Errorf("write template %s: %w", path, err)
	}
	return f.Close()
}

// seedDemo is `bangban seed-demo`: the demo county, loaded like any import.
func seedDemo(ctx context.Context, cfg Config, stdout, stderr io.Writer) int {
	tr, err := dialog.NewTranslator(cfg.Lang)
	if err != nil {
		fmt.Fprintf(stderr, "bangban seed-demo: %v\n", err)
		return 1
	}
	return loadOrg(ctx, cfg, tr, orgfile.ReadDemo(), false, stdout, stderr)
}

func loadOrg(ctx context.Context, cfg Config, tr *dialog.Translator, res orgfile.Result, dry bool, stdout, stderr io.Writer) int {
	lang := cfg.Lang
	log := newLogger(cfg, stderr)
	probs := res.Problems
	var rep store.ImportReport
	if len(res.Problems) == 0 || dry {
		pool, err := openMigrated(ctx, cfg, log)
		if err != nil {
			log.Error("import failed", "error", err)
			return 1
		}
		defer pool.Close()
		st, err := store.New(pool, store.Options{Location: cfg.Location, TicketPrefix: cfg.TicketPrefix})
		if err != nil {
			log.Error("import failed", "error", err)
			return 1
		}
		// With problems in the files a dry run still checks the rest against the database.
		var more []store.Problem
		rep, more, err = st.ImportOrg(ctx, res.Data, dry || len(probs) > 0)
		if err != nil && !errors.Is(err, store.ErrImportProblems) {
			log.Error("import failed", "error", err)
			return 1
		}
		probs = append(probs, more...)
	}
	if len(probs) > 0 {
		for _, p := range probs {
			fmt.Fprintln(stdout, problemLine(tr, lang, p))
		}
		fmt.Fprintln(stdout, tr.T(lang, "import_found_problems", map[string]any{"Count": len(probs)}))
		return 1
	}
	for _, sh := range orgfile.Sheets {
		if c := rep.Counts[sh.Key]; c != nil {
			fmt.Fprintln(stdout, tr.T(lang, "import_summary_line", map[string]any{"Sheet": sheetLabel(sh, lang),
				"Created": c.Created, "Updated": c.Updated, "Unchanged": c.Unchanged}))
		}
	}
	if len(rep.Updated) > 0 {
		fmt.Fprintln(stdout, tr.T(lang, "import_updated", map[string]any{"What": strings.Join(rep.Updated, ", ")}))
	}
	if dry {
		fmt.Fprintln(stdout, tr.T(lang, "import_dry_run", nil))
	} else {
		fmt.Fprintln(stdout, tr.T(lang, "import_done", nil))
	}
	return 0
}

func sheetLabel(sh orgfile.Sheet, lang string) string {
	if lang == dialog.LangEN {
		return sh.EN
	}
	return sh.ZH
}

// problemLine renders one problem: where it is (file, sheet, row, column in the reader's
// language), then what is wrong.
func problemLine(tr *dialog.Translator, lang string, p store.Problem) string {
	sheet, column := p.Sheet, p.Column
	for _, sh := range orgfile.Sheets {
		if sh.Key != p.Sheet {
			continue
		}
		sheet = sheetLabel(sh, lang)
		for _, c := range sh.Columns {
			if c.Key == p.Column {
				column = c.ZH
				if lang == dialog.LangEN {
					column = c.EN
				}
			}
		}
	}
	where := tr.T(lang, "import_where", map[string]any{"File": p.File, "Sheet": sheet, "Row": p.Row, "Column": column})
	if p.Row == 0 {
		where = strings.TrimSpace(p.File + " " + sheet + " " + column)
	}
	return tr.T(lang, "import_problem", map[string]any{"Where": strings.Join(strings.Fields(where), " "),
		"Message": tr.T(lang, p.Code, map[string]any{"Value": p.Value})})
}
