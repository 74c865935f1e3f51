package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// Roles a person can hold (DESIGN.md §2).
const (
	RoleReporter = "reporter"
	RoleHandler  = "handler"
	RoleOffice   = "office"
	RoleAdmin    = "admin"
)

// Unit kinds.
const (
	UnitEnterprise = "enterprise"
	UnitVillage    = "village"
)

// Pos says where a row came from, for problems that point back at it.
type Pos struct {
	File  string
	Sheet string // the sheet's key: regions, units, offices, people, links
	Row   int    // 1-based, as a spreadsheet shows it
}

// Problem is one thing wrong with an imported row. Code is a message ID; Column is the key of
// the column at fault ("" for the whole row) and Value what it held.
type Problem struct {
	Pos
	Column string
	Code   string
	Value  string
}

// Problem codes, as message IDs in locales/.
const (
	ProbMissingSheet    = "import_missing_sheet"
	ProbMissingColumn   = "import_missing_column"
	ProbRequired        = "import_required"
	ProbDuplicate       = "import_duplicate"
	ProbBadLevel        = "import_bad_level"
	ProbBadKind         = "import_bad_kind"
	ProbBadRole         = "import_bad_role"
	ProbBadCreditCode   = "import_bad_credit_code"
	ProbBadPhone        = "import_bad_phone"
	ProbUnknownRegion   = "import_unknown_region"
	ProbUnknownUnit     = "import_unknown_unit"
	ProbUnknownPerson   = "import_unknown_person"
	ProbUnknownOffice   = "import_unknown_office"
	ProbUnknownGroup    = "import_unknown_group"
	ProbRegionCycle     = "import_region_cycle"
	ProbLevelOrder      = "import_level_order"
	ProbRoleNeedsUnit   = "import_role_needs_unit"
	ProbRoleNeedsOffice = "import_role_needs_office"
	ProbOfficeScope     = "import_office_scope"
	ProbUnreadable      = "import_unreadable"
	ProbBadWeComUserID  = "import_bad_wecom_userid"
	ProbWeComTaken      = "import_wecom_taken"
)

// The organisation as files describe it, keyed by the city's own codes.
type (
	RegionRow struct {
		Pos
		Code, Name, Level, ParentCode string
	}
	UnitRow struct {
		Pos
		Code, Kind, Name, CreditCode, RegionCode string
	}
	OfficeRow struct {
		Pos
		Code, Name, RegionCode, WorkingGroup string
	}
	PersonRow struct {
		Pos
		Code, Name, Phone, Department, RegionCode string
		Roles                                     []string
		UnitCode, OfficeCode                      string
		// WeComUserID, when set, binds the person to that WeCom member at import.
		WeComUserID string
	}
	LinkRow struct {
		Pos
		PersonCode, UnitCode string
	}
	OrgData struct {
		Regions []RegionRow
		Units   []UnitRow
		Offices []OfficeRow
		People  []PersonRow
		Links   []LinkRow
	}
)

// Counts says, per sheet, how many rows created, changed or left things as they were.
type Counts struct{ Created, Updated, Unchanged int }

// ImportReport is what an import did, or would do on a dry run.
type ImportReport struct {
	Counts map[string]*Counts // by sheet key
	// Updated names the existing records a changed file altered ("units U-003").
	Updated []string
}

func (r *ImportReport) count(sheet string) *Counts {
	if r.Counts[sheet] == nil {
		r.Counts[sheet] = &Counts{}
	}
	return r.Counts[sheet]
}

// levelRank orders region levels from the top.
var levelRank = map[string]int{LevelCity: 0, LevelCounty: 1, LevelTownship: 2, LevelVillage: 3}

