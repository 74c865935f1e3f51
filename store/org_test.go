package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

// demoPerson is a person's row of the demo county, to import changed.
func demoPerson(t *testing.T, code string) store.PersonRow {
	t.Helper()
	for _, p := range orgfile.ReadDemo().Data.People {
		if p.Code == code {
			return p
		}
	}
	t.Fatalf("no demo person %s", code)
	return store.PersonRow{}
}

// rolesOf lists a person's roles with their scopes' codes, sorted: "handler HQ-YL",
// "office OF-YL", "reporter E010".
func rolesOf(t *testing.T, s *store.Store, code string) []string {
	t.Helper()
	rows, err := s.Pool().Query(context.Background(), `
		SELECT r.role || ' ' || coalesce(u.code, g.code, o.code, '') FROM person_roles r JOIN people p ON p.id = r.person_id
		LEFT JOIN units u ON u.id = r.unit_id LEFT JOIN regions g ON g.id = r.region_id LEFT JOIN offices o ON o.id = r.office_id
		WHERE p.code = $1`, code)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, strings.TrimSpace(s))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// importPeople imports rows of people and returns the people sheet's counts.
func importPeople(t *testing.T, s *store.Store, rows ...store.PersonRow) store.Counts {
	t.Helper()
	rep, probs, err := s.ImportOrg(context.Background(), store.OrgData{People: rows}, false)
	if err != nil || len(probs) > 0 {
		t.Fatalf("import: %v %+v", err, probs)
	}
	if c := rep.Counts["people"]; c != nil {
		return *c
	}
	return store.Counts{}
}

// A person's row lists the roles the organisation gives them: an import gives the roles it
// adds, takes away those it drops and moves a role whose scope changed; a reporter's link the
// person made with an invite stays whatever the files say.
func TestImportGivesAndTakesAwayRoles(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	person, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	if _, err := s.RedeemInvite(ctx, person.Code, acc(301)); err != nil {
		t.Fatal(err)
	}
	unit, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E010"})
	if _, err := s.RedeemInvite(ctx, unit.Code, acc(301)); err != nil {
		t.Fatal(err)
	}
	row := demoPerson(t, "P001")
	steps := []struct {
		name   string
		roles  []string
		region string
		office string
		counts store.Counts
		want   []string
	}{
		{"an office role added", []string{store.RoleHandler, store.RoleOffice}, "HQ-YL", "OF-YL", store.Counts{Updated: 1},
			[]string{"handler HQ-YL", "office OF-YL", "reporter E010"}},
		{"the same again", []string{store.RoleHandler, store.RoleOffice}, "HQ-YL", "OF-YL", store.Counts{Unchanged: 1},
			[]string{"handler HQ-YL", "office OF-YL", "reporter E010"}},
		{"moved to another office", []string{store.RoleHandler, store.RoleOffice}, "HQ-YL", "OF-HQ", store.Counts{Updated: 1},
			[]string{"handler HQ-YL", "office OF-HQ", "reporter E010"}},
		{"the office role dropped", []string{store.RoleHandler}, "HQ-YL", "", store.Counts{Updated: 1},
			[]string{"handler HQ-YL", "reporter E010"}},
		{"moved to a township", []string{store.RoleHandler}, "HQ-YL-QS", "", store.Counts{Updated: 1},
			[]string{"handler HQ-YL-QS", "reporter E010"}},
		{"no role left", nil, "HQ-YL-QS", "", store.Counts{Updated: 1},
			[]string{"reporter E010"}},
	}
	for _, st := range steps {
		row.Roles, row.RegionCode, row.OfficeCode = st.roles, st.region, st.office
		if got := importPeople(t, s, row); got != st.counts {
			t.Errorf("%s: people %+v, want %+v", st.name, got, st.counts)
		}
		if got := rolesOf(t, s, "P001"); !slices.Equal(got, st.want) {
			t.Errorf("%s: roles %v, want %v", st.name, got, st.want)
		}
	}
}

