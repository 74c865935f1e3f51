package bot_test

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"regexp"
	"strings"
	"testing"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/poster"
	"github.com/bangban/bangban/bot/poster/postertest"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
)

func posterPNG(link, name, caption string) ([]byte, error) {
	var buf bytes.Buffer
	err := poster.WritePNG(&buf, link, name, caption)
	return buf.Bytes(), err
}

// startDemo starts a bot on the demo county with the organisation features; options change
// the bot's.
func startDemo(t *testing.T, options ...func(*bot.Options)) *harness {
	t.Helper()
	rdb, prefix := redistest.New(t)
	return startWith(t, false, rdb, prefix, func(e *dialog.Engine, st *store.Store) {
		if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
			t.Fatalf("demo: %v %+v", err, probs)
		}
		if err := conversations.RegisterOrg(e, st, "bangban_bot", posterPNG); err != nil {
			t.Fatal(err)
		}
		if err := conversations.RegisterReport(e, st); err != nil {
			t.Fatal(err)
		}
		if err := conversations.RegisterHandling(e, st); err != nil {
			t.Fatal(err)
		}
		if err := conversations.RegisterReports(e, st); err != nil {
			t.Fatal(err)
		}
	}, options...)
}

func (h *harness) invite(t *testing.T, p store.InviteParams) string {
	t.Helper()
	inv, err := h.store.CreateInvite(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	return inv.Code
}

// say sends text as u and returns the bot's next message to u.
func (h *harness) say(t *testing.T, u telegramtest.User, text string) telegramtest.Message {
	t.Helper()
	n := len(h.sim.Messages(u.ID))
	h.sim.SendText(u, text)
	return h.sim.MustWaitMessages(t, u.ID, n+1)[n]
}

func TestJoiningWithAnInvite(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	code := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"})
	owner := telegramtest.User{ID: 7001, FirstName: "周总", LanguageCode: "zh-hans"}
	if m := h.say(t, owner, "/start "+code); !strings.Contains(m.Text, "绑定成功！您的身份：云岭精密机械有限公司 · 反映人") {
		t.Fatalf("join: %q", m.Text)
	}
	if m := h.say(t, owner, "/start "+code); !strings.Contains(m.Text, "您已绑定：云岭精密机械有限公司 · 反映人") {
		t.Fatalf("again: %q", m.Text)
	}
	other := telegramtest.User{ID: 7002, FirstName: "Li", LanguageCode: "en"}
	if m := h.say(t, other, "/start "+code); !strings.Contains(m.Text, "used up") {
		t.Fatalf("someone else: %q", m.Text)
	}
	if m := h.say(t, other, "/start ' OR 1=1 --"); !strings.Contains(m.Text, "not valid") {
		t.Fatalf("garbage: %q", m.Text)
	}
	rev := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"})
	if err := h.store.RevokeInvite(context.Background(), rev); err != nil {
		t.Fatal(err)
	}
	if m := h.say(t, other, "/start "+rev); !strings.Contains(m.Text, "revoked") {
		t.Fatalf("revoked: %q", m.Text)
	}
	exp := h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E002"})
	if _, err := h.store.Pool().Exec(context.Background(), "UPDATE invites SET expires_at = now() - interval '1 minute' WHERE role = 'reporter' AND uses = 0 AND revoked_at IS NULL"); err != nil {
		t.Fatal(err)
	}
	if m := h.say(t, other, "/start "+exp); !strings.Contains(m.Text, "expired") {
		t.Fatalf("expired: %q", m.Text)
	}
	if m := h.say(t, other, "/start"); !strings.Contains(m.Text, "This is bangban") {
		t.Fatalf("plain /start: %q", m.Text)
	}
}

var linkRe = regexp.MustCompile(`https://t\.me/bangban_bot\?start=([A-Za-z0-9_-]{22})`)

func TestAdminMakesAnInviteInTheChat(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	admin := telegramtest.User{ID: 7101, FirstName: "管理员", LanguageCode: "zh-hans"}
	h.say(t, admin, "/start "+h.invite(t, store.InviteParams{Role: store.RoleAdmin, PersonCode: "P024"}))

	m := h.say(t, admin, "/invite")
	if m.Text != "为谁生成邀请？" {
		t.Fatalf("first step %q", m.Text)
	}
	m, _ = h.press(t, admin, "单位（企业或村社区）")
	contains(t, m, "请输入编码")
	ms := h.sayK(t, admin, "NOPE", 2)
	contains(t, ms[0], "没有这个编码")
	contains(t, ms[1], "请输入编码") // asked again
	contains(t, h.say(t, admin, "E002"), "可以使用几次")
	m, _ = h.press(t, admin, "10")
	contains(t, m, "为 E002 生成“反映人”邀请，可用 10 次")
	m, _ = h.press(t, admin, "✔ 确认提交")
	link := linkRe.FindStringSubmatch(m.Caption)
	if m.PhotoFileID == "" || link == nil || !strings.Contains(m.Caption, "青石建材有限公司（反映人）") {
		t.Fatalf("made: %+v", m)
	}
	img, err := png.Decode(bytes.NewReader(h.sim.FileContent(m.PhotoFileID)))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := postertest.Scan(img); err != nil || got != link[0] {
		t.Fatalf("the poster scans as %q (%v), want %s", got, err, link[0])
	}
	newcomer := telegramtest.User{ID: 7102, FirstName: "Wang", LanguageCode: "en"}
	if m := h.say(t, newcomer, "/start "+link[1]); !strings.Contains(m.Text, "You have joined as: 青石建材有限公司 · reporter") {
		t.Fatalf("using the made link: %q", m.Text)
	}

	// Only admins: a reporter is refused, an unknown account is told to join first.
	if m := h.say(t, newcomer, "/invite"); !strings.Contains(m.Text, "not allowed") {
		t.Fatalf("reporter's /invite: %q", m.Text)
	}
	stranger := telegramtest.User{ID: 7103, FirstName: "X", LanguageCode: "en"}
	if m := h.say(t, stranger, "/invite"); !strings.Contains(m.Text, "You have not joined yet") {
		t.Fatalf("stranger's /invite: %q", m.Text)
	}
}

func TestOfficeSeesWhoHasNotJoined(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	office := telegramtest.User{ID: 7201, FirstName: "县活动办", LanguageCode: "zh-hans"}
	h.say(t, office, "/start "+h.invite(t, store.InviteParams{Role: store.RoleOffice, PersonCode: "P017"}))
	m := h.say(t, office, "/unjoined")
	// The county's 16 cadres and its other office member; all 37 units of the county.
	if !strings.Contains(m.Text, "尚未加入的干部和工作人员（17）") || !strings.Contains(m.Text, "还没有反映人加入的单位（37）") ||
		!strings.Contains(m.Text, "P001 李春梅") || strings.Contains(m.Text, "P017") || strings.Contains(m.Text, "P019") {
		t.Fatalf("unjoined: %s", m.Text)
	}
	cadre := telegramtest.User{ID: 7202, FirstName: "李春梅", LanguageCode: "zh-hans"}
	h.say(t, cadre, "/start "+h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"}))
	owner := telegramtest.User{ID: 7203, FirstName: "周总", LanguageCode: "zh-hans"}
	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	m = h.say(t, office, "/unjoined")
	if !strings.Contains(m.Text, "（16）") || !strings.Contains(m.Text, "（36）") || strings.Contains(m.Text, "P001 ") || strings.Contains(m.Text, "E001 ") {
		t.Fatalf("after two joined: %s", m.Text)
	}
	if m := h.say(t, cadre, "/unjoined"); !strings.Contains(m.Text, "没有进行这项操作的权限") {
		t.Fatalf("a cadre's /unjoined: %q", m.Text)
	}
}

// /help and the chat's command menu follow the person's roles and language: a newcomer and a
// reporter are offered reporting, an office its own commands and not reporting; joining and
// choosing a language set the menu of that chat.
func TestHelpAndMenuFollowRoles(t *testing.T) {
	t.Parallel()
	h := startDemo(t)
	newcomer := telegramtest.User{ID: 8701, FirstName: "New", LanguageCode: "en"}
	officeU := telegramtest.User{ID: 8702, FirstName: "高静", LanguageCode: "zh-hans"}
	owner := telegramtest.User{ID: 8703, FirstName: "周总", LanguageCode: "zh-hans"}

	m := h.say(t, newcomer, "/help")
	contains(t, m, "/new — Report a problem", "/my — ", "/lang — ")
	if strings.Contains(m.Text, "/unjoined") || strings.Contains(m.Text, "/rate") {
		t.Errorf("a newcomer is offered %q", m.Text)
	}

	h.say(t, officeU, "/start "+h.invite(t, store.InviteParams{Role: store.RoleOffice, PersonCode: "P017"}))
	if _, err := h.sim.WaitCall(waitCtx(t), "setMyCommands", func(c telegramtest.Call) bool {
		return strings.Contains(c.Params["scope"], fmt.Sprint(officeU.ID))
	}); err != nil {
		t.Fatalf("no menu for the office's chat: %v", err)
	}
	menu := h.sim.ChatCommands(officeU.ID)
	if !strings.Contains(menu, `"command":"unjoined","description":"查看尚未加入的人员和单位"`) || strings.Contains(menu, `"new"`) {
		t.Errorf("office menu %s", menu)
	}
	for _, c := range []string{`"command":"triage","description":"待活动办处理的问题"`, `"command":"overdue"`} {
		if !strings.Contains(menu, c) {
			t.Errorf("office menu %s lacks %s", menu, c)
		}
	}
	m = h.say(t, officeU, "/help")
	contains(t, m, "/unjoined — 查看尚未加入的人员和单位", "/status — ", "/triage — 待活动办处理的问题", "/overdue — 超期问题")
	if strings.Contains(m.Text, "/new") || strings.Contains(m.Text, "/invite") || strings.Contains(m.Text, "/inbox") {
		t.Errorf("an office is offered %q", m.Text)
	}

	cadre := telegramtest.User{ID: 8704, FirstName: "Li", LanguageCode: "en"}
	h.join(t, cadre, "P001", store.RoleHandler)
	m = h.say(t, cadre, "/help")
	contains(t, m, "/inbox — My cases to handle", "/status — ")
	if strings.Contains(m.Text, "/triage") || strings.Contains(m.Text, "/new") {
		t.Errorf("a handler is offered %q", m.Text)
	}

	h.say(t, owner, "/start "+h.invite(t, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
	m = h.say(t, owner, "/help")
	contains(t, m, "/new — 反映问题", "/add — ", "/rate — ")
	if strings.Contains(m.Text, "/inbox") || strings.Contains(m.Text, "/triage") {
		t.Errorf("a reporter is offered %q", m.Text)
	}
	contains(t, h.say(t, owner, "/inbox"), "您没有进行这项操作的权限")
	contains(t, h.say(t, owner, "/triage"), "您没有进行这项操作的权限")
	msgs := h.sayK(t, owner, "/lang", 1)
	h.sim.PressButton(owner, msgs[0], button(t, msgs[0], "English"))
	if _, err := h.sim.WaitCall(waitCtx(t), "setMyCommands", func(c telegramtest.Call) bool {
		return strings.Contains(c.Params["commands"], `"description":"Report a problem"`) && strings.Contains(c.Params["scope"], fmt.Sprint(owner.ID))
	}); err != nil {
		t.Fatalf("menu not set in English after /lang: %v", err)
	}
	if menu := h.sim.ChatCommands(owner.ID); !strings.Contains(menu, `"command":"rate"`) || strings.Contains(menu, "unjoined") {
		t.Errorf("reporter menu %s", menu)
	}
}
