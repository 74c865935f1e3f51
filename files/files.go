// Package files keeps the photos and documents that reporters and handlers attach to cases,
// where the city decides: in a local directory, or in a bucket of S3-compatible object
// storage. Telegram keeps a file only under ids that belong to one bot token, and it is not an
// archive; a case's evidence must outlive both (DESIGN.md §6, "Platforms, files and the demo").
//
// A file is kept under the SHA-256 of its bytes (Key): the same file attached twice is kept
// once, and a key says whether the bytes behind it are still the ones that were kept.
//
// Nothing here serves files to anyone: they are read back only by bangban itself.
package files

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"strings"
)

// Storage is where the city keeps files.
type Storage interface {
	// Put keeps data under key with its content type. Keys are content addresses (Key): a
	// key already kept with as many bytes holds the same file, and is not written again.
	Put(ctx context.Context, key string, data []byte, contentType string) error
	// Get returns the bytes kept under key; ErrNotFound when there are none.
	Get(ctx context.Context, key string) ([]byte, error)
}

// ErrNotFound is a key under which nothing is kept.
var ErrNotFound = errors.New("no file kept under this key")

// ErrBadKey is a key that is not one Key makes.
var ErrBadKey = errors.New("malformed file key")

// Kept says where a file was put and what it was.
type Kept struct {
	Key    string
	SHA256 string // hex
	Size   int64
}

// Key is where a file's bytes are kept: their SHA-256 in hex, under two levels of directories
// named by its first two pairs of hex digits ("ab/cd/abcd…"), so that no directory holds more
// than a few thousand entries however many files the city keeps. It also returns the hex
// digest.
func Key(data []byte) (key, sum string) {
	h := sha256.Sum256(data)
	sum = hex.EncodeToString(h[:])
	return KeyOf(sum), sum
}

// KeyOf is the key of a file whose SHA-256 in hex is sum.
func KeyOf(sum string) string { return sum[0:2] + "/" + sum[2:4] + "/" + sum }

// Keep puts data in s under its content address and says where.
func Keep(ctx context.Context, s Storage, data []byte, contentType string) (Kept, error) {
	key, sum := Key(data)
	if err := s.Put(ctx, key, data, contentType); err != nil {
		return Kept{}, err
	}
	return Kept{Key: key, SHA256: sum, Size: int64(len(data))}, nil
}

// checkKey refuses what is not a key Key makes: two levels of two hex digits, then 64 of them,
// each prefix of the digest. It keeps a key from naming a path outside the storage.
func checkKey(key string) error {
	parts := strings.Split(key, "/")
	if len(parts) != 3 || len(parts[2]) != 64 || !isHex(parts[2]) || parts[0] != parts[2][0:2] || parts[1] != parts[2][2:4] {
		return fmt.Errorf("%w: %q", ErrBadKey, key)
	}
	return nil
}

func isHex(s string) bool {
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// Config chooses the storage: a bucket when S3 is set, else the local directory Dir.
type Config struct {
	Dir string
	S3  *S3Config
}

// DefaultDir is the local directory files are kept in unless configured otherwise, relative
// to the working directory.
const DefaultDir = "files"

// String says where files are kept, without credentials, for logs.
func (c Config) String() string {
	if c.S3 != nil {
		return c.S3.String()
	}
	return "directory " + c.Dir
}

// Open makes the storage c describes and checks that it can be used: the directory is created
// if missing and written to once; the bucket must exist and answer.
func Open(ctx context.Context, c Config) (Storage, error) {
	if c.S3 != nil {
		return OpenS3(ctx, *c.S3)
	}
	return OpenDir(c.Dir)
}

// Extension is the usual file name extension of a content type ("image/jpeg": ".jpg"), ""
// when none is known.
func Extension(contentType string) string {
	switch contentType {
	case "image/jpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "application/pdf":
		return ".pdf"
	}
	if exts, _ := mime.ExtensionsByType(contentType); len(exts) > 0 {
		return exts[0]
	}
	return ""
}
