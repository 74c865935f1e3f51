package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// `bangban report week` writes the bulletin of the week of a day as offices get it (its text,
// with the cases found, and its two charts as PNGs); `bangban report month` the monthly
// workbook, its ledger the cases filed and its report sheet with the charts. A kind it does
// not know or a week the days do not make is status 2 and the usage line; a file already
// there is not overwritten.
func TestReportWritesTheBulletinAndTheWorkbook(t *testing.T) {
	t.Parallel()
	env, st := demoWithCases(t, "zh-CN", "厂区变压器容量不足，新生产线无法投产", "园区道路破损，大货车无法通行")
	var out, errs bytes.Buffer
	day := st.Day(time.Now())
	monday := st.Monday(day)
	dir := filepath.Join(t.TempDir(), "reports")
	if code := run([]string{"report", "week", "--region", "HQ-YL", "--from", day.Format(time.DateOnly), "--out", dir}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("report week: %d %s", code, errs.String())
	}
	base := filepath.Join(dir, "云岭县-"+monday.Format(time.DateOnly)+"-week")
	text, err := os.ReadFile(base + ".txt")
	if err != nil {
		t.Fatalf("%v; printed %q", err, out.String())
	}
	for _, want := range []string{"云岭县 周通报 " + monday.Format(time.DateOnly), "发现问题 2（+2）", "近8周", "(云岭县-" + monday.Format(time.DateOnly) + "-week-1.png)"} {
		if !strings.Contains(string(text), want) {
			t.Fatalf("the bulletin's text lacks %q:\n%s", want, text)
		}
	}
	for _, n := range []string{"1", "2"} {
		f, err := os.Open(base + "-" + n + ".png")
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatalf("chart %s: %v", n, err)
		}
	}

	out.Reset()
	if code := run([]string{"report", "month", "--lang", "en", "--from", day.Format(time.DateOnly), "--to", day.Format(time.DateOnly), "--out", dir}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("report month: %d %s", code, errs.String())
	}
	book := filepath.Join(dir, "河清市-"+day.Format(time.DateOnly)+"-"+day.Format(time.DateOnly)+".xlsx")
	if !strings.Contains(out.String(), book) {
		t.Fatalf("report month printed %q", out.String())
	}
	x, err := excelize.OpenFile(book)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	rows, err := x.GetRows("Ledger")
	if err != nil || len(rows) != 3 || rows[0][0] != "Ticket" {
		t.Fatalf("the ledger %q (%v)", rows, err)
	}
	if pics, err := x.GetPictures("Report", "F2"); err != nil || len(pics) != 1 {
		t.Fatalf("the report sheet's chart: %d (%v)", len(pics), err)
	}

	for _, args := range [][]string{
		{"year", "--out", dir},
		{"--out", dir},
		{"week", "--from", "2026-11-23", "--to", "2026-12-01", "--out", dir},
		{"month", "--from", "2026-11-30", "--to", "2026-11-01", "--out", dir},
		{"week"},
	} {
		errs.Reset()
		if code := run(append([]string{"report"}, args...), env, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), "用法：bangban report") {
			t.Errorf("report %q: %d %q", args, code, errs.String())
		}
	}
	before, _ := os.ReadFile(base + ".txt")
	if code := run([]string{"report", "week", "--region", "HQ-YL", "--from", day.Format(time.DateOnly), "--out", dir}, env, nil, &out, &errs); code != 1 {
		t.Fatalf("the same bulletin again: %d", code)
	}
	if after, _ := os.ReadFile(base + ".txt"); !bytes.Equal(before, after) {
		t.Fatal("an existing file was overwritten")
	}
}
