package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/bot"
	"github.com/bangban/bangban/bot/poster"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
	"github.com/bangban/bangban/wecom"
)

// invite is `bangban invite --role R --unit U[,U…] | --person P[,P…] [--uses N] [--expires D]
// [--qr DIR] [--bot NAME]` and `bangban invite --revoke CODE`.
func invite(ctx context.Context, cfg Config, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("invite", flag.ContinueOnError)
	fs.SetOutput(stderr)
	role := fs.String("role", store.RoleReporter, "reporter, handler, office or admin")
	units := fs.String("unit", "", "unit codes, comma-separated: anyone who uses the invite becomes a reporter of the unit")
	people := fs.String("person", "", "person codes, comma-separated: the invite binds that person's Telegram account")
	uses := fs.Int("uses", 1, "how many times each invite may be used")
	expires := fs.String("expires", "30d", "how long it is valid (30d, 72h) or until which date (2026-12-31)")
	qrDir := fs.String("qr", "", "write a QR poster PNG per invite into this directory")
	botName := fs.String("bot", "", "the bot's username for the links (default: asked of the Bot API with TELEGRAM_BOT_TOKEN)")
	revoke := fs.String("revoke", "", "revoke this invite code and exit")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 {
		return 2
	}
	tr, err := dialog.NewTranslator(cfg.Lang)
	if err != nil {
		fmt.Fprintf(stderr, "bangban invite: %v\n", err)
		return 1
	}
	lang := cfg.Lang
	log := newLogger(cfg, stderr)
	pool, err := openMigrated(ctx, cfg, log)
	if err != nil {
		log.Error("invite failed", "error", err)
		return 1
	}
	defer pool.Close()
	st, err := store.New(pool, store.Options{Location: cfg.Location})
	if err != nil {
		log.Error("invite failed", "error", err)
		return 1
	}
	if *revoke != "" {
		if err := st.RevokeInvite(ctx, *revoke); err != nil {
			if errors.Is(err, store.ErrInviteUnknown) {
				fmt.Fprintln(stderr, tr.T(lang, "invite_err_unknown", nil))
				return 1
			}
			log.Error("revoke failed", "error", err)
			return 1
		}
		fmt.Fprintln(stdout, tr.T(lang, "invite_revoked", nil))
		return 0
	}
	ttl, err := parseExpiry(*expires, time.Now(), cfg.Location)
	if err != nil {
		fmt.Fprintf(stderr, "bangban invite: --expires: %v\n", err)
		return 2
	}
	if (*units == "") == (*people == "") {
		fmt.Fprintln(stderr, "bangban invite: give --unit or --person (one of them)")
		return 2
	}
	// The link that opens the WeCom app, when it is set up for links; beside it, or alone
	// when there is no Telegram bot, the Telegram link.
	var wecomLink func(code string) string
	if w := cfg.WeCom; w.Enabled() && w.PublicURL != "" {
		wecomLink = func(code string) string {
			return wecom.BindLink(w.CorpID, w.AgentID, w.PublicURL, w.CallbackPath, code)
		}
	}
	name := *botName
	if name == "" && (cfg.Token != "" || wecomLink == nil) {
		if cfg.Token == "" {
			fmt.Fprintln(stderr, "bangban invite: --bot, TELEGRAM_BOT_TOKEN or WECOM_PUBLIC_URL is needed for the links")
			return 2
		}
		if name, err = bot.Username(ctx, cfg.Token, cfg.APIURL); err != nil {
			log.Error("invite failed", "error", err)
			return 1
		}
	}
	if *qrDir != "" {
		if err := os.MkdirAll(*qrDir, 0o755); err != nil {
			fmt.Fprintf(stderr, "bangban invite: --qr: %v\n", err)
			return 1
		}
	}
	var targets []store.InviteParams
	for _, u := range splitCodes(*units) {
		targets = append(targets, store.InviteParams{Role: *role, UnitCode: u, MaxUses: *uses, TTL: ttl})
	}
	for _, p := range splitCodes(*people) {
		targets = append(targets, store.InviteParams{Role: *role, PersonCode: p, MaxUses: *uses, TTL: ttl})
	}
	roleName := tr.T(lang, "role_"+*role, nil)
	caption := tr.T(lang, "poster_staff", nil)
	if *role == store.RoleReporter {
		caption = tr.T(lang, "poster_reporter", nil)
	}
	failed := 0
	for _, p := range targets {
		code := p.UnitCode + p.PersonCode
		inv, err := st.CreateInvite(ctx, p)
		if err != nil {
			failed++
			fmt.Fprintln(stderr, inviteError(tr, lang, err, code, roleName))
			continue
		}
		var links []string // the Telegram link, then WeCom's, as there are
		if name != "" {
			links = append(links, "https://t.me/"+name+"?start="+inv.Code)
		}
		if wecomLink != nil {
			links = append(links, wecomLink(inv.Code))
		}
		fmt.Fprintln(stdout, tr.T(lang, "invite_line", map[string]any{"Target": inv.Target, "Role": roleName, "Link": links[0],
			"Expires": inv.ExpiresAt.In(cfg.Location).Format("2006-01-02 15:04"), "Uses": inv.MaxUses}))
		if len(links) > 1 {
			fmt.Fprintln(stdout, tr.T(lang, "invite_line_wecom", map[string]any{"Link": links[1]}))
		}
		if *qrDir == "" {
			continue
		}
		for i, link := range links {
			file := filepath.Join(*qrDir, code+".png")
			if i > 0 {
				file = filepath.Join(*qrDir, code+"-wecom.png")
			}
			if err := writePoster(file, link, inv.Target, caption); err != nil {
				log.Error("poster failed", "error", err)
				return 1
			}
			fmt.Fprintln(stdout, tr.T(lang, "invite_poster_written", map[string]any{"File": file}))
		}
	}
	if failed > 0 {
		return 1
	}
	return 0
}

func inviteError(tr *dialog.Translator, lang string, err error, code, role string) string {
	data := map[string]any{"Code": code, "Role": role}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return tr.T(lang, "invite_err_not_found", data)
	case errors.Is(err, store.ErrRoleNotHeld):
		return tr.T(lang, "invite_err_role_not_held", data)
	case errors.Is(err, store.ErrRoleNeedsScope):
		return tr.T(lang, "invite_err_scope", data)
	}
	return err.Error()
}

func writePoster(file, link, name, caption string) error {
	f, err := os.Create(file)
	if err != nil {
		return fmt.Errorf("poster %s: %w", file, err)
	}
	if err := poster.WritePNG(f, link, name, caption); err != nil {
		f.Close()
		return fmt.Errorf("poster %s: %w", file, err)
	}
	return f.Close()
}

func splitCodes(s string) []string {
	var out []string
	for _, c := range strings.Split(s, ",") {
		if c = strings.TrimSpace(c); c != "" {
			out = append(out, c)
		}
	}
	return out
}

// parseExpiry reads "30d", "72h" or a date "2026-12-31" (valid to the end of that local day)
// into a time to live from now.
func parseExpiry(s string, now time.Time, loc *time.Location) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("%q is not a number of days", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return 0, fmt.Errorf("%q is not in the future", s)
		}
		return d, nil
	}
	day, err := time.ParseInLocation("2006-01-02", s, loc)
	if err != nil {
		return 0, fmt.Errorf("%q is neither a duration (30d, 72h) nor a date (2026-12-31)", s)
	}
	ttl := day.AddDate(0, 0, 1).Sub(now)
	if ttl <= 0 {
		return 0, fmt.Errorf("%s has passed", s)
	}
	return ttl, nil
}
