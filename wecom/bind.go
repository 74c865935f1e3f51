package wecom

import (
	"context"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/bangban/bangban/conversations"
	"github.com/bangban/bangban/conversations/dialog"
	"github.com/bangban/bangban/store"
)

// The invite link that opens the app (网页授权): WeCom's OAuth2 page, opened in the WeCom
// client, sends the member on to the app's bind path with a one-time code that names them
// (snsapi_base asks nothing of them) and the state the link carried, the invite code. The
// app exchanges the code for the member's userid (auth/getuserinfo) and binds the invite as
// "绑定 CODE" does.

// bindSuffix follows the callback path in the bind path.
const bindSuffix = "/bind"

// Messages of the page the member lands on.
const (
	MsgBindPageTitle   = "wecom_bind_page_title"
	MsgBindPageBack    = "wecom_bind_page_back"
	MsgBindPageBadCode = "wecom_bind_page_bad_code"
	MsgBindPageOutside = "wecom_bind_page_outside"
)

// BindLink is the link that opens WeCom's OAuth2 page for the app and brings the member, with
// the invite code, to the bind path under publicURL (the server's address as members reach
// it, WECOM_PUBLIC_URL). The code goes in the state hex-encoded: WeCom passes on letters and
// digits only.
func BindLink(corpID string, agentID int64, publicURL, callbackPath, code string) string {
	q := url.Values{"appid": {corpID}, "redirect_uri": {strings.TrimRight(publicURL, "/") + callbackPath + bindSuffix},
		"response_type": {"code"}, "scope": {"snsapi_base"}, "state": {hex.EncodeToString([]byte(code))},
		"agentid": {strconv.FormatInt(agentID, 10)}}
	return "https://open.weixin.qq.com/connect/oauth2/authorize?" + q.Encode() + "#wechat_redirect"
}

// InviteLink is the link that opens the app with an invite code, "" when the app has no
// PublicURL to be sent back to.
func (a *App) InviteLink(code string) string {
	if a.opts.PublicURL == "" {
		return ""
	}
	return BindLink(a.opts.CorpID, a.opts.AgentID, a.opts.PublicURL, a.opts.CallbackPath, code)
}

// BindPath is where WeCom's OAuth2 sends a member who opened an invite link.
func (a *App) BindPath() string { return a.opts.CallbackPath + bindSuffix }

// Handlers are the app's routes by path: the callbacks, and the landing of an invite link.
func (a *App) Handlers() map[string]http.Handler {
	return map[string]http.Handler{a.Path(): a.Handler(), a.BindPath(): http.HandlerFunc(a.bindLink)}
}

var bindPage = template.Must(template.New("bind").Parse(`<!doctype html>
<html lang="{{.Lang}}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em auto;max-width:32em;padding:0 1em;line-height:1.6}p{white-space:pre-line}</style>
</head><body><h1>{{.Title}}</h1><p>{{.Text}}</p><p>{{.Back}}</p></body></html>
`))

// bindLink takes a member sent back by WeCom's OAuth2 page: the userid their code gives is bound
// with the invite code of the state, by the same store call and with the same refusals as
// "绑定 CODE", and they are told on a page, and when bound, in the app too.
func (a *App) bindLink(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	lang := a.tr.Match(firstLanguage(r.Header.Get("Accept-Language")))
	page := func(status int, id string, data map[string]any) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		_ = bindPage.Execute(w, map[string]string{"Lang": lang, "Title": a.tr.T(lang, MsgBindPageTitle, nil),
			"Text": a.tr.T(lang, id, data), "Back": a.tr.T(lang, MsgBindPageBack, nil)})
	}
	q := r.URL.Query()
	state, err := hex.DecodeString(q.Get("state"))
	if err != nil || q.Get("code") == "" {
		page(http.StatusBadRequest, conversations.MsgInviteUnknown, nil)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	userid, err := a.api.userInfo(ctx, q.Get("code"))
	var ae *APIError
	switch {
	case errors.As(err, &ae) && ae.Code == codeInvalidOAuthCode:
		// Used already (the page opened again) or too old: WeCom gives a new one with the link.
		page(http.StatusBadRequest, MsgBindPageBadCode, nil)
		return
	case err != nil:
		a.log.Error("wecom invite link: who opened it", "error", err)
		page(http.StatusBadGateway, dialog.MsgTryAgain, nil)
		return
	case userid == "":
		// Not a member of the corporation (opened in WeChat): no userid to bind.
		page(http.StatusForbidden, MsgBindPageOutside, nil)
		return
	}
	account, _, err := a.opts.Store.WeComAccountNew(ctx, userid)
	if err != nil {
		a.log.Error("wecom invite link", "error", err)
		page(http.StatusInternalServerError, dialog.MsgTryAgain, nil)
		return
	}
	a.users.Store(account, userid)
	name, err := a.nameOf(ctx, account, userid)
	if err != nil {
		a.log.Error("wecom invite link", "error", err)
		page(http.StatusInternalServerError, dialog.MsgTryAgain, nil)
		return
	}
	rep, bound, err := conversations.Redeem(ctx, a.opts.Store, a.tr, string(state), store.Account{UserID: account, ChatID: account, Name: name, Lang: lang})
	a.learnName(ctx, account, userid)
	if err != nil {
		a.log.Error("wecom invite link", "chat", account, "error", err)
		page(http.StatusInternalServerError, dialog.MsgTryAgain, nil)
		return
	}
	if !bound {
		page(http.StatusOK, rep.MessageID, rep.Data)
		return
	}
	a.log.Info("wecom member bound by an invite link", "chat", account)
	// The welcome in the app too, where they go on; not told there, they are on the page.
	text := a.tr.T(lang, rep.MessageID, rep.Data)
	if _, err := a.Deliver(ctx, []dialog.Output{{ChatID: account, Lang: lang, Text: text}}); err != nil {
		a.log.Warn("wecom welcome of an invite link not sent", "chat", account, "error", err)
	}
	page(http.StatusOK, rep.MessageID, rep.Data)
}

// firstLanguage is the first language of an Accept-Language header ("zh-CN,zh;q=0.9" →
// "zh-CN").
func firstLanguage(h string) string {
	first, _, _ := strings.Cut(h, ",")
	first, _, _ = strings.Cut(first, ";")
	return strings.TrimSpace(first)
}
