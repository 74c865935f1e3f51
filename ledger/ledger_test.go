package ledger_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"image/color"
	"image/png"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/charts"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/intake"
	"github.com/bangban/bangban/ledger"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(storetest.Main(m)) }

var november = store.FiguresParams{From: time.Date(2026, 11, 1, 0, 0, 0, 0, shanghai), To: time.Date(2026, 12, 1, 0, 0, 0, 0, shanghai)}

var shanghai, _ = time.LoadLocation("Asia/Shanghai")

// novemberOfTheDemoCounty is the demo county with a month of cases: filed for units in its
// townships and at the county itself, through each step (assigned, signed for or handed
// back, progress, resolved, rated), one filed in October and one in December left out.
func novemberOfTheDemoCounty(t testing.TB) (*store.Store, int64) {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 10, 30, 10, 0, 0, 0, shanghai)
	s := storetest.NewStore(t, store.Options{Now: func() time.Time { return now }})
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	ids := func(sql string) []int64 {
		rows, _ := s.Pool().Query(ctx, sql)
		v, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil || len(v) == 0 {
			t.Fatalf("%s: %v", sql, err)
		}
		return v
	}
	office := ids("SELECT id FROM people WHERE code = 'P017'")[0]
	handlers := ids("SELECT id FROM people WHERE code BETWEEN 'P001' AND 'P016' ORDER BY code")
	county := ids("SELECT id FROM regions WHERE code = 'HQ-YL'")[0]
	cats := ids("SELECT id FROM categories WHERE unit_kind = 'enterprise' ORDER BY position")
	rows, _ := s.Pool().Query(ctx, `SELECT u.id, u.region_id, r.person_id FROM units u
		JOIN person_roles r ON r.unit_id = u.id AND r.role = 'reporter' WHERE u.kind = 'enterprise' ORDER BY u.code`)
	type unit struct{ id, region, reporter int64 }
	var units []unit
	for rows.Next() {
		var u unit
		if err := rows.Scan(&u.id, &u.region, &u.reporter); err != nil {
			t.Fatal(err)
		}
		units = append(units, u)
	}
	file := func(i int) string {
		u := units[i%len(units)]
		p := store.SubmitParams{RegionID: u.region, UnitID: &u.id, ReporterID: &u.reporter, CategoryID: &cats[i%len(cats)],
			Description: "厂区道路积水，货车无法进出 " + strconv.Itoa(i), Urgent: i%5 == 0}
		if i%7 == 3 {
			p.RegionID = county
		}
		c, err := s.Submit(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		return c.TicketNo
	}
	must := func(_ store.Case, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	file(0) // October's
	for i := 1; i <= 24; i++ {
		now = time.Date(2026, 11, i, 9, 30, 0, 0, shanghai)
		no := file(i)
		if i%6 == 0 {
			continue // waits in triage
		}
		h := handlers[i%len(handlers)]
		office, handler := store.ActParams{Ticket: no, ActorID: office, Note: "请办理"}, store.ActParams{Ticket: no, ActorID: h, Note: "正在办理"}
		must(s.Assign(ctx, store.AssignParams{ActParams: office, AssigneeID: h}))
		now = now.Add(time.Duration(4+i*2) * time.Hour) // the later ones sign for it late
		if i%8 == 1 {
			must(s.HandBack(ctx, handler))
			continue
		}
		must(s.Sign(ctx, handler))
		if i%4 == 2 {
			continue
		}
		now = now.Add(24 * time.Hour)
		must(s.Progress(ctx, handler))
		now = now.Add(time.Duration(i) * 12 * time.Hour)
		must(s.Resolve(ctx, handler))
		if i%3 == 0 {
			continue
		}
		now = now.Add(time.Hour)
		c, err := s.CaseByTicket(ctx, no)
		if err != nil {
			t.Fatal(err)
		}
		must(s.Feedback(ctx, store.FeedbackParams{ActParams: store.ActParams{Ticket: no, ActorID: *c.ReporterID},
			Solved: i%5 != 0, Satisfaction: []string{store.Satisfied, store.BasicSatisfied, store.Unsatisfied}[(i/2)%3]}))
	}
	now = time.Date(2026, 12, 2, 9, 0, 0, 0, shanghai)
	file(99) // December's
	return s, county
}

func translate(t testing.TB, lang string) ledger.Translate {
	tr, err := dialog.NewTranslator(lang)
	if err != nil {
		t.Fatal(err)
	}
	return func(id string, data map[string]any) string { return tr.T(lang, id, data) }
}

// The workbook of a month, in Chinese and in English: a report sheet whose cases found are
// the figures' and the ledger's rows; the ledger with its headers in the reader's language,
// one row a case filed in the month, its header frozen, a filter on every column and its
// dates as dates; and one sheet per sub-region whose rows add up to the ledger's. The
// report sheet shows the two charts as pictures.
func TestWorkbookOfAMonth(t *testing.T) {
	t.Parallel()
	s, county := novemberOfTheDemoCounty(t)
	ctx := context.Background()
	p := november
	p.RegionID = county
	f, err := s.Figures(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if f.Found != 24 {
		t.Fatalf("the month holds %d cases found", f.Found)
	}
	for _, tc := range []struct {
		lang, summary, sheet, ticket, filed, self string
	}{
		{"zh-CN", "月报告", "问题台账", "问题编号", "受理时间", "云岭县本级"},
		{"en", "Report", "Ledger", "Ticket", "Filed", "云岭县 itself"},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			var buf bytes.Buffer
			tr, err := dialog.NewTranslator(tc.lang)
			if err != nil {
				t.Fatal(err)
			}
			n, err := ledger.WriteXLSX(ctx, &buf, s, conversations.MonthlyParams(ctx, tr, tc.lang, s, county, "云岭县", p.From, p.To))
			if err != nil {
				t.Fatal(err)
			}
			x, err := excelize.OpenReader(&buf)
			if err != nil {
				t.Fatal(err)
			}
			defer x.Close()
			sheets := x.GetSheetList()
			var subs []string
			for _, r := range f.BySubRegion {
				if r.Found > 0 {
					name := r.Name
					if r.Self {
						name = tc.self
					}
					subs = append(subs, name)
				}
			}
			if want := append([]string{tc.summary, tc.sheet}, subs...); !slices.Equal(sheets, want) || len(subs) < 3 {
				t.Fatalf("sheets %q, want %q", sheets, want)
			}
			found, err := x.GetCellValue(tc.summary, ledger.SummaryFoundCell)
			if err != nil {
				t.Fatal(err)
			}
			rows, err := x.GetRows(tc.sheet)
			if err != nil {
				t.Fatal(err)
			}
			if found != strconv.Itoa(f.Found) || n != f.Found || len(rows)-1 != f.Found {
				t.Fatalf("report's found %s, figures' %d, written %d, ledger rows %d", found, f.Found, n, len(rows)-1)
			}
			if rows[0][0] != tc.ticket || rows[0][10] != tc.filed {
				t.Fatalf("headers %q", rows[0])
			}
			// Every rate is shown with its definition.
			def, _ := x.GetCellValue(tc.summary, "D21")
			if rate, _ := x.GetCellValue(tc.summary, "A21"); rate != translate(t, tc.lang)("rate_response", nil) ||
				def != translate(t, tc.lang)("rate_response_def", nil) {
				t.Fatalf("the response rate's line: %q, %q", rate, def)
			}

			// The report sheet shows the two charts, the weeks' trend and the sub-regions,
			// right of the figures: each a PNG of the charts' size, not one colour.
			for _, cell := range []string{"F2", "F20"} {
				pics, err := x.GetPictures(tc.summary, cell)
				if err != nil || len(pics) != 1 || pics[0].Extension != ".png" {
					t.Fatalf("pictures at %s: %d (%v)", cell, len(pics), err)
				}
				img, err := png.Decode(bytes.NewReader(pics[0].File))
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != charts.Width || b.Dy() != charts.Height {
					t.Fatalf("the chart at %s is %dx%d", cell, b.Dx(), b.Dy())
				}
				colours := map[color.Color]bool{}
				for y := 0; y < charts.Height; y += 7 {
					for x := 0; x < charts.Width; x += 7 {
						colours[img.At(x, y)] = true
					}
				}
				if len(colours) < 3 {
					t.Fatalf("the chart at %s is blank: %d colours", cell, len(colours))
				}
			}

			// The filing date is a date: a number with a date format, shown as the day.
			typ, _ := x.GetCellType(tc.sheet, "K2")
			raw, _ := x.GetCellValue(tc.sheet, "K2", excelize.Options{RawCellValue: true})
			shown, _ := x.GetCellValue(tc.sheet, "K2")
			style, _ := x.GetCellStyle(tc.sheet, "K2")
			st, err := x.GetStyle(style)
			if err != nil {
				t.Fatal(err)
			}
			serial, err := strconv.ParseFloat(raw, 64)
			if err != nil || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString ||
				st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd hh:mm" || shown != "2026-11-01 09:30" {
				t.Fatalf("K2: type %v, raw %q, shown %q, format %v", typ, raw, shown, st.CustomNumFmt)
			}
			if when, _ := excelize.ExcelDateToTime(serial, false); when.Format("2006-01-02 15:04") != "2026-11-01 09:30" {
				t.Fatalf("K2 is %s", when)
			}

			for _, name := range append([]string{tc.sheet}, subs...) {
				panes, err := x.GetPanes(name)
				if err != nil || !panes.Freeze || panes.YSplit != 1 {
					t.Fatalf("%s: panes %+v %v", name, panes, err)
				}
				tables, err := x.GetTables(name)
				if err != nil || len(tables) != 1 || !strings.HasPrefix(tables[0].Range, "A1:Y") {
					t.Fatalf("%s: tables %+v %v", name, tables, err)
				}
				if w, _ := x.GetColWidth(name, "A"); w < 17 {
					t.Fatalf("%s: the ticket's column is %v wide", name, w)
				}
			}
			sum := 0
			for i, name := range subs {
				rs, err := x.GetRows(name)
				if err != nil {
					t.Fatal(err)
				}
				if len(rs)-1 != f.BySubRegion[i].Found || !slices.Equal(rs[0], rows[0]) {
					t.Fatalf("%s: %d rows, found %d", name, len(rs)-1, f.BySubRegion[i].Found)
				}
				sum += len(rs) - 1
			}
			if sum != f.Found {
				t.Fatalf("the sub-regions' sheets hold %d rows, the ledger %d", sum, f.Found)
			}
		})
	}
}

