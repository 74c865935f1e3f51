package wecom

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/silenceper/wechat/v2/util"
)

// Crypto checks and opens what WeCom sends to the callback URL, and seals what is sent back
// (加解密方案): msg_signature = sha1 of the sorted token, timestamp, nonce and ciphertext;
// the ciphertext is AES-256-CBC of random(16) + length(4) + message + corp id, keyed by the
// EncodingAESKey.
type Crypto struct {
	token, aesKey, corpID string
}

// ErrSignature says a callback's signature is not the app's: it was not sent by WeCom.
var ErrSignature = errors.New("wecom: wrong signature")

// NewCrypto checks the app's token and EncodingAESKey (43 characters, 32 bytes once decoded).
func NewCrypto(token, aesKey, corpID string) (*Crypto, error) {
	if token == "" || corpID == "" {
		return nil, errors.New("wecom: token and corp id are required")
	}
	if key, err := base64.StdEncoding.DecodeString(aesKey + "="); len(aesKey) != 43 || err != nil || len(key) != 32 {
		return nil, errors.New("wecom: the AES key must be 43 characters of base64, 32 bytes once decoded")
	}
	return &Crypto{token: token, aesKey: aesKey, corpID: corpID}, nil
}

// Sign is the msg_signature of a ciphertext sent with timestamp and nonce.
func (c *Crypto) Sign(timestamp, nonce, encrypted string) string {
	return util.Signature(c.token, timestamp, nonce, encrypted)
}

// Open checks the signature of a ciphertext and decrypts it; the message must name the app's
// corporation.
func (c *Crypto) Open(signature, timestamp, nonce, encrypted string) ([]byte, error) {
	if subtle.ConstantTimeCompare([]byte(signature), []byte(c.Sign(timestamp, nonce, encrypted))) != 1 {
		return nil, ErrSignature
	}
	_, msg, err := util.DecryptMsg(c.corpID, encrypted, c.aesKey)
	if err != nil {
		return nil, fmt.Errorf("wecom: decrypt: %w", err)
	}
	return msg, nil
}

// Seal encrypts msg as WeCom does, with fresh random bytes.
func (c *Crypto) Seal(msg []byte) (string, error) {
	random := make([]byte, 16)
	if _, err := rand.Read(random); err != nil {
		return "", fmt.Errorf("wecom: random: %w", err)
	}
	out, err := util.EncryptMsg(random, msg, c.corpID, c.aesKey)
	if err != nil {
		return "", fmt.Errorf("wecom: encrypt: %w", err)
	}
	return string(out), nil
}
