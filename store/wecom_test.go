package store_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
)

// A WeCom userid gets one account number, the same however many of its first callbacks ask
// at once, in the range no Telegram id reaches; the number leads back to the userid.
func TestAWeComUserIDGetsOneAccountNumber(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	ctx := context.Background()
	ids := make([]int64, 8)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, err := s.WeComAccount(ctx, "zhangsan")
			if err != nil {
				t.Error(err)
			}
			ids[i] = id
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id != ids[0] || !store.IsWeCom(id) {
			t.Fatalf("numbers %v", ids)
		}
	}
	if _, created, err := s.WeComAccountNew(ctx, "zhangsan"); err != nil || created {
		t.Fatalf("seen again: created %v, %v", created, err)
	}
	other, created, err := s.WeComAccountNew(ctx, "lisi")
	if !created {
		t.Fatalf("a new userid not created")
	}
	if err != nil || other == ids[0] || !store.IsWeCom(other) {
		t.Fatalf("another userid: %d %v", other, err)
	}
	if u, err := s.WeComUserID(ctx, ids[0]); err != nil || u != "zhangsan" {
		t.Fatalf("userid %q %v", u, err)
	}
	for _, tg := range []int64{1, 7000000001, -1001234567890123, 1 << 52} {
		if store.IsWeCom(tg) {
			t.Errorf("%d taken for a WeCom account", tg)
		}
	}
}

// A person bound on Telegram binds WeCom too with a second invite: one person, two accounts,
// the same roles; notifications go where they bound last.
func TestOnePersonOnBothPlatforms(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	ctx := context.Background()
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	wc, err := s.WeComAccount(ctx, "zhouping")
	if err != nil {
		t.Fatal(err)
	}
	for _, acc := range []store.Account{{UserID: 9101, ChatID: 9101, Name: "Zhou"}, {UserID: wc, ChatID: wc, Name: "zhouping"}} {
		inv, err := s.CreateInvite(ctx, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.RedeemInvite(ctx, inv.Code, acc); err != nil {
			t.Fatalf("redeem as %d: %v", acc.UserID, err)
		}
	}
	a1, err1 := s.ActorByAccount(ctx, 9101)
	a2, err2 := s.ActorByAccount(ctx, wc)
	if err1 != nil || err2 != nil || a1.PersonID != a2.PersonID || !a2.Has(store.RoleHandler) {
		t.Fatalf("%+v %v / %+v %v", a1, err1, a2, err2)
	}
	r, err := s.ReachOf(ctx, 9101)
	if err != nil || r.Chat != wc || !r.Both() || r.Where != store.WhereLast {
		t.Fatalf("notifications go to %+v, want the WeCom account %d: %v", r, wc, err)
	}
	if !a1.Both || !a2.Both {
		t.Errorf("the person is not known as bound on both: %+v %+v", a1, a2)
	}
	// The command menu is Telegram's, whichever platform notifications go to.
	if _, chat, err := s.ActorByPerson(ctx, a1.PersonID); err != nil || chat != 9101 {
		t.Fatalf("the menu is set in %d, want the Telegram chat: %v", chat, err)
	}
}

// A person bound on both platforms chooses where notifications go: the choice holds against
// use of the other platform, and "last used" gives it back to use. A person bound on one platform has no choice, and nothing
// but the three choices is taken.
func TestWhereAPersonOnBothPlatformsIsNotified(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	ctx := context.Background()
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	wc, err := s.WeComAccount(ctx, "zhouping")
	if err != nil {
		t.Fatal(err)
	}
	const tg = 9102
	redeem := func(acc store.Account) {
		t.Helper()
		if _, err := s.RedeemInvite(ctx, storetest.Invite(t, s, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}), acc); err != nil {
			t.Fatalf("redeem as %d: %v", acc.UserID, err)
		}
	}
	redeem(store.Account{UserID: tg, ChatID: tg, Name: "Zhou"})
	if err := s.SetWhere(ctx, tg, store.WhereWeCom); !errors.Is(err, store.ErrForbidden) {
		t.Fatalf("bound on Telegram only, choosing WeCom: %v", err)
	}
	redeem(store.Account{UserID: wc, ChatID: wc, Name: "zhouping"})
	reach := func(want store.Reach) {
		t.Helper()
		r, err := s.ReachOf(ctx, wc)
		if err != nil || r != want {
			t.Fatalf("reach %+v, want %+v: %v", r, want, err)
		}
	}
	reach(store.Reach{Telegram: true, WeCom: true, Chat: wc})

	// From Telegram, they choose WeCom: writing on Telegram leaves it there.
	if err := s.SetWhere(ctx, tg, store.WhereWeCom); err != nil {
		t.Fatal(err)
	}
	if err := s.UsedFrom(ctx, tg); err != nil {
		t.Fatal(err)
	}
	reach(store.Reach{Telegram: true, WeCom: true, Where: store.WhereWeCom, Chat: wc})
	// Telegram chosen moves it at once; writing in WeCom leaves it there.
	if err := s.SetWhere(ctx, wc, store.WhereTelegram); err != nil {
		t.Fatal(err)
	}
	if err := s.UsedFrom(ctx, wc); err != nil {
		t.Fatal(err)
	}
	reach(store.Reach{Telegram: true, WeCom: true, Where: store.WhereTelegram, Chat: tg})
	// Something else than the three choices changes nothing.
	for _, bad := range []string{"sms", "WECOM", "last"} {
		if err := s.SetWhere(ctx, wc, bad); !errors.Is(err, store.ErrInvalid) {
			t.Fatalf("choosing %q: %v", bad, err)
		}
	}
	reach(store.Reach{Telegram: true, WeCom: true, Where: store.WhereTelegram, Chat: tg})
	// A reporter's invite used in WeCom adds the role and leaves them on Telegram, as chosen.
	if _, err := s.RedeemInvite(ctx, storetest.Invite(t, s, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}),
		store.Account{UserID: wc, ChatID: wc, Name: "zhouping"}); err != nil {
		t.Fatal(err)
	}
	reach(store.Reach{Telegram: true, WeCom: true, Where: store.WhereTelegram, Chat: tg})
	// "Last used", chosen in WeCom, starts there, and follows use again.
	if err := s.SetWhere(ctx, wc, store.WhereLast); err != nil {
		t.Fatal(err)
	}
	reach(store.Reach{Telegram: true, WeCom: true, Chat: wc})
	if err := s.UsedFrom(ctx, tg); err != nil {
		t.Fatal(err)
	}
	reach(store.Reach{Telegram: true, WeCom: true, Chat: tg})
	if _, err := s.ReachOf(ctx, 424242); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("an account of no one: %v", err)
	}
}

