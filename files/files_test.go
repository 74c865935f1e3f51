package files_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bangban/bangban/files"
	"github.com/bangban/bangban/files/s3test"
)

func TestKeyIsTheSHA256UnderTwoLevels(t *testing.T) {
	t.Parallel()
	data := []byte("%PDF-1.7 a scanned permit")
	h := sha256.Sum256(data)
	sum := hex.EncodeToString(h[:])
	key, got := files.Key(data)
	if got != sum || key != sum[:2]+"/"+sum[2:4]+"/"+sum {
		t.Fatalf("Key = %q, %q; want the digest %s under two levels", key, got, sum)
	}
}

// The local directory keeps each file once, under its key, with its bytes; nothing half
// written is left beside it; only bangban's user may read it.
func TestDirKeepsAFileOnceAtomically(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := filepath.Join(t.TempDir(), "city", "files")
	d, err := files.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte("evidence "), 1000)
	k, err := files.Keep(ctx, d, data, "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	again, err := files.Keep(ctx, d, data, "application/pdf")
	if err != nil || again != k {
		t.Fatalf("kept again: %+v, %v; want %+v", again, err, k)
	}
	h := sha256.Sum256(data)
	if k.SHA256 != hex.EncodeToString(h[:]) || k.Size != int64(len(data)) {
		t.Fatalf("kept %+v", k)
	}
	var found []string
	err = filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		if info.Mode().Perm()&0o077 != 0 {
			t.Errorf("%s is open to others: %v", p, info.Mode())
		}
		if !e.IsDir() {
			rel, _ := filepath.Rel(root, p)
			found = append(found, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 1 || found[0] != k.Key {
		t.Fatalf("the directory holds %v, want only %s", found, k.Key)
	}
	got, err := d.Get(ctx, k.Key)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %d bytes, %v", len(got), err)
	}
}

// Many writers of the same file at once leave one whole copy and no temporary files.
func TestDirConcurrentPutsOfOneFile(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	root := t.TempDir()
	d, err := files.OpenDir(root)
	if err != nil {
		t.Fatal(err)
	}
	data := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 50000)
	key, _ := files.Key(data)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if err := d.Put(ctx, key, data, "image/png"); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	entries, err := os.ReadDir(filepath.Join(root, filepath.FromSlash(key[:5])))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != key[6:] {
		t.Fatalf("the key's directory holds %v", entries)
	}
	if got, _ := d.Get(ctx, key); !bytes.Equal(got, data) {
		t.Fatal("the file kept is not the one put")
	}
}

// A key that is not a content address could name a path outside the directory: refused.
func TestStoragesRefuseKeysTheyDidNotMake(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d, err := files.OpenDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	_, sum := files.Key([]byte("x"))
	for _, key := range []string{"../../etc/passwd", sum, "ab/cd/" + sum, files.KeyOf(sum) + "/..", "/" + files.KeyOf(sum),
		files.KeyOf(strings.ToUpper(sum))} {
		if err := d.Put(ctx, key, []byte("x"), ""); !errors.Is(err, files.ErrBadKey) {
			t.Errorf("Put(%q) = %v, want ErrBadKey", key, err)
		}
		if _, err := d.Get(ctx, key); !errors.Is(err, files.ErrBadKey) {
			t.Errorf("Get(%q) = %v, want ErrBadKey", key, err)
		}
	}
	if _, err := d.Get(ctx, files.KeyOf(sum)); !errors.Is(err, files.ErrNotFound) {
		t.Errorf("Get of a key never put = %v, want ErrNotFound", err)
	}
}

func TestOpenDirRefusesWhatCannotHoldFiles(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "plain")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := files.OpenDir(file); err == nil {
		t.Fatal("a plain file was taken as the files directory")
	}
	if _, err := files.OpenDir(""); err == nil {
		t.Fatal("an empty path was taken as the files directory")
	}
}

