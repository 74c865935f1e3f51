package conversations

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// Poster draws an invite poster (bot/poster does); the dialogs only ask for one.
type Poster func(link, name, caption string) ([]byte, error)

// org is the organisation side of the chat: joining by invite, making invites, seeing who
// has not joined.
type org struct {
	e      *dialog.Engine
	st     *store.Store
	bot    string
	poster Poster
	// wecomLink, when set, is the link that opens the WeCom app with an invite code.
	wecomLink func(code string) string
}

// Option adds to what Register gives an engine.
type Option func(*org)

// WithWeComLink makes invites carry, beside the Telegram link, the link that opens the WeCom
// app with the code (link makes it), and its poster.
func WithWeComLink(link func(code string) string) Option { return func(o *org) { o.wecomLink = link } }

// RegisterOrg adds to an engine: /start with an invite code, /invite for admins, /unjoined
// for offices. botUsername makes the deep links.
func RegisterOrg(e *dialog.Engine, st *store.Store, botUsername string, poster Poster, opts ...Option) error {
	o := &org{e: e, st: st, bot: botUsername, poster: poster}
	for _, f := range opts {
		f(o)
	}
	e.OnStart(o.start)
	e.OnLang(st.SetLang)
	e.LangFrom(st.ChosenLang)
	e.OnCommands(o.commands)
	if err := e.RegisterCommand("unjoined", o.unjoined); err != nil {
		return err
	}
	return e.Register(o.inviteDialog())
}

// commands are the commands of the person bound to a Telegram account; an account bound to
// no one is a newcomer's.
func (o *org) commands(ctx context.Context, userID int64) ([]string, error) {
	a, err := o.st.ActorByAccount(ctx, userID)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return nil, err
	}
	return Commands(a), nil
}

// Commands are the commands an actor's roles allow, in the order of their menu (DESIGN.md
// §8): reporting for reporters and for newcomers, who may report as self-registered
// reporters; the office's and the admin's own commands for them. An actor without roles gets
// what anyone may use. /help and every chat's menu list these, whoever sets the menu.
func Commands(a store.Actor) []string {
	cmds := []string{"start"}
	if len(a.Grants) == 0 || a.Has(store.RoleReporter) {
		cmds = append(cmds, "new", "my")
	}
	cmds = append(cmds, "status")
	if a.Has(store.RoleReporter) {
		cmds = append(cmds, "add", "rate")
	}
	if a.Has(store.RoleHandler) {
		cmds = append(cmds, "inbox")
	}
	if a.Has(store.RoleOffice) {
		cmds = append(cmds, "triage", "overdue", "unjoined")
	}
	if a.Has(store.RoleOffice) || a.Has(store.RoleAdmin) {
		cmds = append(cmds, "stats", "report")
	}
	if a.Has(store.RoleAdmin) {
		cmds = append(cmds, "invite")
	}
	cmds = append(cmds, "help", "lang")
	if a.Both {
		// Bound on Telegram and in WeCom: where notifications go is theirs to choose.
		cmds = append(cmds, "where")
	}
	return append(cmds, "cancel")
}

// inviteCodeRe is the shape of an invite code; anything else is answered as unknown without
// asking the database.
var inviteCodeRe = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

func (o *org) start(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	rep, _, err := Redeem(ctx, o.st, o.e.Translator(), c.Args, store.Account{UserID: c.UserID, ChatID: c.ChatID, Name: c.FirstName, Lang: c.Lang})
	if err != nil {
		return nil, err
	}
	return []dialog.Reply{rep}, nil
}

// Redeem uses an invite code for an account, as /start CODE does on any platform (and the
// link that opens the WeCom app with a code), and says how it went in acc.Lang: bound, or
// bound already, or why not (unknown, used, expired, revoked, another's). bound is false for
// a refusal, which changed nothing; err is for what went wrong otherwise.
func Redeem(ctx context.Context, st *store.Store, tr *dialog.Translator, code string, acc store.Account) (rep dialog.Reply, bound bool, err error) {
	if !inviteCodeRe.MatchString(code) {
		return dialog.Reply{MessageID: MsgInviteUnknown}, false, nil
	}
	b, err := st.RedeemInvite(ctx, code, acc)
	if msg, ok := refusalMessage(inviteRefusals, err); ok {
		return dialog.Reply{MessageID: msg}, false, nil
	}
	if err != nil {
		return dialog.Reply{}, false, err
	}
	data := map[string]any{"Name": acc.Name, "Target": b.Target, "Role": tr.T(acc.Lang, "role_"+b.Role, nil)}
	if b.Already {
		return dialog.Reply{MessageID: MsgInviteAlready, Data: data}, true, nil
	}
	return dialog.Reply{MessageID: MsgInviteBound, Data: data}, true, nil
}

