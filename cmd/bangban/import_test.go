package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/store/storetest"
)

func TestSeedDemoThenImportAChange(t *testing.T) {
	t.Parallel()
	pool, dbURL := storetest.NewDB(t)
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "BANGBAN_LANG": "en", "LOG_LEVEL": "error"})
	var out, errs bytes.Buffer
	if code := run([]string{"seed-demo"}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("seed-demo: %d\n%s%s", code, out.String(), errs.String())
	}
	if !strings.Contains(out.String(), "units: 37 new, 0 updated, 0 unchanged") || !strings.Contains(out.String(), "Import complete.") {
		t.Fatalf("seed-demo said:\n%s", out.String())
	}
	out.Reset()
	run([]string{"seed-demo"}, env, nil, &out, &errs)
	if !strings.Contains(out.String(), "units: 0 new, 0 updated, 37 unchanged") {
		t.Fatalf("second seed-demo said:\n%s", out.String())
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "units.csv")
	if err := os.WriteFile(file, []byte("编码 code,类型 kind,名称 name,统一社会信用代码 credit code,区域编码 region code\n"+
		"E001,企业,云岭精密机械股份有限公司,91410923MA4000137M,HQ-YL-QS\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"import", "--dry-run", file}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("dry run: %d\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), "units: 0 new, 1 updated, 0 unchanged") || !strings.Contains(out.String(), "Updated: units E001") ||
		!strings.Contains(out.String(), "Dry run") {
		t.Fatalf("dry run said:\n%s", out.String())
	}
	name := func() string {
		var n string
		if err := pool.QueryRow(context.Background(), "SELECT name FROM units WHERE code = 'E001'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if name() != "云岭精密机械有限公司" {
		t.Fatalf("the dry run changed the name to %q", name())
	}
	out.Reset()
	if code := run([]string{"import", file}, env, nil, &out, &errs); code != 0 || name() != "云岭精密机械股份有限公司" {
		t.Fatalf("import: %d, name %q\n%s", code, name(), out.String())
	}
}

func TestImportReportsProblemsInTheChosenLanguage(t *testing.T) {
	t.Parallel()
	_, dbURL := storetest.NewDB(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "单位.csv")
	if err := os.WriteFile(file, []byte("编码 code,类型 kind,名称 name,统一社会信用代码 credit code,区域编码 region code\n"+
		"X1,工厂,某厂,91350100M000100Y44,NOPE\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errs bytes.Buffer
	code := run([]string{"import", file}, envOf(map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error"}), nil, &out, &errs)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	for _, want := range []string{
		"单位.csv 单位 第 2 行 类型：类型“工厂”无法识别",
		"单位.csv 单位 第 2 行 统一社会信用代码：统一社会信用代码“91350100M000100Y44”不正确",
		"发现 2 个问题，没有导入任何数据。",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestImportTemplate(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "template.xlsx")
	var out, errs bytes.Buffer
	if code := run([]string{"import", "--template", file}, envOf(nil), nil, &out, &errs); code != 0 {
		t.Fatalf("%d %s", code, errs.String())
	}
	f, err := excelize.OpenFile(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows("人员 people")
	if len(rows) != 1 || rows[0][0] != "编码 code" || rows[0][5] != "角色 roles" {
		t.Fatalf("people headers %v", rows)
	}
}