// Through minio-go, against an S3 server in this process: a file is kept once as an object
// under the prefix, with its content type, and read back.
func TestS3KeepsAFileAsAnObject(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	srv := s3test.New(t, "evidence", "county/xc")
	s, err := files.Open(ctx, files.Config{S3: &srv.Config})
	if err != nil {
		t.Fatal(err)
	}
	data := []byte("%PDF-1.4 the land-use permit, page 1 of 3")
	k, err := files.Keep(ctx, s, data, "application/pdf")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := files.Keep(ctx, s, data, "application/pdf"); err != nil {
		t.Fatal(err)
	}
	if names := srv.Objects(t); len(names) != 1 || names[0] != "county/xc/"+k.Key {
		t.Fatalf("the bucket holds %v, want only county/xc/%s", names, k.Key)
	}
	stored, ct, ok := srv.Object(t, "county/xc/"+k.Key)
	if !ok || !bytes.Equal(stored, data) || ct != "application/pdf" {
		t.Fatalf("object: %q (%s), present %v", stored, ct, ok)
	}
	got, err := s.Get(ctx, k.Key)
	if err != nil || !bytes.Equal(got, data) {
		t.Fatalf("get: %q, %v", got, err)
	}
	_, other := files.Key([]byte("never put"))
	if _, err := s.Get(ctx, files.KeyOf(other)); !errors.Is(err, files.ErrNotFound) {
		t.Fatalf("get of a key never put = %v, want ErrNotFound", err)
	}
}

func TestOpenS3NeedsTheBucket(t *testing.T) {
	t.Parallel()
	srv := s3test.New(t, "evidence", "")
	c := srv.Config
	c.Bucket = "elsewhere"
	if _, err := files.Open(context.Background(), files.Config{S3: &c}); err == nil || !strings.Contains(err.Error(), "does not exist") {
		t.Fatalf("open a missing bucket: %v", err)
	}
}

func TestParseS3URL(t *testing.T) {
	t.Parallel()
	c, err := files.ParseS3URL("s3://AKIA0123:wJal%2FrXU%2Bt@minio.city.local:9000/evidence/xc/2026?region=cn-north-1&insecure=1&lookup=path")
	if err != nil {
		t.Fatal(err)
	}
	if c.Endpoint != "minio.city.local:9000" || c.AccessKey != "AKIA0123" || c.SecretKey != "wJal/rXU+t" || c.Bucket != "evidence" ||
		c.Prefix != "xc/2026/" || c.Region != "cn-north-1" || !c.Insecure {
		t.Fatalf("parsed %+v", c)
	}
	if s := c.String(); strings.Contains(s, "wJal") || strings.Contains(s, "AKIA") || !strings.Contains(s, "http://minio.city.local:9000") {
		t.Fatalf("String() = %q", s)
	}
	c, err = files.ParseS3URL("s3://k:s@oss-cn-hangzhou.aliyuncs.com/evidence")
	if err != nil || c.Insecure || c.Prefix != "" || c.Region != "" {
		t.Fatalf("plain: %+v, %v", c, err)
	}
	for raw, want := range map[string]string{
		"https://k:s@host/bucket":           "scheme",
		"s3://k:s@/bucket":                  "no host",
		"s3://host/bucket":                  "no credentials",
		"s3://k@host/bucket":                "both required",
		"s3://k:s@host":                     "no bucket",
		"s3://k:s@host/Bad_Bucket":          "bucket",
		"s3://k:s@host/bucket/../x":         "prefix",
		"s3://k:s@host/bucket?insecure=yes": "insecure",
		"s3://k:s@host/bucket?lookup=vhost": "lookup",
		"s3://k:s@host/bucket?regoin=x":     "unknown parameter",
		"s3://k:hunter2 x@host:port/bucket": "not a URL",
	} {
		_, err := files.ParseS3URL(raw)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want an error saying %q", raw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error %q repeats the secret", raw, err)
		}
	}
}
