package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/bangban/bangban/store"
)

// The factories below build the small pieces of a world a test needs on its own database — a
// county with its office, a person, a role, a case in a given status — so that tests share
// them rather than each writing its own SQL. Each stops the test when it cannot build.

// Person is a person to add; the zero values leave a column empty.
type Person struct {
	Code       string
	Name       string
	TelegramID int64
	ChatID     int64
	RegionID   int64
	Lang       string
}

// AddPerson adds a person and returns their id.
func AddPerson(tb testing.TB, s *store.Store, p Person) int64 {
	tb.Helper()
	var id int64
	if err := s.Pool().QueryRow(context.Background(), `INSERT INTO people (code, name, telegram_user_id, chat_id, region_id, lang)
		VALUES (NULLIF($1, ''), $2, NULLIF($3, 0), NULLIF($4, 0), NULLIF($5, 0), NULLIF($6, '')) RETURNING id`,
		p.Code, p.Name, p.TelegramID, p.ChatID, p.RegionID, p.Lang).Scan(&id); err != nil {
		tb.Fatalf("add person %s: %v", p.Name, err)
	}
	return id
}

// Role is one role a person holds: a reporter of a unit (verified or not), a handler of a
// unit or a region, an office's member, an admin.
type Role struct {
	Role     string
	UnitID   int64
	OfficeID int64
	RegionID int64
	Verified bool
}

// AddRole gives a person a role.
func AddRole(tb testing.TB, s *store.Store, person int64, r Role) {
	tb.Helper()
	if _, err := s.Pool().Exec(context.Background(), `INSERT INTO person_roles (person_id, role, unit_id, office_id, region_id, verified)
		VALUES ($1, $2, NULLIF($3, 0), NULLIF($4, 0), NULLIF($5, 0), $6)`,
		person, r.Role, r.UnitID, r.OfficeID, r.RegionID, r.Verified); err != nil {
		tb.Fatalf("give person %d the role %s: %v", person, r.Role, err)
	}
}

// AddReporter adds a person who reports for a unit, verified or not (a self-registered
// reporter), reached at chat telegramID.
func AddReporter(tb testing.TB, s *store.Store, unit int64, name string, telegramID int64, verified bool) int64 {
	tb.Helper()
	var region int64
	if err := s.Pool().QueryRow(context.Background(), "SELECT region_id FROM units WHERE id = $1", unit).Scan(&region); err != nil {
		tb.Fatalf("unit %d: %v", unit, err)
	}
	id := AddPerson(tb, s, Person{Name: name, TelegramID: telegramID, ChatID: telegramID, RegionID: region, Lang: "zh-CN"})
	AddRole(tb, s, id, Role{Role: store.RoleReporter, UnitID: unit, Verified: verified})
	return id
}

// County is a county added under the city, with its campaign office and one member of it.
type County struct {
	RegionID, OfficeID, MemberID int64
}

// AddCounty adds the county HQ-<code> under the city HQ, its office OF-<code>, and member as
// that office's member, of the county unless their region is given.
func AddCounty(tb testing.TB, s *store.Store, code, name string, member Person) County {
	tb.Helper()
	ctx := context.Background()
	var c County
	if err := s.Pool().QueryRow(ctx, `INSERT INTO regions (code, name, level, parent_id)
		SELECT $1, $2, 'county', id FROM regions WHERE code = 'HQ' RETURNING id`, "HQ-"+code, name).Scan(&c.RegionID); err != nil {
		tb.Fatalf("add county %s: %v", code, err)
	}
	if err := s.Pool().QueryRow(ctx, "INSERT INTO offices (code, name, region_id) VALUES ($1, $2, $3) RETURNING id",
		"OF-"+code, name+"活动办", c.RegionID).Scan(&c.OfficeID); err != nil {
		tb.Fatalf("add the office of %s: %v", code, err)
	}
	if member.RegionID == 0 {
		member.RegionID = c.RegionID
	}
	c.MemberID = AddPerson(tb, s, member)
	AddRole(tb, s, c.MemberID, Role{Role: store.RoleOffice, OfficeID: c.OfficeID})
	return c
}

