package main

// End-to-end tests: the built binary, started with only the documented
// environment variables, against doubles of the Telegram Bot API
// (e2e_tgfake_test.go) and the VK API (e2e_vkfake_test.go) that speak their
// real wire formats and enforce their rules. Each test says what a customer
// (or the brand's admin) would notice.

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"text/template"
	"time"

	"github.com/supportbot/supportbot/faq"
)

var (
	e2eBinOnce sync.Once
	e2eBinPath string
	e2eBinErr  error
	e2eBinDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if e2eBinDir != "" {
		os.RemoveAll(e2eBinDir)
	}
	os.Exit(code)
}

// e2eBinary builds the supportbot binary once per test run.
func e2eBinary(t testing.TB) string {
	t.Helper()
	e2eBinOnce.Do(func() {
		e2eBinDir, e2eBinErr = os.MkdirTemp("", "supportbot-e2e-")
		if e2eBinErr != nil {
			return
		}
		e2eBinPath = filepath.Join(e2eBinDir, "supportbot")
		cmd := exec.Command("go", "build", "-o", e2eBinPath, ".")
		out, err := cmd.CombinedOutput()
		if err != nil {
			e2eBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if e2eBinErr != nil {
		t.Fatal(e2eBinErr)
	}
	return e2eBinPath
}

// e2eDeadline is how long a test waits for something a customer would see.
const e2eDeadline = 10 * time.Second

// eventually polls cond every 20 ms until it holds or d passes.
func eventually(d time.Duration, cond func() bool) bool {
	end := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// freeAddr returns a loopback address with a port nobody listens on.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// lockedBuffer is an io.Writer safe for the process's stderr copier and
// the test reading it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// botProc is the supportbot binary under test. It may be started, stopped
// and killed many times on the same database and address.
type botProc struct {
	t      testing.TB
	env    map[string]string
	DB     string
	Listen string
	logs   lockedBuffer // stderr of every run, with a line between runs

	mu      sync.Mutex
	cmd     *exec.Cmd
	done    chan struct{}
	waitErr error
	runs    int
}

// newBot prepares a bot with a fresh database, a free listen address, the
// e2e FAQ and env (documented variables only). Start it with start.
func newBot(t testing.TB, env map[string]string) *botProc {
	t.Helper()
	dir := t.TempDir()
	b := &botProc{
		t:      t,
		DB:     filepath.Join(dir, "supportbot.db"),
		Listen: freeAddr(t),
		env: map[string]string{
			"SUPPORTBOT_FAQ":       e2eFAQPath,
			"SUPPORTBOT_LOG_LEVEL": "debug",
		},
	}
	for k, v := range env {
		b.env[k] = v
	}
	if _, ok := b.env["SUPPORTBOT_DB"]; !ok {
		b.env["SUPPORTBOT_DB"] = b.DB
	} else {
		b.DB = b.env["SUPPORTBOT_DB"]
	}
	if _, ok := b.env["SUPPORTBOT_LISTEN"]; !ok {
		b.env["SUPPORTBOT_LISTEN"] = b.Listen
	} else {
		b.Listen = b.env["SUPPORTBOT_LISTEN"]
	}
	t.Cleanup(func() {
		b.kill()
		if t.Failed() {
			t.Logf("supportbot stderr (%d runs):\n%s", b.runs, tail(b.logs.String(), 200))
		}
	})
	return b
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(s, "\n")
	if len(lines) > n {
		lines = append([]string{fmt.Sprintf("... (%d lines cut)", len(lines)-n)}, lines[len(lines)-n:]...)
	}
	return strings.Join(lines, "\n")
}

// environ is the process environment: PATH, HOME and the bot's settings.
func (b *botProc) environ() []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	for k, v := range b.env {
		env = append(env, k+"="+v)
	}
	return env
}

// start runs the binary in the background.
func (b *botProc) start() {
	b.t.Helper()
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.cmd != nil {
		b.t.Fatal("bot already running")
	}
	b.runs++
	fmt.Fprintf(&b.logs, "----- run %d -----\n", b.runs)
	cmd := exec.Command(e2eBinary(b.t))
	cmd.Env = b.environ()
	cmd.Dir = filepath.Dir(b.DB)
	cmd.Stdin = nil // not a terminal: never the console chat
	cmd.Stdout = &b.logs
	cmd.Stderr = &b.logs
	if err := cmd.Start(); err != nil {
		b.t.Fatal(err)
	}
	done := make(chan struct{})
	b.cmd, b.done = cmd, done
	go func() {
		err := cmd.Wait()
		b.mu.Lock()
		b.waitErr = err
		b.mu.Unlock()
		close(done)
	}()
}

// running reports whether the current run has not exited.
func (b *botProc) running() bool {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done == nil {
		return false
	}
	select {
	case <-done:
		return false
	default:
		return true
	}
}

// wait waits up to d for the run to exit and returns its exit code (-1
// when killed by a signal) and whether it exited in time.
func (b *botProc) wait(d time.Duration) (code int, exited bool) {
	b.mu.Lock()
	cmd, done := b.cmd, b.done
	b.mu.Unlock()
	if cmd == nil {
		return 0, true
	}
	select {
	case <-done:
	case <-time.After(d):
		return 0, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.cmd, b.done = nil, nil
	return cmd.ProcessState.ExitCode(), true
}

// stop sends SIGTERM and waits up to d; it returns the exit code and how
// long the exit took. A process still running after d is killed and the
// test fails.
func (b *botProc) stop(d time.Duration) (int, time.Duration) {
	b.t.Helper()
	b.mu.Lock()
	cmd := b.cmd
	b.mu.Unlock()
	if cmd == nil {
		return 0, 0
	}
	start := time.Now()
	_ = cmd.Process.Signal(syscall.SIGTERM)
	code, ok := b.wait(d)
	took := time.Since(start)
	if !ok {
		b.kill()
		b.t.Errorf("supportbot did not exit within %s of SIGTERM", d)
	}
	return code, took
}

// kill sends SIGKILL (a crash) and waits for the process to be gone.
func (b *botProc) kill() {
	b.mu.Lock()
	cmd := b.cmd
	b.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Kill()
	b.wait(10 * time.Second)
}

// url is the bot's HTTP address plus path.
func (b *botProc) url(path string) string { return "http://" + b.Listen + path }

// waitReady waits until /readyz answers 200.
func (b *botProc) waitReady() {
	b.t.Helper()
	exited := false
	ok := eventually(e2eDeadline, func() bool {
		if !b.running() {
			exited = true
			return true
		}
		code, _ := httpGet(b.url("/readyz"))
		return code == http.StatusOK
	})
	if exited {
		b.t.Fatalf("supportbot exited before it was ready")
	}
	if !ok {
		b.t.Fatalf("supportbot not ready within %s (running: %v)", e2eDeadline, b.running())
	}
}

// httpGet returns the status and body of a GET, or 0 on a network error.
func httpGet(u string) (int, string) {
	c := http.Client{Timeout: 3 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// httpPost posts body with headers and returns the status and body.
func httpPost(u, contentType string, body []byte, header map[string]string) (int, string, error) {
	req, err := http.NewRequest(http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, "", err
	}
	req.Header.Set("Content-Type", contentType)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := http.Client{Timeout: 10 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(out), nil
}

// openDBReadOnly opens the bot's database for the test's own checks.
func openDBReadOnly(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_busy_timeout=10000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// inboxEventIDs returns the event ids stored in the inbox for platform.
func inboxEventIDs(t testing.TB, db *sql.DB, platform string) map[string]bool {
	t.Helper()
	rows, err := db.Query(`SELECT event_id FROM inbox WHERE platform = ?`, platform)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]bool{}
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		out[id] = true
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// ---------------------------------------------------------------------------
// The FAQ the e2e tests answer from, and what the bot should say.

const e2eFAQRel = "testdata/e2e/faq.yaml"

var e2eFAQPath = func() string {
	p, err := filepath.Abs(e2eFAQRel)
	if err != nil {
		panic(err)
	}
	return p
}()

var (
	e2eFAQOnce sync.Once
	e2eFAQ     *faq.FAQ
	e2eFAQErr  error
)

// loadE2EFAQ returns testdata/e2e/faq.yaml parsed, with its matcher.
func loadE2EFAQ(t testing.TB) (*faq.FAQ, *faq.Matcher) {
	t.Helper()
	e2eFAQOnce.Do(func() { e2eFAQ, e2eFAQErr = faq.Load(e2eFAQPath) })
	if e2eFAQErr != nil {
		t.Fatal(e2eFAQErr)
	}
	return e2eFAQ, faq.NewMatcher(e2eFAQ)
}

// e2eEntry returns the entry with id.
func e2eEntry(t testing.TB, id string) *faq.Entry {
	t.Helper()
	f, _ := loadE2EFAQ(t)
	e := f.Entry(id)
	if e == nil {
		t.Fatalf("no entry %q in %s", id, e2eFAQRel)
	}
	return e
}

// pickByAction returns the first phrase the matcher decides with action.
func pickByAction(t testing.TB, action faq.Action, phrases ...string) (string, faq.Decision) {
	t.Helper()
	_, m := loadE2EFAQ(t)
	for _, p := range phrases {
		if d := m.Match(p); d.Action == action {
			return p, d
		}
	}
	var got []string
	for _, p := range phrases {
		d := m.Match(p)
		got = append(got, fmt.Sprintf("%q→%s%v", p, d.Action, d.Candidates))
	}
	t.Fatalf("none of the phrases gets %s from the matcher: %s", action, strings.Join(got, ", "))
	return "", faq.Decision{}
}

// sameText compares two texts ignoring differences in whitespace.
func sameText(a, b string) bool {
	return strings.Join(strings.Fields(a), " ") == strings.Join(strings.Fields(b), " ")
}

// ---------------------------------------------------------------------------
// Update fixtures: testdata/e2e/*.json are text/template files.

var fixtureFuncs = template.FuncMap{
	"json": func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	},
}

var (
	fixturesMu sync.Mutex
	fixtures   = map[string]*template.Template{}
)

// fixture renders testdata/e2e/<name>.json with data and checks the result
// is JSON.
func fixture(t testing.TB, name string, data any) []byte {
	t.Helper()
	fixturesMu.Lock()
	tmpl := fixtures[name]
	if tmpl == nil {
		var err error
		tmpl, err = template.New(name + ".json").Funcs(fixtureFuncs).ParseFiles(filepath.Join("testdata", "e2e", name+".json"))
		if err != nil {
			fixturesMu.Unlock()
			t.Fatal(err)
		}
		fixtures[name] = tmpl
	}
	fixturesMu.Unlock()
	var buf bytes.Buffer
	if err := tmpl.Execute(&buf, data); err != nil {
		t.Fatal(err)
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, buf.Bytes()); err != nil {
		t.Fatalf("fixture %s is not JSON: %v\n%s", name, err, buf.Bytes())
	}
	return compact.Bytes()
}
