// Package orgfile reads and writes the organisation data files a city loads into bangban:
// a workbook (XLSX) with one sheet each for regions, units, offices, people and links, or
// one CSV file per sheet. Sheet and column names are accepted in Chinese or English, and
// values such as levels, kinds and roles in either language too, as officials type them.
//
// Reading never stops at the first mistake: every problem is reported with its file, sheet,
// row and column, and store.ImportOrg adds the ones that need the database (unknown codes,
// cycles).
package orgfile

import (
	"bytes"
	"embed"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/bangban/bangban/store"
)

// Column is one column of a sheet: its key (as problems name it) and its headers.
type Column struct {
	Key      string
	ZH, EN   string
	Required bool
}

// Sheet is one kind of row.
type Sheet struct {
	Key     string
	ZH, EN  string
	Columns []Column
}

// Sheets are the sheets of the format, in the order they are loaded.
var Sheets = []Sheet{
	{Key: "regions", ZH: "区域", EN: "regions", Columns: []Column{
		{Key: "code", ZH: "编码", EN: "code", Required: true},
		{Key: "name", ZH: "名称", EN: "name", Required: true},
		{Key: "level", ZH: "级别", EN: "level", Required: true},
		{Key: "parent", ZH: "上级编码", EN: "parent code"},
	}},
	{Key: "offices", ZH: "活动办", EN: "offices", Columns: []Column{
		{Key: "code", ZH: "编码", EN: "code", Required: true},
		{Key: "name", ZH: "名称", EN: "name", Required: true},
		{Key: "region", ZH: "区域编码", EN: "region code"},
		{Key: "working_group", ZH: "专班", EN: "working group"},
	}},
	{Key: "units", ZH: "单位", EN: "units", Columns: []Column{
		{Key: "code", ZH: "编码", EN: "code", Required: true},
		{Key: "kind", ZH: "类型", EN: "kind", Required: true},
		{Key: "name", ZH: "名称", EN: "name", Required: true},
		{Key: "credit_code", ZH: "统一社会信用代码", EN: "credit code"},
		{Key: "region", ZH: "区域编码", EN: "region code", Required: true},
	}},
	{Key: "people", ZH: "人员", EN: "people", Columns: []Column{
		{Key: "code", ZH: "编码", EN: "code", Required: true},
		{Key: "name", ZH: "姓名", EN: "name", Required: true},
		{Key: "phone", ZH: "手机号", EN: "phone"},
		{Key: "department", ZH: "单位或部门", EN: "department"},
		{Key: "region", ZH: "区域编码", EN: "region code", Required: true},
		{Key: "roles", ZH: "角色", EN: "roles", Required: true},
		{Key: "unit", ZH: "所在单位编码", EN: "unit code"},
		{Key: "office", ZH: "活动办编码", EN: "office code"},
		{Key: "wecom", ZH: "企业微信账号", EN: "wecom userid"},
	}},
	{Key: "links", ZH: "包联", EN: "links", Columns: []Column{
		{Key: "person", ZH: "干部编码", EN: "cadre code", Required: true},
		{Key: "unit", ZH: "单位编码", EN: "unit code", Required: true},
	}},
}

// Header is a column's header as the template writes it: both languages.
func (c Column) Header() string { return c.ZH + " " + c.EN }

// Name is a sheet's name as the template writes it.
func (s Sheet) Name() string { return s.ZH + " " + s.EN }

func matches(cell, zh, en string) bool {
	cell = strings.ToLower(strings.Join(strings.Fields(cell), " "))
	if cell == "" {
		return false
	}
	zh, en = strings.ToLower(zh), strings.ToLower(en)
	return cell == zh || cell == en || cell == zh+" "+en ||
		strings.TrimSuffix(strings.TrimSuffix(cell, ")"), "）") == zh+"("+en ||
		strings.TrimSuffix(cell, "）") == zh+"（"+en
}

func sheetFor(name string) (Sheet, bool) {
	for _, s := range Sheets {
		if matches(name, s.ZH, s.EN) {
			return s, true
		}
	}
	return Sheet{}, false
}

