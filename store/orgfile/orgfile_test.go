package orgfile_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

func counts(t *testing.T, s *store.Store) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range []string{"regions", "units", "offices", "people", "person_roles", "links"} {
		var n int
		if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		out[table] = n
	}
	return out
}

func TestImportTheDemoCountyTwice(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	res := orgfile.ReadDemo()
	if len(res.Problems) > 0 {
		t.Fatalf("the demo set has problems: %+v", res.Problems)
	}
	rep, probs, err := s.ImportOrg(ctx, res.Data, false)
	if err != nil || len(probs) > 0 {
		t.Fatalf("import: %v %+v", err, probs)
	}
	want := map[string]int{"regions": 12, "units": 37, "offices": 6, "people": 30, "links": 37}
	for sheet, n := range want {
		if c := rep.Counts[sheet]; c == nil || c.Created != n {
			t.Errorf("%s created %+v, want %d", sheet, c, n)
		}
	}
	first := counts(t, s)
	if first["regions"] != 12 || first["units"] != 37 || first["people"] != 30 || first["person_roles"] != 30 {
		t.Fatalf("after import: %v", first)
	}
	var county, village string
	if err := s.Pool().QueryRow(ctx, `SELECT p.name, r.name FROM regions r JOIN regions p ON p.id = r.parent_id WHERE r.code = 'HQ-YL-QS-QS01'`).Scan(&county, &village); err != nil {
		t.Fatal(err)
	}
	if county != "青石镇" || village != "石门村" {
		t.Fatalf("village's parent %q %q", county, village)
	}

	// The same files again: nothing changes.
	rep, probs, err = s.ImportOrg(ctx, orgfile.ReadDemo().Data, false)
	if err != nil || len(probs) > 0 {
		t.Fatalf("re-import: %v %+v", err, probs)
	}
	for sheet, c := range rep.Counts {
		if c.Created != 0 || c.Updated != 0 {
			t.Errorf("re-import %s: %+v, want all unchanged", sheet, c)
		}
	}
	if again := counts(t, s); fmt.Sprint(again) != fmt.Sprint(first) {
		t.Fatalf("re-import changed the counts: %v → %v", first, again)
	}
}

func TestAChangedFileUpdatesWhatChanged(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	if _, _, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil {
		t.Fatal(err)
	}
	units := "编码 code,类型 kind,名称 name,统一社会信用代码 credit code,区域编码 region code\n" +
		"E001,企业,云岭精密机械股份有限公司,91410923MA4000137M,HQ-YL-QS\n" + // renamed
		"E002,企业,青石建材有限公司,91410923MA40002746,HQ-YL-LH\n" + // as it was
		"E100,enterprise,New Works Ltd,91350100M000100Y43,HQ-YL-DG\n" // new
	res := orgfile.Read(orgfile.File{Name: "units.csv", Data: []byte(units)})
	if len(res.Problems) > 0 {
		t.Fatalf("%+v", res.Problems)
	}
	rep, probs, err := s.ImportOrg(ctx, res.Data, false)
	if err != nil || len(probs) > 0 {
		t.Fatalf("%v %+v", err, probs)
	}
	if c := rep.Counts["units"]; c.Created != 1 || c.Updated != 1 || c.Unchanged != 1 || fmt.Sprint(rep.Updated) != "[units E001]" {
		t.Fatalf("report %+v %v", c, rep.Updated)
	}
	var name string
	s.Pool().QueryRow(ctx, "SELECT name FROM units WHERE code = 'E001'").Scan(&name)
	if name != "云岭精密机械股份有限公司" {
		t.Fatalf("name after update %q", name)
	}
}

