package files

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/s3utils"
)

// S3Config names a bucket of S3-compatible object storage (MinIO, Amazon S3, and the clouds
// that speak its API), as BANGBAN_S3_URL gives it:
//
//	s3://ACCESS_KEY:SECRET@host[:port]/bucket[/prefix][?region=R&insecure=1&lookup=path|dns]
//
// The access key and secret are percent-encoded where they hold reserved characters ("/" is
// %2F, "+" is %2B). insecure=1 speaks plain HTTP (a MinIO on the same host or network);
// lookup chooses between path-style and virtual-host-style requests, which the client
// otherwise picks by the host.
type S3Config struct {
	Endpoint  string // host[:port]
	AccessKey string
	SecretKey string
	Bucket    string
	// Prefix, when set, starts every object's name (it ends in "/").
	Prefix   string
	Region   string
	Insecure bool
	Lookup   minio.BucketLookupType
}

// String says where files are kept, without the credentials.
func (c S3Config) String() string {
	scheme := "https"
	if c.Insecure {
		scheme = "http"
	}
	return fmt.Sprintf("bucket %s at %s://%s/%s", c.Bucket, scheme, c.Endpoint, c.Prefix)
}

// ParseS3URL reads an S3 URL (see S3Config). Its errors never repeat the URL, which holds a
// secret.
func ParseS3URL(raw string) (S3Config, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return S3Config{}, errors.New("not a URL of the form s3://ACCESS_KEY:SECRET@host:port/bucket")
	}
	if u.Scheme != "s3" {
		return S3Config{}, errors.New("the scheme must be s3:// (with insecure=1 for plain HTTP)")
	}
	if u.Host == "" {
		return S3Config{}, errors.New("no host")
	}
	c := S3Config{Endpoint: u.Host}
	if u.User == nil {
		return S3Config{}, errors.New("no credentials: give them as s3://ACCESS_KEY:SECRET@host/bucket")
	}
	c.AccessKey = u.User.Username()
	c.SecretKey, _ = u.User.Password()
	if c.AccessKey == "" || c.SecretKey == "" {
		return S3Config{}, errors.New("the access key and the secret are both required (s3://ACCESS_KEY:SECRET@host/bucket)")
	}
	path := strings.Trim(u.Path, "/")
	bucket, prefix, _ := strings.Cut(path, "/")
	if bucket == "" {
		return S3Config{}, errors.New("no bucket (s3://…@host/bucket)")
	}
	if err := s3utils.CheckValidBucketNameStrict(bucket); err != nil {
		return S3Config{}, fmt.Errorf("bucket %q: %s", bucket, strings.TrimSuffix(err.Error(), "."))
	}
	c.Bucket = bucket
	if prefix != "" {
		for _, seg := range strings.Split(prefix, "/") {
			if seg == "" || seg == "." || seg == ".." {
				return S3Config{}, fmt.Errorf("prefix %q has an empty, . or .. segment", prefix)
			}
		}
		c.Prefix = prefix + "/"
	}
	for k, v := range u.Query() {
		val := v[len(v)-1]
		switch k {
		case "region":
			c.Region = val
		case "insecure":
			switch val {
			case "1", "true":
				c.Insecure = true
			case "0", "false":
			default:
				return S3Config{}, fmt.Errorf("insecure=%q (want 1 or 0)", val)
			}
		case "lookup":
			switch val {
			case "path":
				c.Lookup = minio.BucketLookupPath
			case "dns":
				c.Lookup = minio.BucketLookupDNS
			case "auto":
			default:
				return S3Config{}, fmt.Errorf("lookup=%q (want path, dns or auto)", val)
			}
		default:
			return S3Config{}, fmt.Errorf("unknown parameter %q (want region, insecure or lookup)", k)
		}
	}
	return c, nil
}

// S3 keeps files as objects in a bucket.
type S3 struct {
	c      *minio.Client
	bucket string
	prefix string
}

// OpenS3 connects to the bucket and checks that it exists.
func OpenS3(ctx context.Context, c S3Config) (*S3, error) {
	mc, err := minio.New(c.Endpoint, &minio.Options{
		Creds:        credentials.NewStaticV4(c.AccessKey, c.SecretKey, ""),
		Secure:       !c.Insecure,
		Region:       c.Region,
		BucketLookup: c.Lookup,
		// The job that stores a file is retried with its own backoff; the client tries a
		// request only a few times within it.
		MaxRetries: 3,
	})
	if err != nil {
		return nil, fmt.Errorf("files in %s: %w", c, err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	ok, err := mc.BucketExists(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("files in %s: %w", c, err)
	}
	if !ok {
		return nil, fmt.Errorf("files in %s: the bucket does not exist", c)
	}
	return &S3{c: mc, bucket: c.Bucket, prefix: c.Prefix}, nil
}

// Put uploads data as one object, unless an object of as many bytes is there already.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	name := s.prefix + key
	if info, err := s.c.StatObject(ctx, s.bucket, name, minio.StatObjectOptions{}); err == nil && info.Size == int64(len(data)) {
		return nil
	}
	if contentType == "" {
		contentType = "application/octet-stream"
	}
	// Files are at most what the Bot API lets a bot download (20 MB): one request each.
	_, err := s.c.PutObject(ctx, s.bucket, name, bytes.NewReader(data), int64(len(data)),
		minio.PutObjectOptions{ContentType: contentType, DisableMultipart: true})
	if err != nil {
		return fmt.Errorf("put %s: %w", key, err)
	}
	return nil
}

// Get downloads the object kept under key.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	obj, err := s.c.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s3Error(key, err)
	}
	defer obj.Close()
	data, err := io.ReadAll(obj)
	if err != nil {
		return nil, s3Error(key, err)
	}
	return data, nil
}

func s3Error(key string, err error) error {
	if minio.ToErrorResponse(err).Code == minio.NoSuchKey {
		return fmt.Errorf("get %s: %w", key, ErrNotFound)
	}
	return fmt.Errorf("get %s: %w", key, err)
}
