package wecom_test

import (
	"context"
	"strings"
	"testing"

	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// importPeople imports a sheet of people with their WeCom userids.
func (h *harness) importPeople(t *testing.T, rows string) {
	t.Helper()
	res := orgfile.Read(orgfile.File{Name: "people.csv", Data: []byte(
		"编码 code,姓名 name,手机号 phone,单位或部门 department,区域编码 region code,角色 roles,所在单位编码 unit code,活动办编码 office code,企业微信账号 wecom userid\n" + rows)})
	if len(res.Problems) > 0 {
		t.Fatalf("read: %+v", res.Problems)
	}
	if _, probs, err := h.store.ImportOrg(context.Background(), res.Data, false); err != nil || len(probs) > 0 {
		t.Fatalf("import: %v %+v", err, probs)
	}
}

// An office binds its people to WeCom in the import: a cadre and an office member with a
// WeCom userid each are bound at once. The cadre opens the app and is told, once, that they
// were added as 承办人 of the county; the office member writes /triage first and is told so
// too, before the answer; each is known with their roles, and neither is told again, after
// another opening or an import of the same sheet.
func TestAnImportBindsPeopleToWeCom(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	const sheet = "P901,王磊,,县发展和改革委员会,HQ-YL,承办人,,,wanglei\nP902,赵敏,,云岭县活动办,HQ-YL,活动办,,OF-YL,zhaomin\n"
	h.importPeople(t, sheet)
	const cadre, office = "wanglei", "zhaomin"
	h.sim.AddUser(cadre)
	h.sim.AddUser(office)

	contains(t, h.enter(t, cadre), "王磊，您已被加入帮办，身份：\n• 承办人 · 云岭县")
	contains(t, h.say(t, cadre, "/inbox", 1), "目前没有需要您办理的问题")
	got := h.say(t, office, "/triage", 2)
	contains(t, got[:1], "赵敏，您已被加入帮办，身份：\n• 活动办 · 云岭县万人助企联乡帮村活动办")
	contains(t, got[1:], "目前没有等待活动办处理的问题")

	h.importPeople(t, sheet)
	for _, u := range []string{cadre, office} {
		n := len(h.sim.Messages(u))
		if d, err := h.sim.Enter(u); err != nil || d.Status != wecomtest.StatusOK {
			t.Fatalf("delivery %+v: %v", d, err)
		}
		h.app.Wait()
		contains(t, h.say(t, u, "/help", 1), "/help")
		if msgs := h.sim.Messages(u)[n:]; len(msgs) != 1 {
			t.Fatalf("%s was told again:%s", u, dump(msgs))
		}
	}
	a, err := h.store.ActorByAccount(context.Background(), accountOf(t, h, office))
	if err != nil || a.Name != "赵敏" || len(a.Grants) != 1 || a.Grants[0].OfficeID == nil {
		t.Fatalf("the office member is %+v: %v", a, err)
	}
}

// The news of an import's binding is put back when WeCom refuses it (busy): the member who
// opens the app is welcomed all the same, and told they were added at their next contact,
// once.
func TestTheNewsOfAnImportIsPutBackWhenItCannotBeSent(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	h.importPeople(t, "P901,王磊,,县发展和改革委员会,HQ-YL,承办人,,,wanglei\n")
	const cadre = "wanglei"
	h.sim.AddUser(cadre)
	h.sim.FailNextSend(cadre, wecomtest.CodeBusy)
	if d, err := h.sim.Enter(cadre); err != nil || d.Status != wecomtest.StatusOK {
		t.Fatalf("delivery %+v: %v", d, err)
	}
	h.app.Wait()
	const added = "王磊，您已被加入帮办，身份：\n• 承办人 · 云岭县"
	if msgs := h.sim.Messages(cadre); strings.Contains(dump(msgs), "您已被加入帮办") {
		t.Fatalf("told though WeCom refused it:%s", dump(msgs))
	}
	got := h.say(t, cadre, "/help", 2)
	contains(t, got[:1], added)
	contains(t, got[1:], "/inbox")
	contains(t, h.say(t, cadre, "/help", 1), "/inbox")
	h.app.Wait()
	if n := strings.Count(dump(h.sim.Messages(cadre)), "您已被加入帮办"); n != 1 {
		t.Fatalf("told %d times:%s", n, dump(h.sim.Messages(cadre)))
	}
}