// Values are accepted in either language.
var (
	levels = map[string]string{"市": store.LevelCity, "city": store.LevelCity,
		"县": store.LevelCounty, "区": store.LevelCounty, "县区": store.LevelCounty, "县(市、区)": store.LevelCounty, "county": store.LevelCounty, "district": store.LevelCounty,
		"乡镇": store.LevelTownship, "乡": store.LevelTownship, "镇": store.LevelTownship, "街道": store.LevelTownship, "乡镇街道": store.LevelTownship, "township": store.LevelTownship, "town": store.LevelTownship, "street": store.LevelTownship,
		"村": store.LevelVillage, "社区": store.LevelVillage, "村社区": store.LevelVillage, "village": store.LevelVillage, "community": store.LevelVillage}
	kinds = map[string]string{"企业": store.UnitEnterprise, "enterprise": store.UnitEnterprise, "company": store.UnitEnterprise,
		"村": store.UnitVillage, "社区": store.UnitVillage, "村社区": store.UnitVillage, "村(社区)": store.UnitVillage, "village": store.UnitVillage, "community": store.UnitVillage}
	roles = map[string]string{"反映人": store.RoleReporter, "reporter": store.RoleReporter,
		"承办人": store.RoleHandler, "包联干部": store.RoleHandler, "handler": store.RoleHandler, "cadre": store.RoleHandler,
		"活动办": store.RoleOffice, "office": store.RoleOffice,
		"管理员": store.RoleAdmin, "admin": store.RoleAdmin}
	groups = map[string]string{"金融服务": "finance", "finance": "finance", "产业发展": "industry", "industry": "industry",
		"要素保障": "factors", "factors": "factors", "涉法涉诉": "legal", "legal": "legal"}
	phoneRe = regexp.MustCompile(`^\+?[0-9]{7,15}$`)
	// wecomRe is a WeCom userid (成员UserID): 1 to 64 letters, digits and _-@.
	wecomRe    = regexp.MustCompile(`^[A-Za-z0-9_.@-]{1,64}$`)
	roleSplit  = regexp.MustCompile(`[,;、，；/\s]+`)
	phoneStrip = strings.NewReplacer(" ", "", "-", "", "(", "", ")", "")
)

func lookup(m map[string]string, v string) (string, bool) {
	out, ok := m[strings.ToLower(strings.ReplaceAll(strings.TrimSpace(v), "（", "("))]
	if !ok {
		out, ok = m[strings.ToLower(strings.ReplaceAll(strings.ReplaceAll(strings.TrimSpace(v), "（", "("), "）", ")"))]
	}
	return out, ok
}

// Result is what the files hold, and what is wrong with them.
type Result struct {
	Data     store.OrgData
	Problems []store.Problem
}

// ReadFiles reads workbooks (.xlsx) and CSV files (.csv, one per sheet, named after the
// sheet: units.csv or 单位.csv).
func ReadFiles(paths ...string) Result {
	var files []File
	var res Result
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: filepath.Base(p)}, Code: store.ProbUnreadable, Value: err.Error()})
			continue
		}
		files = append(files, File{Name: filepath.Base(p), Data: b})
	}
	out := Read(files...)
	out.Problems = append(res.Problems, out.Problems...)
	return out
}

// Demo holds the demo county: a city, one county with its townships and villages, thirty
// enterprises, the departments and cadres linked to them, two offices and the four working
// groups. The demo mode and the tests load it.
//
//go:embed demo/*.csv
var Demo embed.FS

// ReadDemo reads the demo county.
func ReadDemo() Result {
	entries, err := Demo.ReadDir("demo")
	if err != nil {
		return Result{Problems: []store.Problem{{Code: store.ProbUnreadable, Value: err.Error()}}}
	}
	var files []File
	for _, e := range entries {
		b, err := Demo.ReadFile("demo/" + e.Name())
		if err != nil {
			return Result{Problems: []store.Problem{{Pos: store.Pos{File: e.Name()}, Code: store.ProbUnreadable, Value: err.Error()}}}
		}
		files = append(files, File{Name: e.Name(), Data: b})
	}
	return Read(files...)
}

// File is one file's name and content.
type File struct {
	Name string
	Data []byte
}

