package wecomtest

import "testing"

// WeCom's published example (加解密方案, document 90968, and its WXBizMsgCrypt samples).
func TestCryptoMatchesWeComsPublishedExample(t *testing.T) {
	const (
		token = "QDG6eK"
		key   = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
		corp  = "wx5823bf96d3bd56c7"
		echo  = "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ=="
	)
	if got := Sign(token, "1409659589", "263014780", echo); got != "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3" {
		t.Fatalf("signature %s", got)
	}
	msg, id, err := Decrypt(key, echo)
	if err != nil || string(msg) != "1616140317555161061" || id != corp {
		t.Fatalf("echostr: %q %q %v", msg, id, err)
	}
	sealed, err := Encrypt(key, corp, []byte("<xml>你好</xml>"))
	if err != nil {
		t.Fatal(err)
	}
	if msg, id, err := Decrypt(key, sealed); err != nil || string(msg) != "<xml>你好</xml>" || id != corp {
		t.Fatalf("round trip: %q %q %v", msg, id, err)
	}
}
