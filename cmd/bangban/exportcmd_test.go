package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// `bangban export` writes the ledger of the cases filed in a period, for a region or the
// whole city, as CSV and as the workbook, with the same rows; a flag it cannot take, a
// region it does not know or a period backwards is status 2 and the usage line in the
// language asked for, and a file that exists is not overwritten.
func TestExportWritesTheLedger(t *testing.T) {
	t.Parallel()
	env, st := demoWithCases(t, "en", "厂区变压器容量不足，新生产线无法投产", "园区道路破损，大货车无法通行", "招工难，急需技术工人三十名")
	var out, errs bytes.Buffer
	day := st.Day(time.Now()).Format(time.DateOnly)
	dir := t.TempDir()
	csvPath, xlsxPath := filepath.Join(dir, "ledger.csv"), filepath.Join(dir, "report.xlsx")
	if code := run([]string{"export", "--format", "csv", "--region", "HQ-YL", "--from", day, "--to", day, "--out", csvPath}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("export csv: %d %s", code, errs.String())
	}
	if !strings.Contains(out.String(), csvPath+": 3 cases filed in 云岭县") {
		t.Fatalf("export printed %q", out.String())
	}
	if code := run([]string{"export", "--format", "xlsx", "--lang", "zh-CN", "--from", day, "--to", day, "--out", xlsxPath}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("export xlsx: %d %s", code, errs.String())
	}
	data, err := os.ReadFile(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	x, err := excelize.OpenFile(xlsxPath)
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet, err := x.GetRows("问题台账")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 || rows[0][0] != "Ticket" || len(sheet) != 4 || sheet[0][0] != "问题编号" {
		t.Fatalf("csv %q\nxlsx %q", rows, sheet)
	}
	for i := 1; i < 4; i++ {
		if rows[i][0] != sheet[i][0] || rows[i][10] != sheet[i][10] {
			t.Fatalf("row %d: csv %q, xlsx %q", i, rows[i], sheet[i])
		}
	}

	for _, tc := range []struct {
		args  []string
		usage string
	}{
		{[]string{"--format", "pdf", "--out", filepath.Join(dir, "a")}, "usage: bangban export"},
		{[]string{"--format", "csv", "--lang", "zh-CN"}, "用法：bangban export"},
		{[]string{"--format", "csv", "--lang", "fr", "--out", filepath.Join(dir, "b")}, "usage: bangban export"},
		{[]string{"--format", "csv", "--from", day, "--out", filepath.Join(dir, "c")}, "usage: bangban export"},
		{[]string{"--format", "csv", "--from", "2026-11-30", "--to", "2026-11-01", "--out", filepath.Join(dir, "d")}, "usage: bangban export"},
		{[]string{"--format", "csv", "--from", "30/11/2026", "--to", "2026-11-01", "--out", filepath.Join(dir, "e")}, "usage: bangban export"},
		{[]string{"--format", "xlsx", "--bogus", "--out", filepath.Join(dir, "f")}, "usage: bangban export"},
		{[]string{"--format", "xlsx", "--out", filepath.Join(dir, "g"), "extra"}, "usage: bangban export"},
		{[]string{"--format", "xlsx", "--region", "NOWHERE", "--lang", "zh-CN", "--out", filepath.Join(dir, "h")}, "没有代码为 NOWHERE 的区域"},
	} {
		errs.Reset()
		if code := run(append([]string{"export"}, tc.args...), env, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), tc.usage) {
			t.Errorf("export %q: %d %q", tc.args, code, errs.String())
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 2 {
		t.Fatalf("refused exports left files: %v", entries)
	}
	before, _ := os.ReadFile(csvPath)
	if code := run([]string{"export", "--format", "csv", "--out", csvPath}, env, nil, &out, &errs); code != 1 {
		t.Fatalf("an existing file: %d", code)
	}
	if after, _ := os.ReadFile(csvPath); !bytes.Equal(before, after) {
		t.Fatal("an existing file was overwritten")
	}
}

// demoWithCases is a database of its own with the demo county and a case of E001 for each
// description, filed now, and the environment of the commands that read it, in lang.
func demoWithCases(t *testing.T, lang string, descs ...string) (func(string) string, *store.Store) {
	t.Helper()
	pool, dbURL := storetest.NewDB(t)
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "BANGBAN_LANG": lang, "LOG_LEVEL": "error"})
	var out, errs bytes.Buffer
	if code := run([]string{"seed-demo"}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("seed-demo: %s", errs.String())
	}
	st, err := store.New(pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	unit, region := storetest.UnitID(t, st, "E001")
	for _, d := range descs {
		if _, err := st.Submit(context.Background(), store.SubmitParams{RegionID: region, UnitID: &unit, Description: d}); err != nil {
			t.Fatal(err)
		}
	}
	return env, st
}
