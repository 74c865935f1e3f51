package ledger

import (
	"archive/zip"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/flate"
	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/store"
)

// WriteXLSX writes the monthly report of p to w as a workbook and returns how many rows its
// ledger has (none with p.ReportOnly, which writes the report sheet alone):
//
//   - the report: the figures of the region and the period (store.Figures), each rate with
//     its one-line definition, as /stats shows them, and the charts p.Charts draws of them;
//   - the ledger (问题台账): one row a case filed in the period, as store.Ledger gives them;
//   - one sheet per sub-region (its own cases, on a sheet named "… itself"), with its rows.
//
// Each ledger sheet has its header row frozen, a filter on every column, widths that fit
// and its dates as dates. Every sheet is written through excelize's streaming writer, which
// keeps a sheet on disk once it grows, so memory stays flat however many rows there are.
func WriteXLSX(ctx context.Context, w io.Writer, st *store.Store, p Params) (int, error) {
	f, err := st.Figures(ctx, p.FiguresParams)
	if err != nil {
		return 0, err
	}
	b, err := newBook(p, st.Location())
	if err != nil {
		return 0, err
	}
	defer b.x.Close()
	if err := b.summary(f); err != nil {
		return 0, err
	}
	if p.ReportOnly {
		if err := b.x.Write(w); err != nil {
			return 0, fmt.Errorf("write the workbook: %w", err)
		}
		return 0, nil
	}
	main, err := b.sheet(p.T("ledger_sheet_ledger", nil))
	if err != nil {
		return 0, err
	}
	subs := map[string]*sheet{}
	sub := func(code, name string, self bool) (*sheet, error) {
		if s, ok := subs[code]; ok {
			return s, nil
		}
		if self {
			name = p.T("ledger_self", map[string]any{"Name": name})
		}
		s, err := b.sheet(name)
		subs[code] = s
		return s, err
	}
	// The sub-regions' sheets in the order of the figures' lines; one the figures did not
	// see (a case filed between the two queries) is added when its first row comes.
	for _, r := range f.BySubRegion {
		if r.Found > 0 {
			if _, err := sub(r.Key, r.Name, r.Self); err != nil {
				return 0, err
			}
		}
	}
	wd := newWords(p)
	vals := make([]any, len(columns))
	n := 0
	// The rows filed by the figures' now, which are the cases they found.
	err = st.Ledger(ctx, store.LedgerParams{FiguresParams: p.FiguresParams, FiledBefore: f.Now}, func(r store.LedgerRow) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for i, c := range columns {
			vals[i] = b.cell(c.value(&r, wd))
		}
		s, err := sub(r.SubRegionCode, r.SubRegion, r.SubRegionSelf)
		if err != nil {
			return err
		}
		if err := main.add(vals); err != nil {
			return err
		}
		n++
		return s.add(vals)
	})
	if err != nil {
		return n, err
	}
	for _, s := range b.sheets {
		if err := s.finish(); err != nil {
			return n, err
		}
	}
	if err := b.x.Write(w); err != nil {
		return n, fmt.Errorf("write the workbook: %w", err)
	}
	return n, nil
}

// book is a workbook being written: its styles and its ledger sheets.
type book struct {
	x      *excelize.File
	p      Params
	loc    *time.Location
	names  map[string]bool // the sheets' names, in lower case
	sheets []*sheet

	header, title, date, percent int
}

func newBook(p Params, loc *time.Location) (*book, error) {
	b := &book{x: excelize.NewFile(), p: p, loc: loc, names: map[string]bool{}}
	// The fastest deflate: compressing took a third of a city's month at the default level,
	// for a file a little smaller; and klauspost's at that level, about half the time of the
	// standard library's.
	b.x.SetZipWriter(func(w io.Writer) excelize.ZipWriter {
		z := zip.NewWriter(w)
		z.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
		return z
	})
	var err error
	style := func(s *excelize.Style) int {
		id, e := b.x.NewStyle(s)
		if err == nil {
			err = e
		}
		return id
	}
	b.header = style(&excelize.Style{Font: &excelize.Font{Bold: true},
		Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	b.title = style(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}})
	b.date = style(&excelize.Style{CustomNumFmt: ptr(excelFormat)})
	b.percent = style(&excelize.Style{NumFmt: 10}) // 0.00%
	if err != nil {
		b.x.Close()
		return nil, fmt.Errorf("workbook styles: %w", err)
	}
	return b, nil
}