// PersonID is the id of the person of the organisation data with that code.
func PersonID(tb testing.TB, s *store.Store, code string) int64 {
	tb.Helper()
	var id int64
	if err := s.Pool().QueryRow(context.Background(), "SELECT id FROM people WHERE code = $1", code).Scan(&id); err != nil {
		tb.Fatalf("person %s: %v", code, err)
	}
	return id
}

// UnitID is the id and region of the unit with that code.
func UnitID(tb testing.TB, s *store.Store, code string) (unit, region int64) {
	tb.Helper()
	if err := s.Pool().QueryRow(context.Background(), "SELECT id, region_id FROM units WHERE code = $1", code).Scan(&unit, &region); err != nil {
		tb.Fatalf("unit %s: %v", code, err)
	}
	return unit, region
}

// Cast are the people a case passes through: who reports it for which unit, the office
// member who triages it and the handler it is assigned to.
type Cast struct {
	UnitID, RegionID int64
	Reporter         int64
	Office           int64
	Handler          int64
}

// CaseIn files a case for the cast's unit and brings it to status through the store's own
// verbs — triage, assignment, sign-for, result, the reporter's rating, not accepted, merged
// into a case of its own — and returns its ticket number.
func CaseIn(tb testing.TB, s *store.Store, cast Cast, status store.Status) string {
	tb.Helper()
	no, err := caseIn(context.Background(), s, cast, status)
	if err != nil {
		tb.Fatalf("a case %s: %v", status, err)
	}
	return no
}

func caseIn(ctx context.Context, s *store.Store, cast Cast, status store.Status) (string, error) {
	sub, err := s.Submit(ctx, store.SubmitParams{RegionID: cast.RegionID, UnitID: &cast.UnitID, ReporterID: &cast.Reporter,
		Description: "厂区道路需要硬化处理，雨天车辆无法通行"})
	if err != nil {
		return "", fmt.Errorf("submit: %w", err)
	}
	no := sub.TicketNo
	office := store.ActParams{Ticket: no, ActorID: cast.Office}
	handler := store.ActParams{Ticket: no, ActorID: cast.Handler}
	steps := map[store.Status][]func() error{
		store.StatusSubmitted: nil,
		store.StatusRejected: {func() error {
			_, err := s.Reject(ctx, store.ActParams{Ticket: no, ActorID: cast.Office, Note: "不属于活动办办理范围"})
			return err
		}},
		store.StatusMerged: {func() error {
			into, err := caseIn(ctx, s, cast, store.StatusSubmitted)
			if err != nil {
				return err
			}
			_, err = s.Merge(ctx, store.MergeParams{ActParams: office, Into: into})
			return err
		}},
	}
	assign := func() error {
		_, err := s.Assign(ctx, store.AssignParams{ActParams: office, AssigneeID: cast.Handler})
		return err
	}
	sign := func() error { _, err := s.Sign(ctx, handler); return err }
	resolve := func() error {
		_, err := s.Resolve(ctx, store.ActParams{Ticket: no, ActorID: cast.Handler, Note: "道路已硬化"})
		return err
	}
	rate := func() error {
		_, err := s.Feedback(ctx, store.FeedbackParams{ActParams: store.ActParams{Ticket: no, ActorID: cast.Reporter},
			Solved: true, Satisfaction: store.Satisfied})
		return err
	}
	steps[store.StatusAssigned] = []func() error{assign}
	steps[store.StatusInProgress] = []func() error{assign, sign}
	steps[store.StatusResolved] = []func() error{assign, sign, resolve}
	steps[store.StatusClosed] = []func() error{assign, sign, resolve, rate}
	todo, ok := steps[status]
	if !ok {
		return "", fmt.Errorf("no way to a case %q", status)
	}
	for _, step := range todo {
		if err := step(); err != nil {
			return "", fmt.Errorf("case %s: %w", no, err)
		}
	}
	return no, nil
}

// Invite is the code of a new invite made with p.
func Invite(tb testing.TB, s *store.Store, p store.InviteParams) string {
	tb.Helper()
	inv, err := s.CreateInvite(context.Background(), p)
	if err != nil {
		tb.Fatalf("invite %+v: %v", p, err)
	}
	return inv.Code
}
