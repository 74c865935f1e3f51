package main

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bangban/bangban/bot/telegramtest"
	"github.com/bangban/bangban/conversations/redistest"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/store/orgfile"
	"github.com/bangban/bangban/store/storetest"
	"github.com/bangban/bangban/wecom"
	"github.com/bangban/bangban/wecom/wecomtest"
)

// `bangban serve` with a WeCom app: alone, when no Telegram token is set, and beside the
// Telegram bot on the same LISTEN_ADDR. WeCom checks the callback URL, a member sends /start
// and is welcomed, and an invite's WeCom link binds the member who opens it; on SIGTERM it exits 0, and its logs hold none of the app's secrets. Alone,
// it is started as `bangban run` (what `make run` runs), which serves WeCom, not the demo.
func TestServeRunsTheWeComApp(t *testing.T) {
	t.Parallel()
	for _, withTelegram := range []bool{false, true} {
		name := map[bool]string{false: "alone", true: "beside telegram"}[withTelegram]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			bin := buildBinary(t)
			wsim := wecomtest.New(wecomtest.Options{Secret: "WECOMSECRET", Token: "WECOMTOKEN"})
			defer wsim.Close()
			o := wsim.Options()
			pool, dbURL := storetest.NewDB(t)
			_, prefix := redistest.New(t)
			addr := freeAddr(t)
			cmd := exec.Command(bin, map[bool]string{false: "run", true: "serve"}[withTelegram])
			var stderr syncBuffer
			cmd.Stderr = &stderr
			cmd.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "REDIS_URL="+redistest.URL(), "BANGBAN_REDIS_PREFIX="+prefix,
				"LISTEN_ADDR="+addr, "BANGBAN_LANG=en", "WECOM_CORP_ID="+o.CorpID, "WECOM_AGENT_ID=1000002", "WECOM_SECRET="+o.Secret,
				"WECOM_TOKEN="+o.Token, "WECOM_AES_KEY="+o.AESKey, "WECOM_API_URL="+wsim.URL(), "WECOM_CALLBACK_PATH=/wecom/cb",
				"WECOM_PUBLIC_URL=http://"+addr)
			tsim := telegramtest.New()
			defer tsim.Close()
			if withTelegram {
				cmd.Env = append(cmd.Env, "TELEGRAM_BOT_TOKEN=7100000002:E2E-token", "TELEGRAM_API_URL="+tsim.URL())
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			defer func() {
				if cmd.ProcessState == nil {
					_ = cmd.Process.Kill()
				}
			}()
			wsim.SetCallbackURL("http://" + addr + "/wecom/cb")
			deadline := time.Now().Add(30 * time.Second)
			for {
				status, answer, want, err := wsim.VerifyURL(o.Token)
				if err == nil && status == http.StatusOK && answer == want {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("URL check: %d %q %v\n%s", status, answer, err, stderr.String())
				}
				time.Sleep(100 * time.Millisecond)
			}
			wsim.AddUser("ann")
			if d, err := wsim.SendText("ann", "/start"); err != nil || d.Status != http.StatusOK {
				t.Fatalf("callback %+v %v", d, err)
			}
			msgs, err := wsim.WaitFor("ann", 15*time.Second, func(m []wecomtest.Message) bool { return len(m) >= 1 })
			if err != nil || !strings.Contains(msgs[0].Text, "/new") {
				t.Fatalf("welcome %+v %v\n%s", msgs, err, stderr.String())
			}
			// An invite's WeCom link lands on the app's /bind, and binds.
			st, err := store.New(pool, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, probs, err := st.ImportOrg(context.Background(), orgfile.ReadDemo().Data, false); err != nil || len(probs) > 0 {
				t.Fatalf("demo: %v %+v", err, probs)
			}
			link := wecom.BindLink(o.CorpID, o.AgentID, "http://"+addr, "/wecom/cb", storetest.Invite(t, st, store.InviteParams{Role: store.RoleReporter, UnitCode: "E001"}))
			wsim.AddUser("bob")
			if l, err := wsim.OpenLink("bob", link, "en"); err != nil || l.Status != http.StatusOK || !strings.Contains(l.Body, "You have joined as") {
				t.Fatalf("the invite link: %+v %v\n%s", l, err, stderr.String())
			}
			if withTelegram {
				ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
				defer cancel()
				user := telegramtest.User{ID: 4343, FirstName: "Bo", LanguageCode: "en"}
				tsim.SendText(user, "/start")
				if _, err := tsim.WaitMessages(ctx, user.ID, 1); err != nil {
					t.Fatalf("telegram: %v\n%s", err, stderr.String())
				}
			}
			readyThenStop(t, addr, cmd, exited, &stderr)
			if strings.Contains(stderr.String(), "this is a demo") {
				t.Fatalf("the run command started the demo:\n%s", stderr.String())
			}
			for _, secret := range []string{"WECOMSECRET", "WECOMTOKEN", o.AESKey} {
				if strings.Contains(stderr.String(), secret) {
					t.Fatalf("the logs hold %s:\n%s", secret, stderr.String())
				}
			}
		})
	}
}