// actor is the person acting, who must hold role; the check is made on every action, on the
// server, whatever the chat shows.
func (o *org) actor(ctx context.Context, userID int64, role string) (store.Actor, error) {
	a, err := o.st.ActorByAccount(ctx, userID)
	if errors.Is(err, store.ErrNotFound) {
		return a, &dialog.Refusal{MessageID: MsgNotBound}
	}
	if err != nil {
		return a, err
	}
	if !a.Has(role) {
		return a, &dialog.Refusal{MessageID: MsgNotAllowed}
	}
	return a, nil
}

// listLimit keeps a list within one Telegram message.
const listLimit = 40

func (o *org) unjoined(ctx context.Context, c dialog.Call) ([]dialog.Reply, error) {
	a, err := o.actor(ctx, c.UserID, store.RoleOffice)
	if err != nil {
		return nil, err
	}
	nj, err := o.st.NotJoinedFor(ctx, a)
	if err != nil {
		return nil, err
	}
	if len(nj.People) == 0 && len(nj.Units) == 0 {
		return []dialog.Reply{{MessageID: MsgUnjoinedNone}}, nil
	}
	t := func(id string, d map[string]any) string { return o.e.Translator().T(c.Lang, id, d) }
	var b strings.Builder
	b.WriteString(t(MsgUnjoinedPeople, map[string]any{"Count": len(nj.People)}))
	for i, p := range nj.People {
		if i == listLimit {
			b.WriteString("\n" + t(MsgUnjoinedMore, map[string]any{"Count": len(nj.People) - listLimit}))
			break
		}
		b.WriteString("\n" + t(MsgUnjoinedPerson, map[string]any{"Code": p.Code, "Name": p.Name, "Department": p.Department,
			"Role": t("role_"+p.Role, nil), "Unreachable": p.Unreachable}))
	}
	b.WriteString("\n\n" + t(MsgUnjoinedUnits, map[string]any{"Count": len(nj.Units)}))
	for i, u := range nj.Units {
		if i == listLimit {
			b.WriteString("\n" + t(MsgUnjoinedMore, map[string]any{"Count": len(nj.Units) - listLimit}))
			break
		}
		b.WriteString("\n" + t(MsgUnjoinedUnit, map[string]any{"Code": u.Code, "Name": u.Name}))
	}
	return []dialog.Reply{{MessageID: MsgUnjoinedList, Data: map[string]any{"Body": b.String()}}}, nil
}

// inviteDialog is /invite: an admin makes an invite for one unit or person and gets its
// link and poster.
func (o *org) inviteDialog() *dialog.Dialog {
	roles := []string{store.RoleHandler, store.RoleOffice, store.RoleReporter, store.RoleAdmin}
	return &dialog.Dialog{
		Name: "invite", Command: "invite", Version: 1,
		Begin: func(ctx context.Context, s *dialog.Session) error {
			_, err := o.actor(ctx, s.UserID, store.RoleAdmin)
			return err
		},
		Steps: []*dialog.Step{
			{Name: "for", Prompt: MsgInviteAskFor, Choices: func(*dialog.Session) []dialog.Choice {
				return []dialog.Choice{{Label: MsgInviteForUnit, Value: "unit"}, {Label: MsgInviteForPerson, Value: "person"}}
			}},
			{Name: "code", Prompt: MsgInviteAskCode, MaxLen: 64,
				PromptData: func(s *dialog.Session) map[string]any { return map[string]any{"For": s.Get("for")} },
				Validate: func(ctx context.Context, s *dialog.Session, in dialog.Input) string {
					ok, err := o.st.CodeExists(ctx, s.Get("for"), strings.TrimSpace(in.Text))
					switch {
					case err != nil:
						o.e.Logger().ErrorContext(ctx, "look up an invite's code", "error", err)
						return dialog.MsgTryAgain // not knowing is not a "no such code"
					case !ok:
						return MsgInviteNoSuchCode
					}
					return ""
				},
				Next: func(_ context.Context, s *dialog.Session) string {
					if s.Get("for") == "unit" {
						s.Set("role", store.RoleReporter)
						return "uses"
					}
					return "role"
				}},
			{Name: "role", Prompt: MsgInviteAskRole, Choices: func(*dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, r := range roles {
					cs = append(cs, dialog.Choice{Label: "role_" + r, Value: r})
				}
				return cs
			}},
			{Name: "uses", Prompt: MsgInviteAskUses, Choices: func(*dialog.Session) []dialog.Choice {
				var cs []dialog.Choice
				for _, n := range []string{"1", "10", "50", "200"} {
					cs = append(cs, dialog.Choice{Label: n, Literal: true, Value: n})
				}
				return cs
			}},
		},
		Summary: func(s *dialog.Session) dialog.Reply {
			return dialog.Reply{MessageID: MsgInviteSummary, Data: map[string]any{"Code": s.Get("code"),
				"Role": o.e.Translator().T(s.Lang, "role_"+s.Get("role"), nil), "Uses": s.Get("uses")}}
		},
		Done: o.makeInvite,
	}
}