// A reporter's link of a person the data names, from before imports took roles away, is the
// organisation's once a row lists it: listed, nothing changes; dropped, it goes.
func TestImportClaimsAReporterLinkItLists(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	if _, err := s.Pool().Exec(ctx, `UPDATE person_roles SET imported = false WHERE role = 'reporter'`); err != nil {
		t.Fatal(err)
	}
	row := demoPerson(t, "P025")
	if got := importPeople(t, s, row); got != (store.Counts{Unchanged: 1}) {
		t.Errorf("listed: people %+v, want unchanged", got)
	}
	other := demoPerson(t, "P026")
	other.Roles = []string{store.RoleHandler}
	importPeople(t, s, other)
	if got := rolesOf(t, s, "P026"); !slices.Equal(got, []string{"handler HQ-YL-LH", "reporter E002"}) {
		t.Errorf("a link no import has listed since: %v", got)
	}
	row.Roles = []string{store.RoleHandler}
	if got := importPeople(t, s, row); got != (store.Counts{Updated: 1}) {
		t.Errorf("dropped: people %+v, want updated", got)
	}
	if got := rolesOf(t, s, "P025"); !slices.Equal(got, []string{"handler HQ-YL-QS"}) {
		t.Errorf("P025's roles %v", got)
	}
}

// menuJobs counts the menu refreshes enqueued for a person.
func menuJobs(t *testing.T, s *store.Store, person int64) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'menu_refresh' AND (args->>'person_id')::bigint = $1",
		person).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Every change of a joined person's roles enqueues one refresh of their menu with it: an
// import, however many of their roles it touches, an invite, a first report, an office's
// rejection of a self-registered reporter. Nothing is enqueued for a person who has not
// joined, for an import that changes nothing, or for a dry run.
func TestRoleChangesRefreshTheMenu(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	cadre := personByCode(t, s, "P001")
	row := demoPerson(t, "P001")
	steps := []struct {
		name   string
		change func() error
		want   int
	}{
		{"an import before they join", func() error {
			row.Roles, row.OfficeCode = []string{store.RoleHandler, store.RoleOffice}, "OF-YL"
			importPeople(t, s, row)
			return nil
		}, 0},
		{"joining", func() error {
			inv, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
			_, err := s.RedeemInvite(ctx, inv.Code, acc(401))
			return err
		}, 1},
		{"an import that changes nothing", func() error {
			importPeople(t, s, row)
			return nil
		}, 0},
		{"a dry run", func() error {
			row.Roles = []string{store.RoleHandler}
			_, _, err := s.ImportOrg(ctx, store.OrgData{People: []store.PersonRow{row}}, true)
			return err
		}, 0},
		{"an import that takes one role away and moves another", func() error {
			row.Roles, row.RegionCode, row.OfficeCode = []string{store.RoleHandler}, "HQ-YL-QS", ""
			importPeople(t, s, row)
			return nil
		}, 1},
		{"an invite that adds a reporter's link", func() error {
			inv, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E010"})
			_, err := s.RedeemInvite(ctx, inv.Code, acc(401))
			return err
		}, 1},
		{"another invite of the same unit", func() error {
			inv, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E010"})
			_, err := s.RedeemInvite(ctx, inv.Code, acc(401))
			return err
		}, 0},
	}
	for _, st := range steps {
		before := menuJobs(t, s, cadre)
		if err := st.change(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got := menuJobs(t, s, cadre) - before; got != st.want {
			t.Errorf("%s: %d menu refreshes, want %d", st.name, got, st.want)
		}
	}

	const stranger = 9401
	c := selfRegister(t, s, stranger, "91410923MA40002746") // E002's
	var newcomer int64
	if err := s.Pool().QueryRow(ctx, "SELECT id FROM people WHERE telegram_user_id = $1", stranger).Scan(&newcomer); err != nil {
		t.Fatal(err)
	}
	if got := menuJobs(t, s, newcomer); got != 1 {
		t.Errorf("a first report: %d menu refreshes, want 1", got)
	}
	if _, err := s.RejectReporter(ctx, store.ActParams{Ticket: c.TicketNo, ActorID: personByCode(t, s, "P018")}); err != nil {
		t.Fatal(err)
	}
	if got := menuJobs(t, s, newcomer); got != 2 {
		t.Errorf("after the office rejected the link: %d menu refreshes, want 2", got)
	}
}
