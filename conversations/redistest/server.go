package redistest

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// Server is a redis-server of a test's own, on a free 127.0.0.1 port, keeping nothing on disk,
// for tests that do to Redis what cannot be done to a shared one: pause it (SIGSTOP, a stall
// rather than an outage), resume it, kill it.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	log  string
}

// StartServer starts a redis-server with extra configuration arguments ("--cluster-enabled",
// "yes", …) and stops it when tb ends. It skips the test, saying why, when redis-server is
// not installed.
func StartServer(tb testing.TB, args ...string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server is not installed: this test runs a Redis of its own")
	}
	return startServer(tb, bin, FreePort(tb), args...)
}

// startServer starts redis-server on port and waits until it answers.
func startServer(tb testing.TB, bin string, port int, args ...string) *Server {
	tb.Helper()
	dir := tb.TempDir()
	all := append([]string{"--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--logfile", filepath.Join(dir, "redis.log")}, args...)
	cmd := exec.Command(bin, all...)
	if err := cmd.Start(); err != nil {
		tb.Fatalf("redistest: start redis-server: %v", err)
	}
	s := &Server{Addr: fmt.Sprintf("127.0.0.1:%d", port), cmd: cmd, log: filepath.Join(dir, "redis.log")}
	tb.Cleanup(s.Kill)
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		if err == nil {
			return s
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(s.log)
			tb.Fatalf("redistest: redis-server on %s did not answer: %v\n%s", s.Addr, err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Client is a client of the server as bangban makes them: each call keeps to its context's
// deadline.
func (s *Server) Client(tb testing.TB) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, ContextTimeoutEnabled: true})
	tb.Cleanup(func() { _ = c.Close() })
	return c
}

// Pause stops the server's process (SIGSTOP): connections stay open and nothing is answered.
func (s *Server) Pause(tb testing.TB) { s.signal(tb, syscall.SIGSTOP) }

// Resume lets a paused server go on (SIGCONT); it then runs what it received meanwhile.
func (s *Server) Resume(tb testing.TB) { s.signal(tb, syscall.SIGCONT) }

func (s *Server) signal(tb testing.TB, sig syscall.Signal) {
	tb.Helper()
	if err := s.cmd.Process.Signal(sig); err != nil {
		tb.Fatalf("redistest: signal redis-server: %v", err)
	}
}

// Log is what the server has written to its log file.
func (s *Server) Log() string {
	b, _ := os.ReadFile(s.log)
	return string(b)
}

// Alive says whether the server has not been killed.
func (s *Server) Alive() bool { return s.cmd.ProcessState == nil }

// Kill ends the server at once (SIGKILL), as a crash would: nothing is saved or handed over.
func (s *Server) Kill() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT)
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// FreePort is a TCP port on 127.0.0.1 that nothing listens on now.
func FreePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
