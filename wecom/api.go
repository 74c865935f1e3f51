package wecom

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/silenceper/wechat/v2/util"
	"github.com/silenceper/wechat/v2/work/message"

	"github.com/bangban/bangban/sendlimit"
)

// WeCom's error codes the app acts on (全局错误码).
const (
	codeInvalidToken = 40014 // the access token is not valid (another replaced it, or a forgery)
	codeTokenExpired = 42001 // the access token expired
	codeNoToken      = 41001 // no access token given
	codeInvalidUser  = 81013 // no such user among the app's members (all receivers invalid)
	codeUserDisabled = 60111 // userid not found
	// codeInvalidOAuthCode: an OAuth2 code used already, older than 5 minutes, or not WeCom's.
	codeInvalidOAuthCode = 40029
)

// APIError is a WeCom API call answered with a non-zero errcode.
type APIError struct {
	Op   string
	Code int64
	Msg  string
}

func (e *APIError) Error() string {
	return fmt.Sprintf("wecom %s: errcode %d: %s", e.Op, e.Code, e.Msg)
}

// refusedForGood tells whether a send was refused in a way sending again cannot change: the
// receiver is not a member of the app.
func refusedForGood(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && (ae.Code == codeInvalidUser || ae.Code == codeUserDisabled)
}

// api calls WeCom's server API with the app's access token. The token is kept in Redis, for
// every replica, and fetched anew by one of them when WeCom says it expired or is not valid:
// a burst of calls refused at once fetches one token, not one each.
type api struct {
	base    string
	corpID  string
	secret  string
	agentID int64
	http    *http.Client
	rdb     redis.UniversalClient
	// tokenKey holds the token; tokenKey+":lock" is held by the one fetching it.
	tokenKey string
	log      *slog.Logger
	// limitKeys start the keys of the send limits' counters; lim are their numbers.
	limitKeys string
	lim       SendLimits
}

// SendLimits are WeCom's limits on what an app sends, kept a little under, across every
// replica. The zero value of each field takes its default.
type SendLimits struct {
	// PerMemberMinute is how many messages one member is sent a minute, over time: WeCom
	// takes 30 from an app to a member and drops the rest unsent. Default 28.
	PerMemberMinute int
	// MemberBurst is how many may go to a member at once (an answer in several messages).
	// Default 6.
	MemberBurst int
	// PerSecond is every message the app sends. Default 20.
	PerSecond int
}

func (l SendLimits) withDefaults() SendLimits {
	if l.PerMemberMinute <= 0 {
		l.PerMemberMinute = 28
	}
	if l.MemberBurst <= 0 {
		l.MemberBurst = 6
	}
	if l.PerSecond <= 0 {
		l.PerSecond = 20
	}
	return l
}

// sendPatience is how long a message waits for its place under the limits; one that would
// wait longer fails, for the engine (or the job queue) to send it again later.
const sendPatience = 20 * time.Second

// take waits for the place of one message to userid under the send limits.
func (a *api) take(ctx context.Context, userid string) error {
	gap := time.Minute / time.Duration(a.lim.PerMemberMinute)
	wait, err := sendlimit.Take(ctx, a.rdb, []sendlimit.Counter{
		{Key: a.limitKeys + "all", Interval: time.Second / time.Duration(a.lim.PerSecond)},
		{Key: a.limitKeys + "member:" + userid, Interval: gap, Burst: time.Duration(a.lim.MemberBurst-1) * gap},
	}, sendPatience, sendlimit.Horizon)
	if err != nil {
		return err
	}
	if wait > 0 {
		return fmt.Errorf("wecom send limit: the member's next message may go in %s", wait.Round(time.Second))
	}
	return nil
}

// tokenMargin is how long before WeCom's stated expiry a token is fetched anew.
const tokenMargin = 5 * time.Minute

// token is the access token, fetched when none is kept or when the one kept is stale (the
// token a call was just refused with).
func (a *api) token(ctx context.Context, stale string) (string, error) {
	for wait := 0; ; wait++ {
		tok, err := a.rdb.Get(ctx, a.tokenKey).Result()
		if err != nil && !errors.Is(err, redis.Nil) {
			return "", fmt.Errorf("wecom access token from redis: %w", err)
		}
		if tok != "" && tok != stale {
			return tok, nil
		}
		got, err := a.rdb.SetNX(ctx, a.tokenKey+":lock", 1, 10*time.Second).Result()
		if err != nil {
			return "", fmt.Errorf("wecom access token lock: %w", err)
		}
		if got {
			defer a.rdb.Del(context.WithoutCancel(ctx), a.tokenKey+":lock")
			// Fetched meanwhile by the holder before us?
			if cur, _ := a.rdb.Get(ctx, a.tokenKey).Result(); cur != "" && cur != stale && cur != tok {
				return cur, nil
			}
			return a.fetchToken(ctx)
		}
		// Another replica or call is fetching it: wait for it.
		if wait > 100 {
			return "", errors.New("wecom access token: still being fetched by another")
		}
		if err := sleep(ctx, 50*time.Millisecond); err != nil {
			return "", err
		}
	}
}