// A workbook with many kinds of mistake: each is reported with its sheet, row and column,
// and nothing at all is written — neither by the run nor by a dry run.
func TestEveryProblemIsReportedAndNothingWritten(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	f := excelize.NewFile()
	sheets := map[string][][]any{
		"区域 regions": {
			{"编码 code", "名称 name", "级别 level", "上级编码 parent code"},
			{"C1", "测试市", "市", ""},
			{"A", "甲", "县", "B"}, // A ↔ B: a cycle
			{"B", "乙", "县", "A"},
			{"T1", "某镇", "乡镇", "NOPE"},   // unknown parent
			{"T2", "某乡", "planet", "C1"}, // bad level
			{"C2", "倒挂市", "市", "T3"},     // a city under a township
			{"T3", "某街道", "街道", "C1"},
		},
		"单位 units": {
			{"编码 code", "类型 kind", "名称 name", "统一社会信用代码 credit code", "区域编码 region code"},
			{"U1", "企业", "甲公司", "91350100M000100Y44", "C1"}, // bad check character
			{"U2", "工厂", "乙公司", "91350100M000100Y43", "C1"}, // bad kind
			{"U3", "村", "某村", "", "ZZ"},                     // unknown region
			{"U4", "企业", "丙公司", "", "C1"},                   // enterprise without credit code
		},
		"人员 people": {
			{"编码 code", "姓名 name", "手机号 phone", "单位或部门 department", "区域编码 region code", "角色 roles", "所在单位编码 unit code", "活动办编码 office code", "企业微信账号 wecom userid"},
			{"P1", "张三", "138-0000-0000", "县局", "C1", "承办人", "", ""},
			{"P1", "张三二", "13800000001", "县局", "C1", "承办人", "", ""}, // duplicate person
			{"P2", "", "13800000002", "", "C1", "承办人", "", ""},      // no name
			{"P3", "李四", "call me", "", "C1", "承办人", "", ""},        // bad phone
			{"P4", "王五", "", "", "C1", "局长", "", ""},                // bad role
			{"P5", "赵六", "", "", "C1", "反映人", "", ""},               // reporter without unit
			{"P6", "钱七", "", "", "C1", "活动办", "", "OF-X"},           // unknown office
			{"P7", "孙八", "", "", "C1", "承办人", "", "", "sun ba"},     // bad WeCom userid
			{"P8", "周九", "", "", "C1", "承办人", "", "", "zhoujiu"},    // bound to WeCom…
			{"P9", "吴十", "", "", "C1", "承办人", "", "", "zhoujiu"},    // …and the same userid again
		},
		"包联 links": {
			{"干部编码 cadre code", "单位编码 unit code"},
			{"P1", "U-NONE"},  // unknown unit
			{"P-NONE", "U3x"}, // unknown person (and unit)
		},
		"活动办 offices": {
			{"编码 code", "名称 name"}, // no region or working-group column is fine…
			{"O1", "某办"},           // …but an office needs one of them
		},
	}
	first := true
	for name, rows := range sheets {
		var err error
		if first {
			err = f.SetSheetName("Sheet1", name)
			first = false
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow(name, cell, &r); err != nil {
				t.Fatal(err)
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	res := orgfile.Read(orgfile.File{Name: "bad.xlsx", Data: buf.Bytes()})
	_, dbProbs, err := s.ImportOrg(ctx, res.Data, true)
	if !errors.Is(err, store.ErrImportProblems) {
		t.Fatalf("dry run: err %v", err)
	}
	all := append(res.Problems, dbProbs...)
	var got []string
	for _, p := range all {
		if p.File != "bad.xlsx" && p.Sheet != "" {
			t.Errorf("problem without its file: %+v", p)
		}
		got = append(got, fmt.Sprintf("%s:%d:%s:%s", p.Sheet, p.Row, p.Column, p.Code))
	}
	sort.Strings(got)
	want := []string{
		"links:2:unit:import_unknown_unit",
		"links:3:person:import_unknown_person",
		"links:3:unit:import_unknown_unit",
		"offices:2:region:import_office_scope",
		"people:3:code:import_duplicate",
		"people:4:name:import_required",
		"people:5:phone:import_bad_phone",
		"people:6:roles:import_bad_role",
		"people:7:unit:import_role_needs_unit",
		"people:8:office:import_unknown_office",
		"people:9:wecom:import_bad_wecom_userid",
		"people:11:wecom:import_duplicate",
		"regions:3:parent:import_region_cycle",
		"regions:5:parent:import_unknown_region",
		"regions:6:level:import_bad_level",
		"regions:7:level:import_level_order",
		"units:2:credit_code:import_bad_credit_code",
		"units:3:kind:import_bad_kind",
		"units:4:region:import_unknown_region",
		"units:5:credit_code:import_required",
	}
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("problems:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// A real run with the same data writes nothing either.
	if _, _, err := s.ImportOrg(ctx, res.Data, false); !errors.Is(err, store.ErrImportProblems) {
		t.Fatalf("real run: %v", err)
	}
	if c := counts(t, s); c["regions"] != 0 || c["units"] != 0 || c["people"] != 0 || c["links"] != 0 || c["offices"] != 0 {
		t.Fatalf("something was written: %v", c)
	}
}

func TestMissingColumnsAndSheets(t *testing.T) {
	t.Parallel()
	res := orgfile.Read(orgfile.File{Name: "units.csv", Data: []byte("编码 code,名称 name\nU1,甲\n")},
		orgfile.File{Name: "notes.csv", Data: []byte("x\n")})
	var got []string
	for _, p := range res.Problems {
		got = append(got, p.File+":"+p.Column+":"+p.Code)
	}
	sort.Strings(got)
	want := "notes.csv::import_missing_sheet,units.csv:kind:import_missing_column,units.csv:region:import_missing_column"
	if strings.Join(got, ",") != want {
		t.Fatalf("got %v, want %s", got, want)
	}
}

// The template round-trips: its sheets and headers are what the reader expects, in both
// languages, and a filled-in copy reads back.
func TestTemplateReadsBack(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	if err := orgfile.WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	names := f.GetSheetList()
	if len(names) != 5 || names[0] != "区域 regions" {
		t.Fatalf("sheets %v", names)
	}
	for sheet, row := range map[string]*[]any{"单位 units": {"U1", "村", "石门村", "", "R1"}, "区域 regions": {"R1", "石门村", "village", ""}} {
		if err := f.SetSheetRow(sheet, "A2", row); err != nil {
			t.Fatal(err)
		}
	}
	var out bytes.Buffer
	if err := f.Write(&out); err != nil {
		t.Fatal(err)
	}
	res := orgfile.Read(orgfile.File{Name: "filled.xlsx", Data: out.Bytes()})
	if len(res.Problems) > 0 || len(res.Data.Units) != 1 || res.Data.Units[0].Kind != store.UnitVillage || res.Data.Regions[0].Level != store.LevelVillage {
		t.Fatalf("read back %+v %+v", res.Data, res.Problems)
	}
}

// Chinese Excel saves CSV in GB18030 by default.
func TestGB18030CSV(t *testing.T) {
	t.Parallel()
	gbk := []byte{0xb1, 0xe0, 0xc2, 0xeb, ' ', 'c', 'o', 'd', 'e', ',', 0xc3, 0xfb, 0xb3, 0xc6, ',', 0xbc, 0xb6, 0xb1, 0xf0, '\n', 'R', '1', ',', 0xb2, 0xe2, ',', 0xca, 0xd0, '\n'} // 编码 code,名称,级别 / R1,测,市
	res := orgfile.Read(orgfile.File{Name: "regions.csv", Data: gbk})
	if len(res.Problems) > 0 || len(res.Data.Regions) != 1 || res.Data.Regions[0].Name != "测" || res.Data.Regions[0].Level != store.LevelCity {
		t.Fatalf("%+v %+v", res.Data.Regions, res.Problems)
	}
}