// An import binds people to WeCom userids: the person is reachable there at once (their
// chat is the account), told once at the first contact, and unchanged by the same import
// again; a userid another person holds is a problem of its row, and nothing is written.
func TestAnImportBindsAWeComUserID(t *testing.T) {
	t.Parallel()
	s := storetest.NewStore(t, store.Options{})
	ctx := context.Background()
	if _, probs, err := s.ImportOrg(ctx, orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("demo: %v %+v", err, probs)
	}
	people := func(rows string) store.OrgData {
		res := orgfile.Read(orgfile.File{Name: "people.csv", Data: []byte("code,name,region code,roles,wecom userid\n" + rows)})
		if len(res.Problems) > 0 {
			t.Fatalf("read: %+v", res.Problems)
		}
		return res.Data
	}
	if _, probs, err := s.ImportOrg(ctx, people("P901,王磊,HQ-YL,承办人,wanglei\n"), false); err != nil || len(probs) > 0 {
		t.Fatalf("import: %v %+v", err, probs)
	}
	account, err := s.WeComAccount(ctx, "wanglei")
	if err != nil {
		t.Fatal(err)
	}
	a, chat, err := s.ActorByPerson(ctx, personByCode(t, s, "P901"))
	if err != nil || chat != account || a.Name != "王磊" {
		t.Fatalf("person %+v in chat %d, %v; want the account %d", a, chat, err, account)
	}
	rep, probs, err := s.ImportOrg(ctx, people("P901,王磊,HQ-YL,承办人,wanglei\n"), false)
	if err != nil || len(probs) > 0 || rep.Counts["people"].Unchanged != 1 {
		t.Fatalf("again: %+v %+v %v", rep.Counts["people"], probs, err)
	}
	added, ok, err := s.WeComFirstContact(ctx, account)
	if err != nil || !ok || added.Name != "王磊" || len(added.Roles) != 1 || added.Roles[0] != (store.RoleAt{Role: store.RoleHandler, Where: "云岭县"}) {
		t.Fatalf("first contact %+v %v %v", added, ok, err)
	}
	if _, ok, err := s.WeComFirstContact(ctx, account); err != nil || ok {
		t.Fatalf("told again: %v %v", ok, err)
	}
	_, probs, err = s.ImportOrg(ctx, people("P902,赵敏,HQ-YL,承办人,wanglei\n"), false)
	if len(probs) != 1 || probs[0].Code != store.ProbWeComTaken || probs[0].Column != "wecom" {
		t.Fatalf("taken: %+v %v", probs, err)
	}
}