func (a *api) fetchToken(ctx context.Context) (string, error) {
	q := url.Values{"corpid": {a.corpID}, "corpsecret": {a.secret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+"/cgi-bin/gettoken?"+q.Encode(), nil)
	if err != nil {
		return "", fmt.Errorf("wecom gettoken: %w", err)
	}
	var res struct {
		plainResult
		AccessToken string `json:"access_token"`
		ExpiresIn   int64  `json:"expires_in"`
	}
	if err := a.do(req, "gettoken", &res); err != nil {
		return "", err
	}
	ttl := time.Duration(res.ExpiresIn)*time.Second - tokenMargin
	if ttl < time.Minute {
		ttl = time.Duration(res.ExpiresIn) * time.Second / 2
	}
	if err := a.rdb.Set(ctx, a.tokenKey, res.AccessToken, max(ttl, time.Second)).Err(); err != nil {
		return "", fmt.Errorf("keep wecom access token: %w", err)
	}
	a.log.InfoContext(ctx, "wecom access token fetched", "expires_in", res.ExpiresIn)
	return res.AccessToken, nil
}

// rawBody reads an answer that is not JSON (a file downloaded); it returns false for one that
// is, to be decoded as JSON.
type rawBody func(resp *http.Response) (bool, error)

// do sends req and decodes WeCom's answer into out, which embeds util.CommonError; a non-zero
// errcode is an *APIError. raw, when given, reads an answer first.
func (a *api) do(req *http.Request, op string, out interface{ errorCode() (int64, string) }, raw ...rawBody) error {
	resp, err := a.http.Do(req)
	if err != nil {
		// The URL holds the token: the error is told without it.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("wecom %s: %w", op, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("wecom %s: http %d", op, resp.StatusCode)
	}
	for _, r := range raw {
		if done, err := r(resp); done || err != nil {
			if err != nil {
				return fmt.Errorf("wecom %s: read answer: %w", op, err)
			}
			return nil
		}
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("wecom %s: read answer: %w", op, err)
	}
	if err := json.Unmarshal(body, out); err != nil {
		return fmt.Errorf("wecom %s: decode answer: %w", op, err)
	}
	if code, msg := out.errorCode(); code != 0 {
		return &APIError{Op: op, Code: code, Msg: msg}
	}
	return nil
}

// call runs one API call with the access token, fetching it anew once when WeCom refuses it.
// build makes the request for a token.
func (a *api) call(ctx context.Context, op string, build func(token string) (*http.Request, error), out interface{ errorCode() (int64, string) }, raw ...rawBody) error {
	stale := ""
	for try := 0; ; try++ {
		tok, err := a.token(ctx, stale)
		if err != nil {
			return err
		}
		req, err := build(tok)
		if err != nil {
			return fmt.Errorf("wecom %s: %w", op, err)
		}
		err = a.do(req, op, out, raw...)
		var ae *APIError
		if try == 0 && errors.As(err, &ae) && (ae.Code == codeInvalidToken || ae.Code == codeTokenExpired || ae.Code == codeNoToken) {
			a.log.InfoContext(ctx, "wecom access token refused, fetching another", "op", op, "errcode", ae.Code)
			stale = tok
			continue
		}
		return err
	}
}

// postJSON calls a JSON method of the API.
func (a *api) postJSON(ctx context.Context, op, path string, body any, out interface{ errorCode() (int64, string) }) error {
	payload, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("wecom %s: %w", op, err)
	}
	return a.call(ctx, op, func(tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path+"?access_token="+url.QueryEscape(tok), bytes.NewReader(payload))
		if err == nil {
			req.Header.Set("Content-Type", "application/json")
		}
		return req, err
	}, out)
}

// sendResult is what message/send answers.
type sendResult struct{ message.SendResponse }

func (r *sendResult) errorCode() (int64, string) { return r.ErrCode, r.ErrMsg }

type plainResult struct{ util.CommonError }

func (r *plainResult) errorCode() (int64, string) { return r.ErrCode, r.ErrMsg }

// common is what every app message carries.
func (a *api) common(userid, msgType string) *message.SendRequestCommon {
	return &message.SendRequestCommon{ToUser: userid, MsgType: msgType, AgentID: strconv.FormatInt(a.agentID, 10)}
}

func (a *api) send(ctx context.Context, op, userid string, req any) error {
	_, err := a.sendFor(ctx, op, userid, req)
	return err
}

// sendFor sends a message and returns the response_code WeCom gives a card sent, which
// updates it once within 72 hours.
func (a *api) sendFor(ctx context.Context, op, userid string, req any) (string, error) {
	if err := a.take(ctx, userid); err != nil {
		return "", err
	}
	var res sendResult
	if err := a.postJSON(ctx, op, "/cgi-bin/message/send", req, &res); err != nil {
		return "", err
	}
	if res.InvalidUser != "" {
		return "", &APIError{Op: op, Code: codeInvalidUser, Msg: "invalid user"}
	}
	return res.ResponseCode, nil
}