// Read reads files already in memory, as ReadFiles does.
func Read(files ...File) Result {
	var res Result
	seen := map[string]bool{}
	for _, f := range files {
		name, b := f.Name, f.Data
		switch strings.ToLower(filepath.Ext(name)) {
		case ".xlsx":
			res.readWorkbook(name, b, seen)
		case ".csv":
			sheet, ok := sheetFor(strings.TrimSuffix(name, filepath.Ext(name)))
			if !ok {
				res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: name}, Code: store.ProbMissingSheet, Value: name})
				continue
			}
			seen[sheet.Key] = true
			rows, err := readCSV(b)
			if err != nil {
				res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: name, Sheet: sheet.Key}, Code: store.ProbUnreadable, Value: err.Error()})
				continue
			}
			res.readSheet(name, sheet, rows)
		default:
			res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: name}, Code: store.ProbUnreadable, Value: filepath.Ext(name)})
		}
	}
	if len(seen) == 0 && len(res.Problems) == 0 {
		res.Problems = append(res.Problems, store.Problem{Code: store.ProbMissingSheet})
	}
	return res
}

func (res *Result) readWorkbook(file string, b []byte, seen map[string]bool) {
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: file}, Code: store.ProbUnreadable, Value: err.Error()})
		return
	}
	defer f.Close()
	found := false
	for _, name := range f.GetSheetList() {
		sheet, ok := sheetFor(name)
		if !ok {
			continue // notes and other sheets of the city's own are left alone
		}
		rows, err := f.GetRows(name)
		if err != nil {
			res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: file, Sheet: sheet.Key}, Code: store.ProbUnreadable, Value: err.Error()})
			continue
		}
		found, seen[sheet.Key] = true, true
		res.readSheet(file, sheet, rows)
	}
	if !found {
		res.Problems = append(res.Problems, store.Problem{Pos: store.Pos{File: file}, Code: store.ProbMissingSheet})
	}
}

// readCSV reads UTF-8 (with or without the BOM Excel writes) or, failing that, GB18030, which
// Chinese Excel uses by default.
func readCSV(b []byte) ([][]string, error) {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(b) {
		dec, err := simplifiedchinese.GB18030.NewDecoder().Bytes(b)
		if err != nil {
			return nil, fmt.Errorf("neither UTF-8 nor GB18030: %w", err)
		}
		b = dec
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	r.TrimLeadingSpace = true
	var rows [][]string
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			return nil, err
		}
		rows = append(rows, rec)
	}
}

// readSheet reads one sheet: a header row, then one record a row. Blank rows are skipped.
func (res *Result) readSheet(file string, sh Sheet, rows [][]string) {
	pos := store.Pos{File: file, Sheet: sh.Key, Row: 1}
	if len(rows) == 0 {
		res.Problems = append(res.Problems, store.Problem{Pos: pos, Code: store.ProbMissingColumn, Column: sh.Columns[0].Key})
		return
	}
	idx := map[string]int{}
	for i, cell := range rows[0] {
		for _, c := range sh.Columns {
			if matches(cell, c.ZH, c.EN) || matches(cell, c.Header(), "") {
				idx[c.Key] = i
			}
		}
	}
	missing := false
	for _, c := range sh.Columns {
		if _, ok := idx[c.Key]; !ok && c.Required {
			res.Problems = append(res.Problems, store.Problem{Pos: pos, Column: c.Key, Code: store.ProbMissingColumn})
			missing = true
		}
	}
	if missing {
		return
	}
	codes := map[string]int{}
	for n, row := range rows[1:] {
		r := rowReader{res: res, pos: store.Pos{File: file, Sheet: sh.Key, Row: n + 2}, row: row, idx: idx, sheet: sh}
		if r.blank() {
			continue
		}
		firstKey := sh.Columns[0].Key
		if sh.Key != "links" {
			code := r.get(firstKey)
			if prev, dup := codes[code]; dup && code != "" {
				r.bad(firstKey, store.ProbDuplicate, fmt.Sprintf("%s (%d)", code, prev))
				continue
			}
			codes[code] = r.pos.Row
		}
		if !r.required() {
			continue
		}
		res.add(r)
	}
}

type rowReader struct {
	res   *Result
	pos   store.Pos
	row   []string
	idx   map[string]int
	sheet Sheet
}

func (r *rowReader) get(key string) string {
	i, ok := r.idx[key]
	if !ok || i >= len(r.row) {
		return ""
	}
	return strings.TrimSpace(r.row[i])
}