func ptr[T any](v T) *T { return &v }

// cell is a ledger value as the streaming writer takes it: a date with the date style; no
// date, and no text, as no cell (which reads back as "", and costs nothing to write).
func (b *book) cell(v any) any {
	switch v := v.(type) {
	case *time.Time:
		if v == nil {
			return nil
		}
		return excelize.Cell{StyleID: b.date, Value: v.In(b.loc)}
	case string:
		if v == "" {
			return nil
		}
	}
	return v
}

// name makes a sheet's name Excel takes: none of []:*?/\, at most 31 characters, unlike
// every other sheet's.
func (b *book) name(s string) string {
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return '_'
		}
		return r
	}, strings.Trim(strings.TrimSpace(s), "'"))
	if s == "" {
		s = "-"
	}
	clip := func(s string, n int) string {
		if r := []rune(s); len(r) > n {
			return string(r[:n])
		}
		return s
	}
	name := clip(s, 31)
	for i := 2; b.names[strings.ToLower(name)]; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		name = clip(s, 31-len(suffix)) + suffix
	}
	b.names[strings.ToLower(name)] = true
	return name
}

// summary writes the report sheet: the title, then each figure with its value, its parts and
// its definition.
func (b *book) summary(f store.Figures) error {
	t := b.p.T
	name := b.name(t("ledger_sheet_summary", nil))
	if err := b.x.SetSheetName(b.x.GetSheetName(0), name); err != nil {
		return err
	}
	// The charts go in before the sheet is streamed: the streaming writer keeps the drawing
	// the sheet has when it starts, and takes none after.
	if err := b.charts(f); err != nil {
		return err
	}
	sw, err := b.x.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for col, width := range []float64{26, 12, 12, 70} {
		if err := sw.SetColWidth(col+1, col+1, width); err != nil {
			return err
		}
	}
	title := t("ledger_title", map[string]any{"Region": b.p.Region, "From": f.From.Format(time.DateOnly),
		"To": f.To.AddDate(0, 0, -1).Format(time.DateOnly)})
	made := t("ledger_made", map[string]any{"Now": f.Now.In(b.loc).Format(dateFormat)})
	lines := [][]any{
		{excelize.Cell{StyleID: b.title, Value: title}},
		{made},
		nil,
		{excelize.Cell{StyleID: b.header, Value: t("ledger_col_figure", nil)}, excelize.Cell{StyleID: b.header, Value: t("ledger_col_value", nil)},
			excelize.Cell{StyleID: b.header, Value: t("ledger_col_parts", nil)}, excelize.Cell{StyleID: b.header, Value: t("ledger_col_definition", nil)}},
	}
	count := func(id string, v int, def string) {
		line := []any{t(id, nil), v}
		if def != "" {
			line = append(line, nil, t(def, nil))
		}
		lines = append(lines, line)
	}
	count("figure_found", f.Found, "figure_found_def")
	count("figure_assigned", f.Assigned, "")
	count("figure_signed", f.Signed, "")
	count("figure_resolved", f.Resolved, "")
	count("figure_closed", f.Closed, "")
	count("figure_rejected", f.Rejected, "")
	count("figure_merged", f.Merged, "")
	count("figure_handed_back", f.HandedBack, "")
	count("figure_rehandled", f.Rehandled, "")
	count("figure_open", f.Open(), "figure_open_def")
	count("figure_open_submitted", f.OpenSubmitted, "")
	count("figure_open_assigned", f.OpenAssigned, "")
	count("figure_open_in_progress", f.OpenInProgress, "")
	count("figure_open_resolved", f.OpenResolved, "")
	count("figure_overdue", f.Overdue, "figure_overdue_def")
	lines = append(lines, nil)
	for _, r := range []struct {
		id   string
		rate store.Rate
	}{{"rate_response", f.Response()}, {"rate_on_time", f.OnTimeResolution()}, {"rate_solution", f.Solution()},
		{"rate_satisfaction", f.Satisfaction()}, {"rate_rehandle", f.RehandleRate()}, {"rate_hand_back", f.HandBackRate()}} {
		var value any = "—"
		if r.rate.Defined() {
			value = excelize.Cell{StyleID: b.percent, Value: float64(r.rate.Num) / float64(r.rate.Den)}
		}
		lines = append(lines, []any{t(r.id, nil), value, fmt.Sprintf("%d/%d", r.rate.Num, r.rate.Den), t(r.id+"_def", nil)})
	}
	for i, l := range lines {
		if l == nil {
			continue
		}
		if err := sw.SetRow(fmt.Sprintf("A%d", i+1), l); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// chartScale is the size the charts are shown at on the report sheet, of their own.
const chartScale = 0.6

// charts puts the pictures p.Charts draws on the report sheet, right of the figures, one
// under the other.
func (b *book) charts(f store.Figures) error {
	if b.p.Charts == nil {
		return nil
	}
	pics, err := b.p.Charts(f)
	if err != nil {
		return fmt.Errorf("the report's charts: %w", err)
	}
	sheet := b.x.GetSheetName(0)
	for i, png := range pics {
		// A row is 20 pixels high by default: each chart takes 18 rows at this scale.
		cell := fmt.Sprintf("F%d", 2+i*18)
		if err := b.x.AddPictureFromBytes(sheet, cell, &excelize.Picture{Extension: ".png", File: png,
			Format: &excelize.GraphicOptions{ScaleX: chartScale, ScaleY: chartScale, LockAspectRatio: true}}); err != nil {
			return fmt.Errorf("the report's chart %d: %w", i+1, err)
		}
	}
	return nil
}

// SummaryFoundCell is the cell of the report sheet that holds the cases found.
const SummaryFoundCell = "B5"

// sheet is a ledger sheet being streamed: the whole ledger's, or a sub-region's.
type sheet struct {
	sw    *excelize.StreamWriter
	table string
	rows  int
}

// sheet starts a ledger sheet: its header row frozen, its columns as wide as their header
// or their widest ordinary value.
func (b *book) sheet(name string) (*sheet, error) {
	name = b.name(name)
	if _, err := b.x.NewSheet(name); err != nil {
		return nil, err
	}
	sw, err := b.x.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	s := &sheet{sw: sw, table: fmt.Sprintf("ledger%d", len(b.sheets)+1)}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return nil, err
	}
	hs := headers(b.p.T)
	row := make([]any, len(hs))
	for i, h := range hs {
		// The filter's button takes about two characters of the header's cell.
		width := max(columns[i].width, displayWidth(h)+2) + 1
		if err := sw.SetColWidth(i+1, i+1, float64(width)); err != nil {
			return nil, err
		}
		row[i] = excelize.Cell{StyleID: b.header, Value: h}
	}
	if err := sw.SetRow("A1", row); err != nil {
		return nil, err
	}
	b.sheets = append(b.sheets, s)
	return s, nil
}

func (s *sheet) add(vals []any) error {
	s.rows++
	cell, err := excelize.CoordinatesToCellName(1, s.rows+1)
	if err != nil {
		return err
	}
	return s.sw.SetRow(cell, vals)
}

// finish puts a filter on every column, as a table over the rows, and ends the sheet.
func (s *sheet) finish() error {
	last, err := excelize.CoordinatesToCellName(len(columns), max(s.rows, 1)+1)
	if err != nil {
		return err
	}
	if err := s.sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: s.table, StyleName: "TableStyleLight1",
		ShowRowStripes: ptr(true)}); err != nil {
		return fmt.Errorf("the filter of %s: %w", s.sw.Sheet, err)
	}
	return s.sw.Flush()
}
