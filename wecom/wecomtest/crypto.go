package wecomtest

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"sort"
	"strings"
)

// Sign is WeCom's msg_signature: the SHA-1, in hex, of the token, timestamp, nonce and
// ciphertext sorted and joined.
func Sign(token, timestamp, nonce, encrypted string) string {
	parts := []string{token, timestamp, nonce, encrypted}
	sort.Strings(parts)
	sum := sha1.Sum([]byte(strings.Join(parts, "")))
	return hex.EncodeToString(sum[:])
}

func aesKey(encodingAESKey string) ([]byte, error) {
	key, err := base64.StdEncoding.DecodeString(encodingAESKey + "=")
	if err != nil || len(key) != 32 {
		return nil, errors.New("wecomtest: bad EncodingAESKey")
	}
	return key, nil
}

// Encrypt seals msg for the corporation: AES-256-CBC, the key's first 16 bytes as IV, over
// random(16) + length(4, big-endian) + msg + corp id, padded PKCS#7 to 32 bytes; base64.
func Encrypt(encodingAESKey, corpID string, msg []byte) (string, error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return "", err
	}
	var plain bytes.Buffer
	random := make([]byte, 16)
	_, _ = rand.Read(random)
	plain.Write(random)
	_ = binary.Write(&plain, binary.BigEndian, uint32(len(msg)))
	plain.Write(msg)
	plain.WriteString(corpID)
	pad := 32 - plain.Len()%32
	plain.Write(bytes.Repeat([]byte{byte(pad)}, pad))
	block, _ := aes.NewCipher(key)
	out := plain.Bytes()
	cipher.NewCBCEncrypter(block, key[:16]).CryptBlocks(out, out)
	return base64.StdEncoding.EncodeToString(out), nil
}

// Decrypt opens what Encrypt sealed and returns the message and the corp id it names.
func Decrypt(encodingAESKey, encrypted string) (msg []byte, corpID string, err error) {
	key, err := aesKey(encodingAESKey)
	if err != nil {
		return nil, "", err
	}
	data, err := base64.StdEncoding.DecodeString(encrypted)
	if err != nil || len(data) == 0 || len(data)%aes.BlockSize != 0 {
		return nil, "", errors.New("wecomtest: bad ciphertext")
	}
	block, _ := aes.NewCipher(key)
	cipher.NewCBCDecrypter(block, key[:16]).CryptBlocks(data, data)
	pad := int(data[len(data)-1])
	if pad < 1 || pad > 32 || pad > len(data) {
		return nil, "", errors.New("wecomtest: bad padding")
	}
	data = data[:len(data)-pad]
	if len(data) < 20 {
		return nil, "", errors.New("wecomtest: too short")
	}
	n := int(binary.BigEndian.Uint32(data[16:20]))
	if 20+n > len(data) {
		return nil, "", errors.New("wecomtest: bad length")
	}
	return data[20 : 20+n], string(data[20+n:]), nil
}