func (o *org) makeInvite(ctx context.Context, s *dialog.Session) (dialog.Reply, error) {
	a, err := o.actor(ctx, s.UserID, store.RoleAdmin)
	if err != nil {
		return dialog.Reply{}, err
	}
	uses, _ := strconv.Atoi(s.Get("uses"))
	p := store.InviteParams{Role: s.Get("role"), MaxUses: uses, CreatedBy: &a.PersonID}
	if s.Get("for") == "unit" {
		p.UnitCode = s.Get("code")
	} else {
		p.PersonCode = s.Get("code")
	}
	inv, err := o.st.CreateInvite(ctx, p)
	switch {
	case errors.Is(err, store.ErrRoleNotHeld):
		return dialog.Reply{}, &dialog.Refusal{MessageID: MsgInviteRoleNotHeld, Data: map[string]any{"Code": s.Get("code"),
			"Role": o.e.Translator().T(s.Lang, "role_"+p.Role, nil)}}
	case errors.Is(err, store.ErrNotFound):
		return dialog.Reply{}, &dialog.Refusal{MessageID: MsgInviteNoSuchCode}
	case err != nil:
		return dialog.Reply{}, err
	}
	// The Telegram link, when the engine knows the bot (the WeCom app's does not), and the
	// WeCom app's, when it is set up for links; the poster is of the first of them, and
	// without either the code is given, for "绑定 CODE".
	var link, wlink string
	if o.bot != "" {
		link = "https://t.me/" + o.bot + "?start=" + inv.Code
	}
	if o.wecomLink != nil {
		wlink = o.wecomLink(inv.Code)
	}
	data := map[string]any{"Target": inv.Target, "Role": o.e.Translator().T(s.Lang, "role_"+inv.Role, nil), "Link": link,
		"WeComLink": wlink, "Code": inv.Code, "Uses": inv.MaxUses, "Expires": inv.ExpiresAt.In(o.st.Location()).Format(time.DateOnly)}
	caption := MsgPosterStaff
	if inv.Role == store.RoleReporter {
		caption = MsgPosterReporter
	}
	if (link == "" && wlink == "") || o.poster == nil {
		return dialog.Reply{MessageID: MsgInviteMade, Data: data}, nil
	}
	png, err := o.poster(cmp.Or(link, wlink), inv.Target, o.e.Translator().T(s.Lang, caption, nil))
	if err != nil {
		return dialog.Reply{}, err
	}
	return dialog.Reply{MessageID: MsgInviteMade, Data: data, Photo: bytes.Clone(png)}, nil
}

// Register adds every dialog and command of the campaign to an engine: joining and invites,
// filing, handling, and the reports. Each platform's engine gets the same.
func Register(e *dialog.Engine, st *store.Store, botUsername string, poster Poster, opts ...Option) error {
	if err := RegisterOrg(e, st, botUsername, poster, opts...); err != nil {
		return err
	}
	if err := RegisterReport(e, st); err != nil {
		return err
	}
	if err := RegisterHandling(e, st); err != nil {
		return err
	}
	if err := RegisterWhere(e, st); err != nil {
		return err
	}
	return RegisterReports(e, st)
}
