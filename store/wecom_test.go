package store_test

import (
	"context"
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
	_, chat, err := s.ActorByPerson(ctx, a1.PersonID)
	if err != nil || chat != wc {
		t.Fatalf("notifications go to %d, want the WeCom account %d: %v", chat, wc, err)
	}
}