func (r *rowReader) blank() bool {
	for _, c := range r.row {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func (r *rowReader) bad(col, code, val string) {
	r.res.Problems = append(r.res.Problems, store.Problem{Pos: r.pos, Column: col, Code: code, Value: val})
}

func (r *rowReader) required() bool {
	ok := true
	for _, c := range r.sheet.Columns {
		if c.Required && r.get(c.Key) == "" {
			r.bad(c.Key, store.ProbRequired, "")
			ok = false
		}
	}
	return ok
}

// add checks a row's values and adds it; a row with a problem is reported and left out.
func (res *Result) add(r rowReader) {
	before := len(res.Problems)
	switch r.sheet.Key {
	case "regions":
		level, ok := lookup(levels, r.get("level"))
		if !ok {
			r.bad("level", store.ProbBadLevel, r.get("level"))
		}
		if len(res.Problems) == before {
			res.Data.Regions = append(res.Data.Regions, store.RegionRow{Pos: r.pos, Code: r.get("code"), Name: r.get("name"), Level: level, ParentCode: r.get("parent")})
		}
	case "offices":
		group := ""
		if g := r.get("working_group"); g != "" {
			var ok bool
			if group, ok = lookup(groups, g); !ok {
				r.bad("working_group", store.ProbUnknownGroup, g)
			}
		}
		if len(res.Problems) == before {
			res.Data.Offices = append(res.Data.Offices, store.OfficeRow{Pos: r.pos, Code: r.get("code"), Name: r.get("name"), RegionCode: r.get("region"), WorkingGroup: group})
		}
	case "units":
		kind, ok := lookup(kinds, r.get("kind"))
		if !ok {
			r.bad("kind", store.ProbBadKind, r.get("kind"))
		}
		credit := store.NormalizeCreditCode(r.get("credit_code"))
		switch {
		case credit != "" && !store.ValidCreditCode(credit):
			r.bad("credit_code", store.ProbBadCreditCode, credit)
		case credit == "" && kind == store.UnitEnterprise:
			r.bad("credit_code", store.ProbRequired, "")
		}
		if len(res.Problems) == before {
			res.Data.Units = append(res.Data.Units, store.UnitRow{Pos: r.pos, Code: r.get("code"), Kind: kind, Name: r.get("name"), CreditCode: credit, RegionCode: r.get("region")})
		}
	case "people":
		phone := phoneStrip.Replace(r.get("phone"))
		if phone != "" && !phoneRe.MatchString(phone) {
			r.bad("phone", store.ProbBadPhone, r.get("phone"))
		}
		var rs []string
		for _, v := range roleSplit.Split(r.get("roles"), -1) {
			if v == "" {
				continue
			}
			role, ok := lookup(roles, v)
			if !ok {
				r.bad("roles", store.ProbBadRole, v)
				continue
			}
			if !contains(rs, role) {
				rs = append(rs, role)
			}
		}
		if contains(rs, store.RoleReporter) && r.get("unit") == "" {
			r.bad("unit", store.ProbRoleNeedsUnit, "")
		}
		if contains(rs, store.RoleOffice) && r.get("office") == "" {
			r.bad("office", store.ProbRoleNeedsOffice, "")
		}
		if w := r.get("wecom"); w != "" && !wecomRe.MatchString(w) {
			r.bad("wecom", store.ProbBadWeComUserID, w)
		}
		if len(res.Problems) == before {
			res.Data.People = append(res.Data.People, store.PersonRow{Pos: r.pos, Code: r.get("code"), Name: r.get("name"), Phone: phone,
				Department: r.get("department"), RegionCode: r.get("region"), Roles: rs, UnitCode: r.get("unit"), OfficeCode: r.get("office"),
				WeComUserID: r.get("wecom")})
		}
	case "links":
		res.Data.Links = append(res.Data.Links, store.LinkRow{Pos: r.pos, PersonCode: r.get("person"), UnitCode: r.get("unit")})
	}
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// WriteTemplate writes an empty workbook with every sheet and its headers, in both
// languages, for a city to fill in.
func WriteTemplate(w io.Writer) error {
	f := excelize.NewFile()
	defer f.Close()
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	for i, sh := range Sheets {
		name := sh.Name()
		if i == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		var headers []any
		for _, c := range sh.Columns {
			headers = append(headers, c.Header())
		}
		if err := f.SetSheetRow(name, "A1", &headers); err != nil {
			return err
		}
		if err := f.SetRowStyle(name, 1, 1, bold); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(sh.Columns))
		if err := f.SetColWidth(name, "A", last, 22); err != nil {
			return err
		}
	}
	return f.Write(w)
}
