package wecom_test

import (
	"context"
	"testing"

	"github.com/bangban/bangban/store"
)

// WeCom is asked once the name of a member first seen by their userid alone: a reporter who
// joins in WeCom is then known to the offices by it, and greeted by it after. A member whose
// name an office imported keeps that name; one WeCom gives no name for keeps their userid, and
// WeCom is not asked again.
func TestAWeComMembersNameIsLookedUpOnce(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	ctx := context.Background()
	const reporter, nameless = "yangfan", "zhouwu"
	h.sim.AddMember(reporter, "杨帆")
	h.sim.AddUser(nameless)
	h.say(t, reporter, "绑定 "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}), 1)
	h.app.Wait()
	a, err := h.store.ActorByAccount(ctx, accountOf(t, h, reporter))
	if err != nil || a.Name != "杨帆" {
		t.Fatalf("the reporter is known as %q: %v", a.Name, err)
	}
	contains(t, h.say(t, reporter, "/start", 1), "杨帆")
	h.say(t, nameless, "绑定 "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"}), 1)
	h.say(t, nameless, "/help", 1)
	h.app.Wait()
	if a, err := h.store.ActorByAccount(ctx, accountOf(t, h, nameless)); err != nil || a.Name != nameless {
		t.Fatalf("a member without a WeCom name is known as %q: %v", a.Name, err)
	}
	// The cadre, named by the import, keeps that name whatever WeCom calls them.
	h.sim.AddMember("lichunmei", "Li Chunmei")
	h.joinWeCom(t, "lichunmei", store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	h.app.Wait()
	if a, err := h.store.ActorByAccount(ctx, accountOf(t, h, "lichunmei")); err != nil || a.Name != "李春梅" {
		t.Fatalf("the imported cadre is known as %q: %v", a.Name, err)
	}
	if n := h.sim.Calls("user/get"); n != 3 {
		t.Fatalf("user/get asked %d times for three members; want once each", n)
	}
}
