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

// Callback is one callback as WeCom makes it: its plain XML, kept so that a test can deliver
// it again.
type Callback struct {
	XML string
}

// Delivery is how a callback went: the status of the last attempt, and how many attempts
// WeCom made (it tries again, three times, when the app does not answer 200 within 5 s).
type Delivery struct {
	Status   int
	Attempts int
}

// retries is how many times WeCom posts a callback again.
const retries = 3

func cdata(s string) string {
	return "<![CDATA[" + strings.ReplaceAll(s, "]]>", "]]]]><![CDATA[>") + "]]>"
}

// callback makes the plain XML of a callback from userid with the given fields.
func (s *Server) callback(userid, msgType, fields string) Callback {
	s.mu.Lock()
	s.seq++
	seq := s.seq
	s.mu.Unlock()
	x := fmt.Sprintf("<xml><ToUserName>%s</ToUserName><FromUserName>%s</FromUserName><CreateTime>%d</CreateTime>"+
		"<MsgType>%s</MsgType>%s<AgentID>%d</AgentID></xml>",
		cdata(s.opts.CorpID), cdata(userid), time.Now().Unix()*1000+seq, cdata(msgType), fields, s.opts.AgentID)
	return Callback{XML: x}
}

// message makes a message callback, numbered with a MsgId of its own.
func (s *Server) message(userid, msgType, fields string) Callback {
	s.mu.Lock()
	s.seq++
	id := 7000000000000000000 + s.seq
	s.mu.Unlock()
	return s.callback(userid, msgType, fields+"<MsgId>"+strconv.FormatInt(id, 10)+"</MsgId>")
}

// Deliver posts a callback to the app, signed and encrypted, as WeCom does: again when the app
// does not answer 200 within 5 seconds, three times at most.
func (s *Server) Deliver(cb Callback) (Delivery, error) {
	return s.post(cb, s.opts.Token)
}

// DeliverForged posts a callback signed with another token: as someone who is not WeCom.
func (s *Server) DeliverForged(cb Callback) (Delivery, error) {
	return s.post(cb, s.opts.Token+"-forged")
}

