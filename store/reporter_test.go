package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

// personByCode is the id of a person of the demo data.
func personByCode(t *testing.T, s *store.Store, code string) int64 {
	t.Helper()
	var id int64
	if err := s.Pool().QueryRow(context.Background(), "SELECT id FROM people WHERE code = $1", code).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// linkOf is the state of an account's reporter link to a unit: "verified", "unverified" or
// "none".
func linkOf(t *testing.T, s *store.Store, account int64, unit string) string {
	t.Helper()
	var verified *bool
	err := s.Pool().QueryRow(context.Background(), `SELECT (SELECT r.verified FROM person_roles r JOIN people p ON p.id = r.person_id
		JOIN units u ON u.id = r.unit_id WHERE p.telegram_user_id = $1 AND u.code = $2 AND r.role = 'reporter')`, account, unit).Scan(&verified)
	switch {
	case err != nil:
		t.Fatal(err)
	case verified == nil:
		return "none"
	case *verified:
		return "verified"
	}
	return "unverified"
}

func countJobs(t *testing.T, s *store.Store, msg string) int {
	t.Helper()
	var n int
	if err := s.Pool().QueryRow(context.Background(), "SELECT count(*) FROM river_job WHERE kind = 'notification' AND args->>'msg' = $1", msg).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// selfRegister files a problem as a stranger who names an enterprise by its credit code.
func selfRegister(t *testing.T, s *store.Store, account int64, credit string) store.Submitted {
	t.Helper()
	c, err := s.Submit(context.Background(), store.SubmitParams{Description: "厂区变压器容量不足，需要增容", Route: true,
		NewUnit: &store.NewUnit{Kind: store.UnitEnterprise, Name: "随便写的名字", CreditCode: credit, Account: acc(account)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// outsideOffice is an office of another county, which does not cover the demo county.
func outsideOffice(t *testing.T, s *store.Store) int64 {
	t.Helper()
	return storetest.AddCounty(t, s, "XS", "西山县", storetest.Person{Code: "PX01", Name: "孟凡"}).MemberID
}

// A stranger who names an enterprise by its public credit code does not become its trusted
// reporter: their cases wait in the county office's triage, marked, instead of going to the
// enterprise's linked cadre. Presses by anyone but an office over the case's region are
// refused and change nothing; the office's confirmation verifies the link in one transaction
// with an event on the case, and the reporter's later cases go to the cadre.
func TestSelfRegisteredReporterWaitsForAnOfficeToConfirm(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	const stranger = 9001
	first := selfRegister(t, s, stranger, "91410923MA4000137M") // E001's
	e001, region := unitID(t, s, "E001")
	if first.Status != store.StatusSubmitted || first.AssigneeID != nil || !first.UnverifiedReporter || first.UnitID == nil ||
		*first.UnitID != e001 || first.RegionID != region {
		t.Fatalf("a stranger's case: %+v", first.Case)
	}
	if n := countJobs(t, s, store.NoticeAssignedToYou); n != 0 {
		t.Fatalf("the linked cadre was told of a stranger's case (%d)", n)
	}
	if got := linkOf(t, s, stranger, "E001"); got != "unverified" {
		t.Fatalf("link %s", got)
	}
	strangerID := *first.ReporterID
	second, err := s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &e001, ReporterID: &strangerID, Route: true,
		Description: "招工难，缺少熟练焊工"})
	if err != nil || second.Status != store.StatusSubmitted || !second.UnverifiedReporter {
		t.Fatalf("a second case through the unverified link: %+v %v", second.Case, err)
	}

	office, cadre, cityOffice := personByCode(t, s, "P017"), personByCode(t, s, "P001"), personByCode(t, s, "P019")
	lines, _, err := s.Queue(ctx, office, 10, 0)
	if err != nil || len(lines) != 2 || !lines[0].Unverified || !lines[1].Unverified {
		t.Fatalf("the office's queue: %+v %v", lines, err)
	}
	v, err := s.CaseFor(ctx, office, first.TicketNo)
	if err != nil || !v.Office || !v.Unverified || !v.LinkPending {
		t.Fatalf("the office's view: %+v %v", v, err)
	}

	for who, actor := range map[string]int64{"the stranger": strangerID, "the unit's cadre": cadre, "another county's office": outsideOffice(t, s)} {
		for _, decide := range []func(context.Context, store.ActParams) (store.Case, error){s.ConfirmReporter, s.RejectReporter} {
			if _, err := decide(ctx, store.ActParams{Ticket: first.TicketNo, ActorID: actor}); !errors.Is(err, store.ErrForbidden) {
				t.Errorf("%s decided on the link: %v, want ErrForbidden", who, err)
			}
		}
	}
	if got, n := linkOf(t, s, stranger, "E001"), countJobs(t, s, store.NoticeReporterRejected); got != "unverified" || n != 0 {
		t.Fatalf("after forged presses: link %s, %d notices", got, n)
	}

	c, err := s.ConfirmReporter(ctx, store.ActParams{Ticket: first.TicketNo, ActorID: office, Source: "chat:1:update:1"})
	if err != nil || c.Status != store.StatusSubmitted {
		t.Fatalf("confirm: %+v %v", c, err)
	}
	if got := linkOf(t, s, stranger, "E001"); got != "verified" {
		t.Fatalf("link after confirming: %s", got)
	}
	evs, _ := s.Events(ctx, first.ID)
	last := evs[len(evs)-1]
	if last.Kind != store.EventReporterConfirmed || last.ActorID == nil || *last.ActorID != office || !last.Internal || last.Data["Unit"] != "云岭精密机械有限公司" {
		t.Fatalf("event %+v", last)
	}
	for _, no := range []string{first.TicketNo, second.TicketNo} {
		if v, err := s.CaseFor(ctx, cityOffice, no); err != nil || v.Unverified || v.LinkPending {
			t.Errorf("%s after the confirmation: %+v %v", no, v, err)
		}
	}
	// Pressed again, by the same office or another: nothing left to decide.
	if _, err := s.ConfirmReporter(ctx, store.ActParams{Ticket: first.TicketNo, ActorID: cityOffice}); !errors.Is(err, store.ErrIllegalTransition) {
		t.Fatalf("second confirm: %v", err)
	}
	if _, err := s.RejectReporter(ctx, store.ActParams{Ticket: second.TicketNo, ActorID: office}); !errors.Is(err, store.ErrIllegalTransition) {
		t.Fatalf("reject after confirming: %v", err)
	}

	third, err := s.Submit(ctx, store.SubmitParams{RegionID: region, UnitID: &e001, ReporterID: &strangerID, Route: true,
		Description: "厂门口道路塌陷，货车进不来"})
	if err != nil || third.Status != store.StatusAssigned || third.Assignee != "李春梅" || third.UnverifiedReporter {
		t.Fatalf("a case after the confirmation: %+v %v", third.Case, err)
	}
}

// The office rejects a stranger's link: it is removed, the stranger is told, and the case
// stays in triage, still marked, for the office to decide.
func TestRejectedReporterIsToldAndTheCaseStaysInTriage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	const stranger = 9101
	c := selfRegister(t, s, stranger, "91410923MA40002746") // E002's
	office := personByCode(t, s, "P018")
	out, err := s.RejectReporter(ctx, store.ActParams{Ticket: c.TicketNo, ActorID: office})
	if err != nil || out.Status != store.StatusSubmitted {
		t.Fatalf("reject: %+v %v", out, err)
	}
	if got := linkOf(t, s, stranger, "E002"); got != "none" {
		t.Fatalf("link after rejecting: %s", got)
	}
	var chat int64
	var unit string
	if err := s.Pool().QueryRow(ctx, `SELECT (args->>'chat_id')::bigint, args->'data'->>'Unit' FROM river_job
		WHERE args->>'msg' = $1`, store.NoticeReporterRejected).Scan(&chat, &unit); err != nil || chat != stranger || unit != "青石建材有限公司" {
		t.Fatalf("the stranger's notice: chat %d, unit %q, %v", chat, unit, err)
	}
	lines, _, err := s.Queue(ctx, office, 10, 0)
	if err != nil || len(lines) != 1 || lines[0].TicketNo != c.TicketNo || !lines[0].Unverified {
		t.Fatalf("queue after rejecting: %+v %v", lines, err)
	}
	v, err := s.CaseFor(ctx, office, c.TicketNo)
	if err != nil || !v.Unverified || v.LinkPending {
		t.Fatalf("view after rejecting: %+v %v", v, err)
	}
	// The stranger still sees the case they filed.
	if v, err := s.CaseFor(ctx, *c.ReporterID, c.TicketNo); err != nil || !v.Reporter {
		t.Fatalf("the stranger's own case: %+v %v", v, err)
	}
	for _, decide := range []func(context.Context, store.ActParams) (store.Case, error){s.ConfirmReporter, s.RejectReporter} {
		if _, err := decide(ctx, store.ActParams{Ticket: c.TicketNo, ActorID: office}); !errors.Is(err, store.ErrIllegalTransition) {
			t.Errorf("a decision after the rejection: %v", err)
		}
	}
	if n := countJobs(t, s, store.NoticeReporterRejected); n != 1 {
		t.Fatalf("%d rejection notices", n)
	}
}

// Invites still make verified reporters at once; an invite used by someone who had named the
// unit themselves verifies their link, spending a use.
func TestInvitesMakeVerifiedReporters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	inv, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E003"})
	if _, err := s.RedeemInvite(ctx, inv.Code, acc(9201)); err != nil {
		t.Fatal(err)
	}
	if got := linkOf(t, s, 9201, "E003"); got != "verified" {
		t.Fatalf("invited: %s", got)
	}
	c := selfRegister(t, s, 9202, "91410923MA4000548G") // E004's
	inv, _ = s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E004"})
	b, err := s.RedeemInvite(ctx, inv.Code, acc(9202))
	if err != nil || b.Already {
		t.Fatalf("invite for a self-registered reporter: %+v %v", b, err)
	}
	if got := linkOf(t, s, 9202, "E004"); got != "verified" {
		t.Fatalf("after the invite: %s", got)
	}
	if _, err := s.RedeemInvite(ctx, inv.Code, acc(9203)); !errors.Is(err, store.ErrInviteUsed) {
		t.Fatalf("the use was not spent: %v", err)
	}
	if v, err := s.CaseFor(ctx, personByCode(t, s, "P017"), c.TicketNo); err != nil || v.Unverified || v.LinkPending {
		t.Fatalf("the earlier case after the invite: %+v %v", v, err)
	}
	// A stranger who names a unit already theirs by invite keeps the verified link.
	again := selfRegister(t, s, 9202, "91410923MA4000548G")
	if again.UnverifiedReporter || linkOf(t, s, 9202, "E004") != "verified" {
		t.Fatalf("naming one's own unit again: %+v", again.Case)
	}
}

// Reporters who registered themselves before links were checked become unverified, and so do
// their cases; those the organisation data names or whom an invite made stay verified. Where
// a unit has more reporters from outside the organisation data than its invites were used,
// none of them can be told apart and none stays verified. Someone bound from a group is
// notified in their private chat from now on.
func TestMigrationMakesSelfRegisteredReportersUnverified(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := store.Open(ctx, storetest.NewEmptyDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := store.MigrateTo(ctx, pool, 6); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `
		INSERT INTO regions (id, code, name, level) VALUES (1, 'HQ', '河清市', 'city');
		INSERT INTO units (id, code, kind, name, credit_code, region_id, self_registered) VALUES
			(1, 'E1', 'enterprise', '一厂', '91410923MA4000137M', 1, false),
			(2, 'E2', 'enterprise', '二厂', '91410923MA40002746', 1, false),
			(3, 'E3', 'enterprise', '三厂', '91410923MA40004112', 1, false),
			(4, 'self-x', 'village', '柳湾村', NULL, 1, true);
		INSERT INTO people (id, code, name, telegram_user_id, chat_id) VALUES
			(1, 'P1', '名单上的', 101, 101), (2, NULL, '冒名的', 102, 102), (3, NULL, '受邀的', 103, 103),
			(4, NULL, '受邀的二', 104, 104), (5, NULL, '冒名的二', 105, 105), (6, NULL, '自建村的', 106, 106),
			(7, 'P7', '群里绑定的', 107, -1001234567890);
		INSERT INTO person_roles (person_id, role, unit_id) VALUES (1, 'reporter', 1), (2, 'reporter', 1), (3, 'reporter', 2),
			(4, 'reporter', 3), (5, 'reporter', 3), (6, 'reporter', 4);
		INSERT INTO person_roles (person_id, role, region_id) VALUES (7, 'handler', 1);
		INSERT INTO invites (code_hash, role, unit_id, max_uses, uses, expires_at) VALUES
			('\x01', 'reporter', 2, 1, 1, now()), ('\x02', 'reporter', 3, 5, 1, now()), ('\x03', 'reporter', 1, 5, 0, now());
		INSERT INTO cases (ticket_no, region_id, unit_id, reporter_id, description) VALUES
			('XC-1', 1, 1, 2, '冒名者的问题'), ('XC-2', 1, 2, 3, '受邀者的问题'), ('XC-3', 1, 1, 1, '名单上的人的问题')`); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, "SELECT p.name, r.verified FROM person_roles r JOIN people p ON p.id = r.person_id WHERE r.role = 'reporter' ORDER BY p.id")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for rows.Next() {
		var name string
		var verified bool
		if err := rows.Scan(&name, &verified); err != nil {
			t.Fatal(err)
		}
		got[name] = verified
	}
	want := map[string]bool{"名单上的": true, "冒名的": false, "受邀的": true, "受邀的二": false, "冒名的二": false, "自建村的": false}
	for name, v := range want {
		if got[name] != v {
			t.Errorf("%s verified = %v, want %v", name, got[name], v)
		}
	}
	for no, want := range map[string]bool{"XC-1": true, "XC-2": false, "XC-3": false} {
		var unverified bool
		pool.QueryRow(ctx, "SELECT unverified_reporter FROM cases WHERE ticket_no = $1", no).Scan(&unverified)
		if unverified != want {
			t.Errorf("case %s unverified_reporter = %v, want %v", no, unverified, want)
		}
	}
	var chat int64
	pool.QueryRow(ctx, "SELECT chat_id FROM people WHERE id = 7").Scan(&chat)
	if chat != 107 {
		t.Errorf("a person bound from a group is notified in chat %d, want their own 107", chat)
	}
}

// The units an account reports for are read with the person in one query: those the person
// is a reporter of, by name, and none of the units they hold another role in.
func TestReporterUnitsAreTheAccountsPersonsUnits(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := storetest.NewStore(t, store.Options{})
	region := newRegion(t, s)
	unit := func(code, kind, name string) int64 {
		var id int64
		if err := s.Pool().QueryRow(ctx, "INSERT INTO units (code, kind, name, region_id) VALUES ($1, $2, $3, $4) RETURNING id",
			code, kind, name, region.ID).Scan(&id); err != nil {
			t.Fatal(err)
		}
		return id
	}
	village := unit("u-b", store.UnitVillage, "二村")
	firm := unit("u-a", store.UnitEnterprise, "一号公司")
	handled := unit("u-c", store.UnitEnterprise, "丙公司")
	person := storetest.AddPerson(t, s, storetest.Person{Name: "报告人", TelegramID: 7001, ChatID: 7001, RegionID: region.ID})
	storetest.AddRole(t, s, person, storetest.Role{Role: store.RoleReporter, UnitID: village, Verified: true})
	storetest.AddRole(t, s, person, storetest.Role{Role: store.RoleReporter, UnitID: firm})
	storetest.AddRole(t, s, person, storetest.Role{Role: store.RoleHandler, UnitID: handled})

	got, units, err := s.ReporterUnits(ctx, 7001)
	if err != nil {
		t.Fatal(err)
	}
	if got != person {
		t.Fatalf("person %d; want %d", got, person)
	}
	want := []store.Unit{{ID: firm, Kind: store.UnitEnterprise, Name: "一号公司", RegionID: region.ID},
		{ID: village, Kind: store.UnitVillage, Name: "二村", RegionID: region.ID}}
	if len(units) != len(want) || units[0] != want[0] || units[1] != want[1] {
		t.Fatalf("units %+v; want %+v", units, want)
	}

	// A bound person who reports for no unit is found, with none.
	other := storetest.AddPerson(t, s, storetest.Person{Name: "干部", TelegramID: 7002, ChatID: 7002, RegionID: region.ID})
	storetest.AddRole(t, s, other, storetest.Role{Role: store.RoleHandler, UnitID: handled})
	if got, units, err := s.ReporterUnits(ctx, 7002); err != nil || got != other || len(units) != 0 {
		t.Fatalf("a handler's units: %d %+v %v; want %d, none", got, units, err, other)
	}
	// An account bound to no one is not found.
	if _, _, err := s.ReporterUnits(ctx, 7003); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an unbound account: %v; want ErrNotFound", err)
	}
}