// ImportOrg writes the organisation in one transaction: all of it, or, when any row has a
// problem, nothing. Records are matched by their codes, so importing the same files again
// changes nothing, and a changed file updates what changed: a person's row lists all the
// roles the organisation gives them, so a role it no longer lists is taken away. With dryRun
// everything is checked and counted, and then rolled back.
func (s *Store) ImportOrg(ctx context.Context, d OrgData, dryRun bool) (ImportReport, []Problem, error) {
	rep := ImportReport{Counts: map[string]*Counts{}}
	var probs []Problem
	errRollback := errors.New("rollback")
	err := s.InTx(ctx, func(tx pgx.Tx) error {
		im := &importer{tx: tx, rep: &rep, regions: map[string]int64{}, levels: map[string]string{},
			units: map[string]int64{}, offices: map[string]int64{}, people: map[string]int64{}, wecom: map[string]string{}}
		if err := im.load(ctx); err != nil {
			return err
		}
		steps := []func(context.Context, OrgData) error{im.importRegions, im.importOffices, im.importUnits, im.importPeople, im.importLinks}
		for _, step := range steps {
			if err := step(ctx, d); err != nil {
				return err
			}
		}
		probs = im.probs
		if len(probs) > 0 || dryRun {
			return errRollback
		}
		return s.refreshMenusTx(ctx, tx, im.regranted...)
	})
	switch {
	case errors.Is(err, errRollback) && len(probs) > 0:
		return rep, probs, ErrImportProblems
	case errors.Is(err, errRollback):
		return rep, nil, nil
	case err != nil:
		return rep, nil, fmt.Errorf("import organisation: %w", err)
	}
	return rep, nil, nil
}

type importer struct {
	tx      pgx.Tx
	rep     *ImportReport
	probs   []Problem
	regions map[string]int64
	levels  map[string]string
	units   map[string]int64
	offices map[string]int64
	people  map[string]int64
	groups  []string
	// wecom are the WeCom userids the file binds, to the codes of their people.
	wecom map[string]string
	// regranted are the people already known whose roles the import changed.
	regranted []int64
}

func (im *importer) problem(p Pos, col, code, val string) {
	im.probs = append(im.probs, Problem{Pos: p, Column: col, Code: code, Value: val})
}

