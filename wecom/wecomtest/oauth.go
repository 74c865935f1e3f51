package wecomtest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// oauthCode is a code WeCom's OAuth2 page gave a member who opened a link: good once, for 5
// minutes.
type oauthCode struct {
	userid  string // "" for someone outside the corporation (in WeChat)
	openid  string
	expires time.Time
}

// oauthCodeTTL is how long a code is good for.
const oauthCodeTTL = 5 * time.Minute

// Landing is where opening a link brought the member: the URL WeCom sent them on to (the
// app's, with the code), and the app's answer there.
type Landing struct {
	URL    string
	Status int
	Body   string
}

// OpenLink opens link in userid's WeCom client, as a member does who taps an invite link:
// WeCom's OAuth2 page (open.weixin.qq.com/connect/oauth2/authorize) checks that the link is
// the corporation's app's, gives a one-time code naming the member, and sends them on to the
// link's redirect_uri with the code and the link's state. lang is their client's language
// (Accept-Language).
func (s *Server) OpenLink(userid, link, lang string) (Landing, error) {
	return s.openLink(oauthCode{userid: userid}, link, lang)
}

// OpenLinkInWeChat opens link as someone outside the corporation (WeChat): the code names an
// openid and no userid.
func (s *Server) OpenLinkInWeChat(link, lang string) (Landing, error) {
	return s.openLink(oauthCode{openid: "o" + strconv.FormatInt(time.Now().UnixNano(), 36)}, link, lang)
}

func (s *Server) openLink(who oauthCode, link, lang string) (Landing, error) {
	u, err := url.Parse(link)
	if err != nil {
		return Landing{}, err
	}
	q := u.Query()
	switch {
	case u.Scheme != "https" || u.Host != "open.weixin.qq.com" || u.Path != "/connect/oauth2/authorize" || u.Fragment != "wechat_redirect":
		return Landing{}, fmt.Errorf("wecomtest: %s is not WeCom's OAuth2 page", link)
	case q.Get("appid") != s.opts.CorpID || q.Get("agentid") != strconv.FormatInt(s.opts.AgentID, 10):
		return Landing{}, errors.New("wecomtest: the link is another corporation's or app's")
	case q.Get("response_type") != "code" || q.Get("scope") != "snsapi_base":
		return Landing{}, errors.New("wecomtest: the link asks for what a self-built app's page does not give")
	case len(q.Get("state")) > 128 || strings.Trim(q.Get("state"), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != "":
		return Landing{}, errors.New("wecomtest: state holds more than 128 letters and digits")
	}
	back, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || back.Host == "" {
		return Landing{}, fmt.Errorf("wecomtest: redirect_uri %q", q.Get("redirect_uri"))
	}
	s.mu.Lock()
	code := s.newID("oc")
	who.expires = time.Now().Add(oauthCodeTTL)
	s.oauth[code] = who
	s.mu.Unlock()
	bq := back.Query()
	bq.Set("code", code)
	bq.Set("state", q.Get("state"))
	back.RawQuery = bq.Encode()
	return s.Visit(back.String(), lang)
}

// Visit opens a URL of the app as the member's client does (a landing opened again, or one
// with a code made up), in lang.
func (s *Server) Visit(target, lang string) (Landing, error) {
	req, err := http.NewRequest(http.MethodGet, target, nil)
	if err != nil {
		return Landing{}, err
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return Landing{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return Landing{URL: target, Status: resp.StatusCode, Body: string(b)}, err
}

// getUserInfo answers auth/getuserinfo (获取访问用户身份): the userid a code names, once.
func (s *Server) getUserInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls["auth/getuserinfo"]++
	if !s.checkToken(w, r) {
		return
	}
	code := r.URL.Query().Get("code")
	who, ok := s.oauth[code]
	delete(s.oauth, code)
	if !ok || time.Now().After(who.expires) {
		apiErr(w, CodeInvalidOAuthCode, "invalid code")
		return
	}
	if who.userid == "" {
		writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "openid": who.openid})
		return
	}
	writeJSON(w, map[string]any{"errcode": 0, "errmsg": "ok", "userid": who.userid})
}