// The CSV of a month is the workbook's ledger, row for row and cell for cell, dates shown
// alike; and every limit outcome, status and answer comes out in words.
func TestCSVIsTheWorkbooksLedger(t *testing.T) {
	t.Parallel()
	s, _ := novemberOfTheDemoCounty(t)
	ctx := context.Background()
	for _, lang := range []string{"zh-CN", "en"} {
		params := ledger.Params{FiguresParams: november, Region: "云岭", Lang: lang, T: translate(t, lang)}
		var xb, cb bytes.Buffer
		if _, err := ledger.WriteXLSX(ctx, &xb, s, params); err != nil {
			t.Fatal(err)
		}
		n, err := ledger.WriteCSV(ctx, &cb, s, params)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(cb.Bytes(), []byte("\ufeff")) {
			t.Fatal("the CSV has no byte order mark")
		}
		got, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(cb.Bytes(), []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		x, err := excelize.OpenReader(&xb)
		if err != nil {
			t.Fatal(err)
		}
		want, err := x.GetRows(x.GetSheetList()[1])
		x.Close()
		if err != nil {
			t.Fatal(err)
		}
		if n != 24 || len(got) != 25 || len(want) != 25 {
			t.Fatalf("%s: %d rows written, %d in the CSV, %d in the workbook", lang, n, len(got), len(want))
		}
		words := map[string]bool{}
		for i := range got {
			row := got[i]
			for len(row) > 0 && row[len(row)-1] == "" {
				row = row[:len(row)-1] // the workbook has no cell where there is nothing
			}
			if !slices.Equal(row, want[i]) {
				t.Fatalf("%s, row %d:\n csv  %q\n xlsx %q", lang, i, row, want[i])
			}
			if i > 0 {
				words[got[i][8]], words[got[i][16]], words[got[i][18]], words[got[i][24]] = true, true, true, true
			}
		}
		tr := translate(t, lang)
		for _, id := range []string{"ledger_status_closed", "ledger_status_submitted", "ledger_limit_met", "ledger_limit_missed", "sat_satisfied"} {
			if !words[tr(id, nil)] {
				t.Fatalf("%s: no cell says %q: %v", lang, tr(id, nil), words)
			}
		}
	}
}

// A monthly workbook larger than a chat takes is sent as its report sheet alone, under a
// caption that says how large the whole was and what the limit is; one within the limit
// goes whole.
func TestAMonthlyWorkbookTooLargeGoesAsItsReport(t *testing.T) {
	t.Parallel()
	s, county := novemberOfTheDemoCounty(t)
	ctx := context.Background()
	for _, lang := range dialog.Languages {
		tr, err := dialog.NewTranslator(lang)
		if err != nil {
			t.Fatal(err)
		}
		whole, err := conversations.MonthlyReport(ctx, tr, lang, s, county, november.From, 0)
		if err != nil {
			t.Fatal(err)
		}
		size := len(whole.Document.Data)
		if whole.MessageID != conversations.MsgMonthlyCaption || whole.Data["Rows"] != 24 || sheetsOf(t, whole.Document.Data) < 3 {
			t.Fatalf("%s: within the limit, %s with %v", lang, whole.MessageID, whole.Data)
		}
		// Well under the whole workbook (whose size varies by some bytes from one making to
		// the next): too large.
		r, err := conversations.MonthlyReport(ctx, tr, lang, s, county, november.From, size*9/10)
		if err != nil {
			t.Fatal(err)
		}
		if r.MessageID != conversations.MsgMonthlyTooLarge || r.Data["Rows"] != 24 || len(r.Document.Data) >= size ||
			r.Document.Name == whole.Document.Name || !strings.HasSuffix(r.Document.Name, ".xlsx") {
			t.Fatalf("%s: over the limit, %s with %v, %s of %d bytes of %d", lang, r.MessageID, r.Data, r.Document.Name, len(r.Document.Data), size)
		}
		if n := sheetsOf(t, r.Document.Data); n != 1 {
			t.Fatalf("%s: the report alone has %d sheets", lang, n)
		}
		x, err := excelize.OpenReader(bytes.NewReader(r.Document.Data))
		if err != nil {
			t.Fatal(err)
		}
		found, _ := x.GetCellValue(x.GetSheetList()[0], ledger.SummaryFoundCell)
		pics, _ := x.GetPictures(x.GetSheetList()[0], "F2")
		x.Close()
		if found != "24" || len(pics) != 1 {
			t.Fatalf("%s: the report alone shows %s found and %d charts at F2", lang, found, len(pics))
		}
		caption := tr.T(lang, r.MessageID, r.Data)
		if want := fmt.Sprintf("%.1f", float64(size)/(1<<20)); !strings.Contains(caption, want) || !strings.Contains(caption, "24") {
			t.Fatalf("%s: the caption does not give the size %s: %s", lang, want, caption)
		}
		if n := intake.Len(caption); n > dialog.MaxCaption {
			t.Fatalf("%s: the caption is %d units long", lang, n)
		}
		// Nor does a report sheet alone over the limit go.
		if _, err := conversations.MonthlyReport(ctx, tr, lang, s, county, november.From, 100); err == nil {
			t.Fatalf("%s: a report over a limit of 100 bytes was made", lang)
		}
	}
}

// sheetsOf is how many sheets a workbook has.
func sheetsOf(t *testing.T, data []byte) int {
	t.Helper()
	x, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	return len(x.GetSheetList())
}