func (a *api) sendText(ctx context.Context, userid, text string) error {
	return a.send(ctx, "send text", userid, message.SendTextRequest{SendRequestCommon: a.common(userid, "text"), Text: message.TextField{Content: text}})
}

func (a *api) sendMedia(ctx context.Context, userid, mediaID string, photo bool) error {
	if photo {
		return a.send(ctx, "send image", userid, message.SendImageRequest{SendRequestCommon: a.common(userid, "image"), Image: message.ImageField{MediaID: mediaID}})
	}
	return a.send(ctx, "send file", userid, struct {
		*message.SendRequestCommon
		File message.ImageField `json:"file"`
	}{a.common(userid, "file"), message.ImageField{MediaID: mediaID}})
}

// card is a template card of the button-interaction type (模板卡片, 按钮交互型).
type card struct {
	CardType     string       `json:"card_type"`
	MainTitle    *cardTitle   `json:"main_title,omitempty"`
	SubTitleText string       `json:"sub_title_text,omitempty"`
	TaskID       string       `json:"task_id"`
	ButtonList   []cardButton `json:"button_list"`
}

type cardTitle struct {
	Title string `json:"title,omitempty"`
	Desc  string `json:"desc,omitempty"`
}

type cardButton struct {
	Text  string `json:"text"`
	Style int    `json:"style,omitempty"`
	Key   string `json:"key"`
}

// sendCard sends a card and returns the code that updates it (its response_code).
func (a *api) sendCard(ctx context.Context, userid string, c card) (string, error) {
	return a.sendFor(ctx, "send card", userid, struct {
		*message.SendRequestCommon
		TemplateCard card `json:"template_card"`
	}{a.common(userid, "template_card"), c})
}

// updateCard turns a pressed card's buttons into one that cannot be pressed, reading text
// (更新模版卡片消息, 更新按钮为不可点击状态).
func (a *api) updateCard(ctx context.Context, userid, responseCode, text string) error {
	var res plainResult
	return a.postJSON(ctx, "update card", "/cgi-bin/message/update_template_card", map[string]any{
		"userids": []string{userid}, "agentid": a.agentID, "response_code": responseCode,
		"button": map[string]string{"replace_name": text},
	}, &res)
}

// upload keeps a file with WeCom as temporary media (three days) and returns its media_id.
func (a *api) upload(ctx context.Context, name string, data []byte, photo bool) (string, error) {
	kind := "file"
	if photo {
		kind = "image"
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("media", name)
	if err == nil {
		_, err = fw.Write(data)
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return "", fmt.Errorf("wecom upload: %w", err)
	}
	var res struct {
		plainResult
		MediaID string `json:"media_id"`
	}
	err = a.call(ctx, "upload", func(tok string) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost,
			a.base+"/cgi-bin/media/upload?access_token="+url.QueryEscape(tok)+"&type="+kind, bytes.NewReader(buf.Bytes()))
		if err == nil {
			req.Header.Set("Content-Type", mw.FormDataContentType())
		}
		return req, err
	}, &res)
	return res.MediaID, err
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// media downloads temporary media (获取临时素材): its bytes, or WeCom's error as JSON.
func (a *api) media(ctx context.Context, mediaID string, maxBytes int64) ([]byte, error) {
	var data []byte
	var res mediaResult
	err := a.call(ctx, "get media", func(tok string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet,
			a.base+"/cgi-bin/media/get?access_token="+url.QueryEscape(tok)+"&media_id="+url.QueryEscape(mediaID), nil)
	}, &res, func(resp *http.Response) (bool, error) {
		if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") || strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			return false, nil // an error, decoded as one
		}
		var err error
		data, err = io.ReadAll(io.LimitReader(resp.Body, maxBytes+1))
		return true, err
	})
	return data, err
}

type mediaResult struct{ plainResult }

// userInfo is the userid of the member an OAuth2 code names (获取访问用户身份,
// auth/getuserinfo): "" for someone outside the corporation, who has an openid only. A code
// is good once, for 5 minutes: otherwise WeCom answers 40029.
func (a *api) userInfo(ctx context.Context, code string) (string, error) {
	var res struct {
		plainResult
		UserID string `json:"userid"`
	}
	err := a.call(ctx, "auth getuserinfo", func(tok string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet,
			a.base+"/cgi-bin/auth/getuserinfo?access_token="+url.QueryEscape(tok)+"&code="+url.QueryEscape(code), nil)
	}, &res)
	return res.UserID, err
}

// userName is the name of a member (读取成员, user/get), "" when WeCom gives none (an app
// created after mid-2022 is given no names).
func (a *api) userName(ctx context.Context, userid string) (string, error) {
	var res struct {
		plainResult
		Name string `json:"name"`
	}
	err := a.call(ctx, "user get", func(tok string) (*http.Request, error) {
		return http.NewRequestWithContext(ctx, http.MethodGet,
			a.base+"/cgi-bin/user/get?access_token="+url.QueryEscape(tok)+"&userid="+url.QueryEscape(userid), nil)
	}, &res)
	return res.Name, err
}
