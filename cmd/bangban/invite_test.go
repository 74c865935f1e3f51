package main

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"image/png"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/poster/postertest"
	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/storetest"
)

var linkRe = regexp.MustCompile(`https://t\.me/(\w+)\?start=([A-Za-z0-9_-]{22})`)

func TestInviteLinksPostersAndRevoke(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, dbURL := storetest.NewDB(t)
	sim := telegramtest.New()
	defer sim.Close()
	env := envOf(map[string]string{"DATABASE_URL": dbURL, "BANGBAN_LANG": "en", "LOG_LEVEL": "error",
		"TELEGRAM_BOT_TOKEN": "7000000001:T", "TELEGRAM_API_URL": sim.URL()})
	var out, errs bytes.Buffer
	if code := run([]string{"seed-demo"}, env, nil, &out, &errs); code != 0 {
		t.Fatalf("seed-demo: %s", errs.String())
	}
	dir := filepath.Join(t.TempDir(), "posters")
	out.Reset()
	code := run([]string{"invite", "--role", "reporter", "--unit", "E001, V-QS01", "--uses", "5", "--expires", "7d", "--qr", dir}, env, nil, &out, &errs)
	if code != 0 {
		t.Fatalf("invite: %d\n%s%s", code, out.String(), errs.String())
	}
	links := linkRe.FindAllStringSubmatch(out.String(), -1)
	if len(links) != 2 || links[0][1] != "bangban_bot" || !strings.Contains(out.String(), "云岭精密机械有限公司 (reporter)") ||
		!strings.Contains(out.String(), "石门村 (reporter)") || !strings.Contains(out.String(), "5 use(s)") {
		t.Fatalf("invite printed:\n%s", out.String())
	}
	for i, file := range []string{"E001.png", "V-QS01.png"} {
		f, err := os.Open(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got, err := postertest.Scan(img); err != nil || got != links[i][0] {
			t.Fatalf("%s scans as %q (%v), want %s", file, got, err, links[i][0])
		}
	}

	// The link works: its code binds a reporter to E001.
	s, err := store.New(pool, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.RedeemInvite(ctx, links[0][2], store.Account{UserID: 555, ChatID: 555, Name: "A"})
	if err != nil || b.Target != "云岭精密机械有限公司" {
		t.Fatalf("redeem: %+v %v", b, err)
	}
	out.Reset()
	if code := run([]string{"invite", "--revoke", links[1][2]}, env, nil, &out, &errs); code != 0 || !strings.Contains(out.String(), "revoked") {
		t.Fatalf("revoke: %d %s %s", code, out.String(), errs.String())
	}
	if _, err := s.RedeemInvite(ctx, links[1][2], store.Account{UserID: 556, ChatID: 556}); !errors.Is(err, store.ErrInviteRevoked) {
		t.Fatalf("after revoke: %v", err)
	}
	errs.Reset()
	if code := run([]string{"invite", "--revoke", "nope"}, env, nil, &out, &errs); code != 1 || !strings.Contains(errs.String(), "no such invite") {
		t.Fatalf("revoke unknown: %d %q", code, errs.String())
	}

	// Person invites, and what is refused.
	out.Reset()
	errs.Reset()
	code = run([]string{"invite", "--role", "handler", "--person", "P001", "--bot", "other_bot", "--expires", "2099-01-31"}, env, nil, &out, &errs)
	if code != 0 || !strings.Contains(out.String(), "李春梅 (handler): https://t.me/other_bot?start=") || !strings.Contains(out.String(), "2099-02-01 00:00") {
		t.Fatalf("person invite: %d\n%s%s", code, out.String(), errs.String())
	}
	errs.Reset()
	code = run([]string{"invite", "--role", "office", "--person", "P001,NOPE", "--bot", "b"}, env, nil, &out, &errs)
	if code != 1 || !strings.Contains(errs.String(), "P001 does not hold the role office") || !strings.Contains(errs.String(), "no unit or person with code NOPE") {
		t.Fatalf("refusals: %d %q", code, errs.String())
	}
	errs.Reset()
	if code := run([]string{"invite", "--unit", "E001", "--bot", "b", "--expires", "soon"}, env, nil, &out, &errs); code != 2 || !strings.Contains(errs.String(), "--expires") {
		t.Fatalf("bad --expires: %d %q", code, errs.String())
	}
}

func TestParseExpiry(t *testing.T) {
	t.Parallel()
	loc, _ := time.LoadLocation("Asia/Shanghai")
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, loc)
	for in, want := range map[string]time.Duration{"30d": 720 * time.Hour, "72h": 72 * time.Hour, "2026-11-25": 38 * time.Hour} {
		if got, err := parseExpiry(in, now, loc); err != nil || got != want {
			t.Errorf("%s: %v %v, want %v", in, got, err, want)
		}
	}
	for _, bad := range []string{"0d", "-3h", "2026-11-23", "tomorrow", "d"} {
		if _, err := parseExpiry(bad, now, loc); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// With the WeCom app set up for links (WECOM_PUBLIC_URL), an invite carries the link that
// opens the app: alone, without a Telegram bot, as its poster too; beside the Telegram link,
// on a line of its own and with a poster of its own. Its state is the invite's code.
func TestWeComInviteLinks(t *testing.T) {
	t.Parallel()
	_, dbURL := storetest.NewDB(t)
	vars := map[string]string{"DATABASE_URL": dbURL, "BANGBAN_LANG": "en", "LOG_LEVEL": "error",
		"WECOM_CORP_ID": "ww0123456789abcdef", "WECOM_AGENT_ID": "1000002", "WECOM_SECRET": "APPSECRET",
		"WECOM_TOKEN": "CBTOKEN", "WECOM_AES_KEY": "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
		"WECOM_PUBLIC_URL": "https://bangban.example.gov.cn"}
	var out, errs bytes.Buffer
	if code := run([]string{"seed-demo"}, envOf(vars), nil, &out, &errs); code != 0 {
		t.Fatalf("seed-demo: %s", errs.String())
	}
	wecomRe := regexp.MustCompile(`https://open\.weixin\.qq\.com/connect/oauth2/authorize\?\S+#wechat_redirect`)
	scan := func(file string) string {
		t.Helper()
		f, err := os.Open(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		img, err := png.Decode(f)
		if err != nil {
			t.Fatal(err)
		}
		got, err := postertest.Scan(img)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	dir := t.TempDir()
	out.Reset()
	if code := run([]string{"invite", "--unit", "E001", "--qr", dir}, envOf(vars), nil, &out, &errs); code != 0 {
		t.Fatalf("invite in WeCom alone: %d\n%s%s", code, out.String(), errs.String())
	}
	link := wecomRe.FindString(out.String())
	if link == "" || strings.Contains(out.String(), "t.me") {
		t.Fatalf("invite printed:\n%s", out.String())
	}
	u, _ := url.Parse(link)
	if u.Query().Get("redirect_uri") != "https://bangban.example.gov.cn/wecom/bind" || u.Query().Get("appid") != "ww0123456789abcdef" ||
		u.Query().Get("agentid") != "1000002" || u.Query().Get("scope") != "snsapi_base" {
		t.Fatalf("link %s", link)
	}
	if state, err := hex.DecodeString(u.Query().Get("state")); err != nil || len(state) != 22 {
		t.Fatalf("state %q: %v", u.Query().Get("state"), err)
	}
	if got := scan(filepath.Join(dir, "E001.png")); got != link {
		t.Fatalf("the poster scans as %q, want %s", got, link)
	}

	out.Reset()
	if code := run([]string{"invite", "--unit", "E002", "--bot", "bangban_bot", "--qr", dir}, envOf(vars), nil, &out, &errs); code != 0 {
		t.Fatalf("invite beside Telegram: %d\n%s%s", code, out.String(), errs.String())
	}
	tg, wc := linkRe.FindStringSubmatch(out.String()), wecomRe.FindString(out.String())
	if tg == nil || wc == "" || !strings.Contains(out.String(), "  WeCom (企业微信): "+wc) {
		t.Fatalf("invite printed:\n%s", out.String())
	}
	u, _ = url.Parse(wc)
	if state, _ := hex.DecodeString(u.Query().Get("state")); string(state) != tg[2] {
		t.Fatalf("the WeCom link's state %q is not the code %s", state, tg[2])
	}
	if got := scan(filepath.Join(dir, "E002.png")); got != tg[0] {
		t.Fatalf("the Telegram poster scans as %q", got)
	}
	if got := scan(filepath.Join(dir, "E002-wecom.png")); got != wc {
		t.Fatalf("the WeCom poster scans as %q", got)
	}
}
