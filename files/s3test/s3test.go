// Package s3test runs an S3-compatible server in the test's own process (gofakes3, in
// memory), on 127.0.0.1, with one empty bucket, for tests of the files kept in object
// storage.
package s3test

import (
	"io"
	"net/http/httptest"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"github.com/bangban/bangban/files"
)

// Server is a running in-memory S3 server.
type Server struct {
	backend *s3mem.Backend
	Config  files.S3Config
}

// New starts a server holding one empty bucket, named bucket, stopped when tb ends. Config
// reaches it over plain HTTP with the given prefix ("" for none).
func New(tb testing.TB, bucket, prefix string) *Server {
	tb.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket(bucket); err != nil {
		tb.Fatalf("s3test: create bucket %s: %v", bucket, err)
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithoutVersioning()).Server())
	tb.Cleanup(srv.Close)
	if prefix != "" {
		prefix += "/"
	}
	return &Server{backend: backend, Config: files.S3Config{Endpoint: srv.Listener.Addr().String(), AccessKey: "bangban-test",
		SecretKey: "test/secret+key", Bucket: bucket, Prefix: prefix, Region: "us-east-1", Insecure: true}}
}

// Object is what the server holds under name in the bucket, with its content type; ok is
// false when it holds nothing there. It reads the server's memory, not through S3.
func (s *Server) Object(tb testing.TB, name string) (data []byte, contentType string, ok bool) {
	tb.Helper()
	obj, err := s.backend.GetObject(s.Config.Bucket, name, nil)
	if err != nil {
		return nil, "", false
	}
	defer obj.Contents.Close()
	data, err = io.ReadAll(obj.Contents)
	if err != nil {
		tb.Fatalf("s3test: read %s: %v", name, err)
	}
	return data, obj.Metadata["Content-Type"], true
}

// Objects are the names of everything the bucket holds.
func (s *Server) Objects(tb testing.TB) []string {
	tb.Helper()
	list, err := s.backend.ListBucket(s.Config.Bucket, nil, gofakes3.ListBucketPage{})
	if err != nil {
		tb.Fatalf("s3test: list %s: %v", s.Config.Bucket, err)
	}
	var names []string
	for _, o := range list.Contents {
		names = append(names, o.Key)
	}
	return names
}
