package wecom_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"image/png"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/poster/postertest"
	"github.com/bangban/bangban/store"
)

// A cadre opens the invite link in WeCom: WeCom's OAuth2 page names them with a one-time
// code, the app binds them with the link's invite, shows a page saying so and welcomes them in
// the app. The same landing opened again, and a code made up, are refused on a page that
// says to open the link again, and bind nothing; an expired invite is refused as "绑定 CODE"
// refuses it, in the client's language; someone in WeChat, outside the corporation, is told
// the link is for members. Only the first is bound, once, and welcomed once.
func TestAnInviteLinkOpensTheAppAndBinds(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	ctx := context.Background()
	const cadre = "lichunmei"
	h.sim.AddUser(cadre)
	first := h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P001"})
	link := h.app.InviteLink(first)
	if !strings.HasPrefix(link, "https://open.weixin.qq.com/connect/oauth2/authorize?") || !strings.HasSuffix(link, "#wechat_redirect") {
		t.Fatalf("link %s", link)
	}
	got, err := h.sim.OpenLink(cadre, link, "zh-CN,zh;q=0.9")
	if err != nil || got.Status != http.StatusOK || !strings.Contains(got.Body, "lichunmei，绑定成功！您的身份：李春梅 · 承办人") ||
		!strings.Contains(got.Body, "回到企业微信中的帮办应用") {
		t.Fatalf("landing %+v: %v", got, err)
	}
	h.waitWeCom(t, cadre, "绑定成功！您的身份：李春梅 · 承办人")
	a, err := h.store.ActorByAccount(ctx, accountOf(t, h, cadre))
	if err != nil || a.Name != "李春梅" || !a.Has(store.RoleHandler) {
		t.Fatalf("bound as %+v: %v", a, err)
	}

	// The landing again: its code is spent.
	again, err := h.sim.Visit(got.URL, "zh-CN")
	if err != nil || again.Status != http.StatusBadRequest || !strings.Contains(again.Body, "本页已打开过或已过期") {
		t.Fatalf("the landing again %+v: %v", again, err)
	}
	// A code made up, with a good invite's state: nothing bound.
	const other = "wanglei"
	h.sim.AddUser(other)
	code := h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P002"})
	made := h.bindURL(t, got.URL, "oc-made-up", code)
	if l, err := h.sim.Visit(made, "zh-CN"); err != nil || l.Status != http.StatusBadRequest || !strings.Contains(l.Body, "本页已打开过或已过期") {
		t.Fatalf("a made-up code %+v: %v", l, err)
	}
	// An expired invite, opened in an English client.
	expiring := h.invite(t, store.InviteParams{Role: store.RoleHandler, PersonCode: "P002", TTL: time.Hour})
	h.travel(2 * time.Hour)
	l, err := h.sim.OpenLink(other, h.app.InviteLink(expiring), "en-US,en;q=0.8")
	if err != nil || !strings.Contains(l.Body, "This invite link has expired.") || !strings.Contains(l.Body, `<html lang="en">`) {
		t.Fatalf("an expired invite %+v: %v", l, err)
	}
	// Someone outside the corporation.
	if l, err := h.sim.OpenLinkInWeChat(h.app.InviteLink(code), "zh-CN"); err != nil || l.Status != http.StatusForbidden || !strings.Contains(l.Body, "不是在微信中") {
		t.Fatalf("opened in WeChat %+v: %v", l, err)
	}
	if id, err := h.store.WeComAccount(ctx, other); err != nil {
		t.Fatal(err)
	} else if _, err := h.store.ActorByAccount(ctx, id); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("%s bound by a refused link: %v", other, err)
	}
	h.app.Wait()
	if n := len(h.sim.Messages(other)); n != 0 {
		t.Fatalf("%s was sent %d messages", other, n)
	}
	if msgs := h.sim.Messages(cadre); len(msgs) != 1 {
		t.Fatalf("the cadre was sent:%s", dump(msgs))
	}
	// The link spent the invite's one use, as "绑定 CODE" would have.
	contains(t, h.say(t, other, "绑定 "+first, 1), "这个邀请链接已经用完了")
	// Each landing asked WeCom once who opened it.
	if h.sim.Calls("auth/getuserinfo") != 5 {
		t.Errorf("auth/getuserinfo called %d times, want 5", h.sim.Calls("auth/getuserinfo"))
	}
}

// bindURL is a landing's URL (like) with another code and the state of invite.
func (h *harness) bindURL(t *testing.T, landing, code, invite string) string {
	t.Helper()
	u, err := url.Parse(landing)
	if err != nil {
		t.Fatal(err)
	}
	u.RawQuery = url.Values{"code": {code}, "state": {hex.EncodeToString([]byte(invite))}}.Encode()
	return u.String()
}

// An admin in WeCom makes an invite with /invite: it carries the link that opens the app, and
// a poster whose QR code is that link; an enterprise's member opens it and is bound as its
// reporter.
func TestAnInviteMadeInWeComCarriesItsLink(t *testing.T) {
	t.Parallel()
	h := start(t, nil)
	const admin, member = "zhaogang", "qianli"
	h.joinWeCom(t, admin, store.InviteParams{Role: store.RoleAdmin, PersonCode: "P024"})
	h.sim.AddUser(member)
	contains(t, h.say(t, admin, "/invite", 1), "为谁生成邀请？")
	contains(t, h.choose(t, admin, "单位（企业或村社区）", 1), "请输入编码")
	contains(t, h.say(t, admin, "E002", 1), "可以使用几次")
	contains(t, h.choose(t, admin, "1", 1), "为 E002 生成“反映人”邀请，可用 1 次")
	made := h.choose(t, admin, "✔ 确认提交", 2)
	var pic []byte
	var text string
	for _, m := range made {
		if m.Type == "image" {
			pic = h.sim.Media(m.MediaID)
		}
		text += m.Text
	}
	link := regexp.MustCompile(`企业微信：(https://open\.weixin\.qq\.com/\S+)`).FindStringSubmatch(text)
	if link == nil || pic == nil || !strings.Contains(text, "青石建材有限公司（反映人）") {
		t.Fatalf("made:%s", dump(made))
	}
	img, err := png.Decode(bytes.NewReader(pic))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := postertest.Scan(img); err != nil || got != link[1] {
		t.Fatalf("the poster scans as %q (%v), want %s", got, err, link[1])
	}
	if l, err := h.sim.OpenLink(member, link[1], "zh-CN"); err != nil || !strings.Contains(l.Body, "绑定成功！您的身份：青石建材有限公司 · 反映人") {
		t.Fatalf("opening the made link %+v: %v", l, err)
	}
	h.waitWeCom(t, member, "绑定成功！")
}