func (s *Server) post(cb Callback, token string) (Delivery, error) {
	s.mu.Lock()
	target := s.callbackURL
	s.mu.Unlock()
	if target == "" {
		return Delivery{}, errors.New("wecomtest: no callback URL set")
	}
	enc, err := Encrypt(s.opts.AESKey, s.opts.CorpID, []byte(cb.XML))
	if err != nil {
		return Delivery{}, err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), strconv.FormatInt(time.Now().UnixNano()%1e9, 10)
	q := url.Values{"msg_signature": {Sign(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}}
	body := fmt.Sprintf("<xml><ToUserName>%s</ToUserName><AgentID>%d</AgentID><Encrypt>%s</Encrypt></xml>",
		cdata(s.opts.CorpID), s.opts.AgentID, cdata(enc))
	var d Delivery
	for d.Attempts < 1+retries {
		d.Attempts++
		resp, err := s.client.Post(target+"?"+q.Encode(), "text/xml", strings.NewReader(body))
		if err != nil {
			d.Status = 0
			continue // no answer in time: WeCom tries again
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		d.Status = resp.StatusCode
		if resp.StatusCode < 500 {
			break
		}
	}
	return d, nil
}

// VerifyURL makes the URL check WeCom makes when the app's callback URL is saved: it sends an
// encrypted echostr and wants it back decrypted. It returns the status, the answer and the
// echostr's plain text.
func (s *Server) VerifyURL(token string) (status int, answer, want string, err error) {
	s.mu.Lock()
	target := s.callbackURL
	s.mu.Unlock()
	want = strconv.FormatInt(time.Now().UnixNano(), 10)
	enc, err := Encrypt(s.opts.AESKey, s.opts.CorpID, []byte(want))
	if err != nil {
		return 0, "", "", err
	}
	ts, nonce := strconv.FormatInt(time.Now().Unix(), 10), "1234567"
	q := url.Values{"msg_signature": {Sign(token, ts, nonce, enc)}, "timestamp": {ts}, "nonce": {nonce}, "echostr": {enc}}
	resp, err := s.client.Get(target + "?" + q.Encode())
	if err != nil {
		return 0, "", "", err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), want, nil
}

// Text is a text message from userid.
func (s *Server) Text(userid, text string) Callback {
	return s.message(userid, "text", "<Content>"+cdata(text)+"</Content>")
}

// SendText delivers a text message from userid.
func (s *Server) SendText(userid, text string) (Delivery, error) {
	return s.Deliver(s.Text(userid, text))
}

// SendImage uploads data as the member's picture and delivers it.
func (s *Server) SendImage(userid string, data []byte) (Delivery, error) {
	return s.Deliver(s.Image(userid, s.AddMedia("", data)))
}

// AddMedia keeps data as a member's upload, under name ("" for none), and returns its media
// id, for Image or File to send.
func (s *Server) AddMedia(name string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := s.newID("media")
	s.media[id] = data
	s.mediaName[id] = name
	return id
}

// Image is a picture message from userid of the media id (delivered by Deliver).
func (s *Server) Image(userid, mediaID string) Callback {
	return s.message(userid, "image", "<PicUrl>"+cdata("http://127.0.0.1/pic/"+mediaID)+"</PicUrl><MediaId>"+cdata(mediaID)+"</MediaId>")
}

// File is a file message from userid of the media id, under its name (delivered by Deliver).
func (s *Server) File(userid, mediaID string) Callback {
	s.mu.Lock()
	name, size := s.mediaName[mediaID], len(s.media[mediaID])
	s.mu.Unlock()
	return s.message(userid, "file", "<MediaId>"+cdata(mediaID)+"</MediaId><FileName>"+cdata(name)+"</FileName><FileSize>"+strconv.Itoa(size)+"</FileSize>")
}

// ShareLocation delivers a location from userid.
func (s *Server) ShareLocation(userid string, lat, lon float64, label string) (Delivery, error) {
	return s.Deliver(s.Location(userid, lat, lon, label))
}

// Location is a location message from userid (delivered by Deliver).
func (s *Server) Location(userid string, lat, lon float64, label string) Callback {
	return s.message(userid, "location", fmt.Sprintf("<Location_X>%f</Location_X><Location_Y>%f</Location_Y><Scale>15</Scale><Label>%s</Label>",
		lat, lon, cdata(label)))
}

// EnterEvent is the event of userid entering the app (delivered by Deliver).
func (s *Server) EnterEvent(userid string) Callback {
	return s.callback(userid, "event", "<Event>"+cdata("enter_agent")+"</Event><EventKey></EventKey>")
}

// Enter delivers the event of userid entering the app.
func (s *Server) Enter(userid string) (Delivery, error) { return s.Deliver(s.EnterEvent(userid)) }

// Press makes userid press the button of key on the card of taskID and returns the callback
// (delivered by Deliver). A card already pressed, another's, or a key it lacks is refused,
// as WeCom's client would not offer it.
func (s *Server) Press(userid, taskID, key string) (Callback, error) {
	s.mu.Lock()
	c, ok := s.cards[taskID]
	if !ok || s.cardUser[taskID] != userid {
		s.mu.Unlock()
		return Callback{}, fmt.Errorf("wecomtest: %s has no card %s", userid, taskID)
	}
	found := false
	for _, b := range c.Buttons {
		found = found || b.Key == key
	}
	if !found || c.Pressed != "" || c.Replaced != "" {
		s.mu.Unlock()
		return Callback{}, fmt.Errorf("wecomtest: card %s offers no button %q now", taskID, key)
	}
	c.Pressed = key
	code := s.newID("rc")
	s.codes[code] = taskID
	s.notify()
	s.mu.Unlock()
	return s.callback(userid, "event", "<Event>"+cdata("template_card_event")+"</Event><EventKey>"+cdata(key)+"</EventKey>"+
		"<TaskId>"+cdata(taskID)+"</TaskId><CardType>"+cdata("button_interaction")+"</CardType><ResponseCode>"+cdata(code)+"</ResponseCode>"), nil
}

// PressText presses the button reading text on userid's latest card.
func (s *Server) PressText(userid, text string) (Delivery, error) {
	msgs := s.Messages(userid)
	for i := len(msgs) - 1; i >= 0; i-- {
		if c := msgs[i].Card; c != nil {
			for _, b := range c.Buttons {
				if b.Text == text {
					cb, err := s.Press(userid, c.TaskID, b.Key)
					if err != nil {
						return Delivery{}, err
					}
					return s.Deliver(cb)
				}
			}
			return Delivery{}, fmt.Errorf("wecomtest: the latest card of %s has no button %q", userid, text)
		}
	}
	return Delivery{}, fmt.Errorf("wecomtest: %s has no card", userid)
}

// StatusOK is what a delivery answered in time wants.
const StatusOK = http.StatusOK
