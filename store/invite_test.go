package store_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// demoStore is a store with the demo county loaded, on a clock the test moves.
func demoStore(t *testing.T) (*store.Store, *time.Time) {
	t.Helper()
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	s := storetest.NewStore(t, store.Options{Now: func() time.Time { return now }})
	if _, probs, err := s.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	return s, &now
}

func acc(id int64) store.Account {
	return store.Account{UserID: id, ChatID: id, Name: "用户", Lang: "zh-CN"}
}

func TestUnitInviteMakesReportersAndIsUsedUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	inv, err := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	if err != nil {
		t.Fatal(err)
	}
	if len(inv.Code) != 22 || inv.Target != "云岭精密机械有限公司" || inv.MaxUses != 1 {
		t.Fatalf("invite %+v", inv)
	}
	b, err := s.RedeemInvite(ctx, inv.Code, acc(101))
	if err != nil || b.Already || b.Role != store.RoleReporter || b.Target != "云岭精密机械有限公司" {
		t.Fatalf("first use: %+v, %v", b, err)
	}
	var roles int
	s.Pool().QueryRow(ctx, `SELECT count(*) FROM person_roles r JOIN people p ON p.id = r.person_id JOIN units u ON u.id = r.unit_id
		WHERE p.telegram_user_id = 101 AND r.role = 'reporter' AND u.code = 'E001'`).Scan(&roles)
	if roles != 1 {
		t.Fatalf("reporter roles for the account: %d", roles)
	}
	// The same person again: told it is done, nothing spent.
	if b, err := s.RedeemInvite(ctx, inv.Code, acc(101)); err != nil || !b.Already {
		t.Fatalf("same person again: %+v, %v", b, err)
	}
	// Someone else: used up.
	if _, err := s.RedeemInvite(ctx, inv.Code, acc(102)); !errors.Is(err, store.ErrInviteUsed) {
		t.Fatalf("second person: %v, want ErrInviteUsed", err)
	}

	multi, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "V-QS01", MaxUses: 2})
	for _, id := range []int64{201, 202} {
		if _, err := s.RedeemInvite(ctx, multi.Code, acc(id)); err != nil {
			t.Fatalf("use by %d: %v", id, err)
		}
	}
	if _, err := s.RedeemInvite(ctx, multi.Code, acc(203)); !errors.Is(err, store.ErrInviteUsed) {
		t.Fatalf("third use of a two-use invite: %v", err)
	}
}

func TestExpiredRevokedAndUnknownInvites(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, now := demoStore(t)
	exp, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002", TTL: 48 * time.Hour})
	rev, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E003"})
	if err := s.RevokeInvite(ctx, rev.Code); err != nil {
		t.Fatal(err)
	}
	*now = now.Add(48 * time.Hour)
	if _, err := s.RedeemInvite(ctx, exp.Code, acc(301)); !errors.Is(err, store.ErrInviteExpired) {
		t.Fatalf("expired: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, rev.Code, acc(301)); !errors.Is(err, store.ErrInviteRevoked) {
		t.Fatalf("revoked: %v", err)
	}
	if _, err := s.RedeemInvite(ctx, "AAAAAAAAAAAAAAAAAAAAAA", acc(301)); !errors.Is(err, store.ErrInviteUnknown) {
		t.Fatalf("unknown: %v", err)
	}
	if err := s.RevokeInvite(ctx, "nope"); !errors.Is(err, store.ErrInviteUnknown) {
		t.Fatalf("revoke unknown: %v", err)
	}
	var people int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM people WHERE telegram_user_id = 301").Scan(&people)
	if people != 0 {
		t.Fatal("a refused invite created a person")
	}
	// Only hashes are kept.
	var leaked int
	s.Pool().QueryRow(ctx, "SELECT count(*) FROM invites WHERE position($1::bytea in code_hash) > 0", []byte(exp.Code)).Scan(&leaked)
	if leaked != 0 {
		t.Fatal("an invite code is stored in plain")
	}
}

func TestPersonInviteBindsTheAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	// P001 is a handler in the demo county; P017 an office member.
	inv, err := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.RedeemInvite(ctx, inv.Code, acc(401))
	if err != nil || b.Target != "李春梅" {
		t.Fatalf("%+v, %v", b, err)
	}
	var tg int64
	s.Pool().QueryRow(ctx, "SELECT telegram_user_id FROM people WHERE code = 'P001'").Scan(&tg)
	if tg != 401 {
		t.Fatalf("P001 bound to %d", tg)
	}
	// A second invite for P001 used by another account: P001 is taken.
	again, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	if _, err := s.RedeemInvite(ctx, again.Code, acc(402)); !errors.Is(err, store.ErrPersonIsBound) {
		t.Fatalf("P001 by another account: %v", err)
	}
	// Account 401 cannot also become P002.
	p2, _ := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P002"})
	if _, err := s.RedeemInvite(ctx, p2.Code, acc(401)); !errors.Is(err, store.ErrAccountInUse) {
		t.Fatalf("one account, two people: %v", err)
	}
	// A refused use spends nothing: P002's invite still works for its own person.
	if _, err := s.RedeemInvite(ctx, p2.Code, acc(403)); err != nil {
		t.Fatalf("P002's invite after a refused use: %v", err)
	}
}

func TestInvitesAreCheckedWhenMade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := demoStore(t)
	for name, p := range map[string]store.InviteParams{
		"role not held":        {Role: store.RoleOffice, PersonCode: "P001"},
		"unit as handler":      {Role: store.RoleHandler, UnitCode: "E001"},
		"neither unit nor one": {Role: store.RoleReporter},
		"unknown unit":         {Role: store.RoleReporter, UnitCode: "NOPE"},
		"unknown person":       {Role: store.RoleHandler, PersonCode: "NOPE"},
	} {
		if _, err := s.CreateInvite(ctx, p); err == nil {
			t.Errorf("%s: made", name)
		}
	}
	seen := map[string]bool{}
	for range 50 {
		inv, err := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
		if err != nil || seen[inv.Code] || strings.ContainsAny(inv.Code, "+/=") {
			t.Fatalf("code %q: %v (repeated or not URL-safe)", inv.Code, err)
		}
		seen[inv.Code] = true
	}
}