// load reads the codes already in the database, so that a file may refer to what an earlier
// import loaded.
func (im *importer) load(ctx context.Context) error {
	for _, q := range []struct {
		sql  string
		into map[string]int64
	}{
		{"SELECT code, id FROM regions", im.regions},
		{"SELECT code, id FROM units", im.units},
		{"SELECT code, id FROM offices", im.offices},
		{"SELECT code, id FROM people WHERE code IS NOT NULL", im.people},
	} {
		rows, err := im.tx.Query(ctx, q.sql)
		if err != nil {
			return fmt.Errorf("load codes: %w", err)
		}
		for rows.Next() {
			var code string
			var id int64
			if err := rows.Scan(&code, &id); err != nil {
				rows.Close()
				return fmt.Errorf("load codes: %w", err)
			}
			q.into[code] = id
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("load codes: %w", err)
		}
	}
	rows, err := im.tx.Query(ctx, "SELECT code, level FROM regions")
	if err != nil {
		return fmt.Errorf("load levels: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var code, level string
		if err := rows.Scan(&code, &level); err != nil {
			return err
		}
		im.levels[code] = level
	}
	gr, err := im.tx.Query(ctx, "SELECT code FROM working_groups")
	if err != nil {
		return fmt.Errorf("load working groups: %w", err)
	}
	im.groups, err = pgx.CollectRows(gr, pgx.RowTo[string])
	return err
}

// importRegions writes regions parents first. A parent must be in the file or the database,
// one level up or more; a cycle is reported on each of its rows.
func (im *importer) importRegions(ctx context.Context, d OrgData) error {
	byCode := map[string]RegionRow{}
	for _, r := range d.Regions {
		byCode[r.Code] = r
		im.levels[r.Code] = r.Level // the file's level wins over the database's
	}
	// ok remembers, per code, whether the region has a sound chain of parents; a region
	// above a cycle or an unknown parent is reported once and not written.
	ok := map[string]bool{}
	done := map[string]bool{}
	var visit func(r RegionRow, path []string) (bool, error)
	visit = func(r RegionRow, path []string) (bool, error) {
		if slices.Contains(path, r.Code) {
			im.problem(r.Pos, "parent", ProbRegionCycle, strings.Join(append(path, r.Code), " → "))
			return false, nil
		}
		if done[r.Code] {
			return ok[r.Code], nil
		}
		done[r.Code] = true
		if r.ParentCode != "" {
			if p, inFile := byCode[r.ParentCode]; inFile {
				parentOK, err := visit(p, append(path, r.Code))
				if err != nil || !parentOK {
					return false, err
				}
			} else if _, inDB := im.regions[r.ParentCode]; !inDB {
				im.problem(r.Pos, "parent", ProbUnknownRegion, r.ParentCode)
				return false, nil
			}
			if pl := im.levels[r.ParentCode]; levelRank[pl] >= levelRank[r.Level] {
				im.problem(r.Pos, "level", ProbLevelOrder, r.Level+" < "+pl)
				return false, nil
			}
		}
		var parent *int64
		if id, found := im.regions[r.ParentCode]; found && r.ParentCode != "" {
			parent = &id
		}
		ok[r.Code] = true
		return true, im.upsertRegion(ctx, r, parent)
	}
	for _, r := range d.Regions {
		if _, err := visit(r, nil); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) upsertRegion(ctx context.Context, r RegionRow, parent *int64) error {
	_, err := im.put(ctx, "regions", r.Code, im.regions, `
		INSERT INTO regions (code, name, level, parent_id) VALUES ($1, $2, $3, $4)
		ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id
		WHERE (regions.name, regions.level, regions.parent_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.level, EXCLUDED.parent_id)
		RETURNING id, xmax = 0`, r.Code, r.Name, r.Level, parent)
	return err
}

// put writes one record by its code in one statement: inserted when new, updated when
// anything differs (the statement's WHERE), otherwise left alone and counted unchanged.
// It returns the record's id.
func (im *importer) put(ctx context.Context, sheet, code string, known map[string]int64, sql string, args ...any) (int64, error) {
	var id int64
	var inserted bool
	err := im.tx.QueryRow(ctx, sql, args...).Scan(&id, &inserted)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		im.rep.count(sheet).Unchanged++
		return known[code], nil
	case err != nil:
		return 0, fmt.Errorf("%s %s: %w", sheet, code, err)
	case inserted:
		known[code] = id
		im.rep.count(sheet).Created++
	default:
		im.updated(sheet, code)
	}
	return id, nil
}

func (im *importer) updated(sheet, code string) {
	im.rep.count(sheet).Updated++
	im.rep.Updated = append(im.rep.Updated, sheet+" "+code)
}

func (im *importer) region(p Pos, col, code string) (int64, bool) {
	id, ok := im.regions[code]
	if !ok {
		im.problem(p, col, ProbUnknownRegion, code)
	}
	return id, ok
}

func (im *importer) importOffices(ctx context.Context, d OrgData) error {
	for _, o := range d.Offices {
		var region *int64
		var group *string
		switch {
		case (o.RegionCode == "") == (o.WorkingGroup == ""):
			im.problem(o.Pos, "region", ProbOfficeScope, "")
			continue
		case o.RegionCode != "":
			id, ok := im.region(o.Pos, "region", o.RegionCode)
			if !ok {
				continue
			}
			region = &id
		default:
			if !slices.Contains(im.groups, o.WorkingGroup) {
				im.problem(o.Pos, "working_group", ProbUnknownGroup, o.WorkingGroup)
				continue
			}
			group = &o.WorkingGroup
		}
		if _, err := im.put(ctx, "offices", o.Code, im.offices, `
			INSERT INTO offices (code, name, region_id, working_group) VALUES ($1, $2, $3, $4)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, region_id = EXCLUDED.region_id, working_group = EXCLUDED.working_group
			WHERE (offices.name, offices.region_id, offices.working_group) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.region_id, EXCLUDED.working_group)
			RETURNING id, xmax = 0`, o.Code, o.Name, region, group); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) importUnits(ctx context.Context, d OrgData) error {
	for _, u := range d.Units {
		region, ok := im.region(u.Pos, "region", u.RegionCode)
		if !ok {
			continue
		}
		var credit *string
		if u.CreditCode != "" {
			credit = &u.CreditCode
		}
		if _, err := im.put(ctx, "units", u.Code, im.units, `
			INSERT INTO units (code, kind, name, credit_code, region_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET kind = EXCLUDED.kind, name = EXCLUDED.name, credit_code = EXCLUDED.credit_code, region_id = EXCLUDED.region_id
			WHERE (units.kind, units.name, units.credit_code, units.region_id) IS DISTINCT FROM (EXCLUDED.kind, EXCLUDED.name, EXCLUDED.credit_code, EXCLUDED.region_id)
			RETURNING id, xmax = 0`, u.Code, u.Kind, u.Name, credit, region); err != nil {
			return err
		}
	}
	return nil
}

func (im *importer) importPeople(ctx context.Context, d OrgData) error {
	for _, p := range d.People {
		region, ok := im.region(p.Pos, "region", p.RegionCode)
		if !ok {
			continue
		}
		var unit, office *int64
		if p.UnitCode != "" {
			id, ok := im.units[p.UnitCode]
			if !ok {
				im.problem(p.Pos, "unit", ProbUnknownUnit, p.UnitCode)
				continue
			}
			unit = &id
		}
		if p.OfficeCode != "" {
			id, ok := im.offices[p.OfficeCode]
			if !ok {
				im.problem(p.Pos, "office", ProbUnknownOffice, p.OfficeCode)
				continue
			}
			office = &id
		}
		var id int64
		var inserted bool
		err := im.tx.QueryRow(ctx, `
			INSERT INTO people (code, name, phone, department, region_id) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, phone = EXCLUDED.phone, department = EXCLUDED.department, region_id = EXCLUDED.region_id
			WHERE (people.name, people.phone, people.department, people.region_id) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.phone, EXCLUDED.department, EXCLUDED.region_id)
			RETURNING id, xmax = 0`, p.Code, p.Name, p.Phone, p.Department, region).Scan(&id, &inserted)
		changed := err == nil && !inserted
		if errors.Is(err, pgx.ErrNoRows) {
			id, err = im.people[p.Code], nil
		}
		if err != nil {
			return fmt.Errorf("person %s: %w", p.Code, err)
		}
		if inserted {
			im.people[p.Code] = id
		}
		roles, err := im.putRoles(ctx, p, id, region, unit, office)
		if err != nil {
			return err
		}
		bound, err := im.bindWeCom(ctx, p, id)
		if err != nil {
			return err
		}
		changed = changed || bound && !inserted
		if roles && !inserted {
			changed = true
			im.regranted = append(im.regranted, id)
		}
		switch {
		case inserted:
			im.rep.count("people").Created++
		case changed:
			im.updated("people", p.Code)
		default:
			im.rep.count("people").Unchanged++
		}
	}
	return nil
}

// bindWeCom binds a person to the WeCom userid of their row, when it has one: the userid's
// account (numbered now when WeCom has not called for it yet) becomes theirs, and their
// notifications go there unless they joined already elsewhere, so a county's cadres are
// reached in WeCom from the import on; at their first contact with the app they are told,
// once, that they were added (wecom_added). A userid another person holds, or that two rows
// name, is a problem. It reports whether the binding changed.
func (im *importer) bindWeCom(ctx context.Context, p PersonRow, person int64) (bool, error) {
	if p.WeComUserID == "" {
		return false, nil
	}
	if other, ok := im.wecom[p.WeComUserID]; ok && other != p.Code {
		im.problem(p.Pos, "wecom", ProbDuplicate, p.WeComUserID)
		return false, nil
	}
	im.wecom[p.WeComUserID] = p.Code
	var account int64
	if err := im.tx.QueryRow(ctx, `INSERT INTO wecom_accounts (userid) VALUES ($1)
		ON CONFLICT (userid) DO UPDATE SET userid = EXCLUDED.userid RETURNING account_id`, p.WeComUserID).Scan(&account); err != nil {
		return false, fmt.Errorf("person %s wecom account: %w", p.Code, err)
	}
	var other int64
	err := im.tx.QueryRow(ctx, "SELECT id FROM people WHERE wecom_account_id = $1 AND id <> $2", account, person).Scan(&other)
	if err == nil {
		im.problem(p.Pos, "wecom", ProbWeComTaken, p.WeComUserID)
		return false, nil
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return false, fmt.Errorf("person %s wecom account: %w", p.Code, err)
	}
	tag, err := im.tx.Exec(ctx, `UPDATE people SET wecom_account_id = $2, wecom_added = true, chat_id = coalesce(chat_id, $2)
		WHERE id = $1 AND wecom_account_id IS DISTINCT FROM $2`, person, account)
	if err != nil {
		return false, fmt.Errorf("person %s bind wecom account: %w", p.Code, err)
	}
	return tag.RowsAffected() > 0, nil
}

// putRoles makes the roles the organisation gives a person those their row lists: each one
// listed is written (or, held already through an invite, marked as the organisation's too),
// and each one an earlier import gave that the row no longer lists is taken away, as is the
// old scope of one whose unit, region or office changed. A reporter's link the person made
// with an invite or by naming a unit stays. It reports whether the person's roles changed.
func (im *importer) putRoles(ctx context.Context, p PersonRow, person, region int64, unit, office *int64) (bool, error) {
	units, regions, offices := make([]*int64, len(p.Roles)), make([]*int64, len(p.Roles)), make([]*int64, len(p.Roles))
	for i, role := range p.Roles {
		switch role {
		case RoleReporter:
			units[i] = unit
		case RoleHandler:
			regions[i] = &region
		case RoleOffice:
			offices[i] = office
		}
	}
	tag, err := im.tx.Exec(ctx, `
		DELETE FROM person_roles r WHERE r.person_id = $1 AND r.imported AND NOT EXISTS (
			SELECT 1 FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[]) AS g(role, unit_id, region_id, office_id)
			WHERE g.role = r.role AND g.unit_id IS NOT DISTINCT FROM r.unit_id AND g.region_id IS NOT DISTINCT FROM r.region_id
				AND g.office_id IS NOT DISTINCT FROM r.office_id)`, person, p.Roles, units, regions, offices)
	if err != nil {
		return false, fmt.Errorf("person %s roles no longer given: %w", p.Code, err)
	}
	changed := tag.RowsAffected() > 0
	for i, role := range p.Roles {
		var inserted bool
		err := im.tx.QueryRow(ctx, `
			INSERT INTO person_roles (person_id, role, unit_id, region_id, office_id, imported) VALUES ($1, $2, $3, $4, $5, true)
			ON CONFLICT (person_id, role, coalesce(unit_id, 0), coalesce(region_id, 0), coalesce(working_group, ''), coalesce(office_id, 0))
			DO UPDATE SET imported = true WHERE NOT person_roles.imported
			RETURNING xmax = 0`, person, role, units[i], regions[i], offices[i]).Scan(&inserted)
		if errors.Is(err, pgx.ErrNoRows) {
			continue // given by an earlier import already
		}
		if err != nil {
			return false, fmt.Errorf("person %s role %s: %w", p.Code, role, err)
		}
		changed = changed || inserted
	}
	return changed, nil
}

func (im *importer) importLinks(ctx context.Context, d OrgData) error {
	for _, l := range d.Links {
		person, okP := im.people[l.PersonCode]
		unit, okU := im.units[l.UnitCode]
		if !okP {
			im.problem(l.Pos, "person", ProbUnknownPerson, l.PersonCode)
		}
		if !okU {
			im.problem(l.Pos, "unit", ProbUnknownUnit, l.UnitCode)
		}
		if !okP || !okU {
			continue
		}
		tag, err := im.tx.Exec(ctx, "INSERT INTO links (person_id, unit_id) VALUES ($1, $2) ON CONFLICT DO NOTHING", person, unit)
		if err != nil {
			return fmt.Errorf("link %s–%s: %w", l.PersonCode, l.UnitCode, err)
		}
		if tag.RowsAffected() > 0 {
			im.rep.count("links").Created++
		} else {
			im.rep.count("links").Unchanged++
		}
	}
	return nil
}
