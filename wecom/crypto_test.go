package wecom

import (
	"errors"
	"strings"
	"testing"
)

// The example of WeCom's documentation of its encryption (加解密方案, developer.work.weixin.qq.com
// document 90968, and the sample code of its WXBizMsgCrypt libraries): the app's settings, the
// URL check and one text message.
const (
	sampleToken  = "QDG6eK"
	sampleAESKey = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
	sampleCorpID = "wx5823bf96d3bd56c7"
)

func TestCryptoOpensWeComsPublishedExamples(t *testing.T) {
	c, err := NewCrypto(sampleToken, sampleAESKey, sampleCorpID)
	if err != nil {
		t.Fatal(err)
	}
	echo, err := c.Open("5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3", "1409659589", "263014780",
		"P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==")
	if err != nil || string(echo) != "1616140317555161061" {
		t.Fatalf("URL check: %q, %v", echo, err)
	}
	const msg = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
	body, err := c.Open("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", msg)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := parseCallback(body)
	if err != nil || cb.Content != "hello" || cb.MsgID != "4561255354251345929" || cb.MsgType != "text" {
		t.Fatalf("message: %+v, %v", cb, err)
	}
	if _, err := c.Open(strings.Repeat("0", 40), "1409659813", "1372623149", msg); !errors.Is(err, ErrSignature) {
		t.Fatalf("forged signature: %v", err)
	}
	other, _ := NewCrypto(sampleToken, sampleAESKey, "another-corp")
	if _, err := other.Open("477715d11cdb4164915debcba66cb864d751f3e6", "1409659813", "1372623149", msg); err == nil {
		t.Fatal("a message of another corporation was opened")
	}
	sealed, err := c.Seal([]byte("<xml>回声</xml>"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := c.Open(c.Sign("1", "2", sealed), "1", "2", sealed); err != nil || string(got) != "<xml>回声</xml>" {
		t.Fatalf("round trip: %q, %v", got, err)
	}
}
