package server

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// A private PostgreSQL server for the tests, started once per test binary
// on a Unix socket in a temporary folder and stopped by TestMain. When the
// server binaries are absent the PostgreSQL tests skip, except under
// CI=true where they fail. PostgreSQL refuses to run as root, so as root
// the helper creates (once) a system user smetskit-pg and runs initdb and
// pg_ctl as that user.
var pg struct {
	once sync.Once
	dir  string // data, socket and log
	bin  string
	err  error
	dbs  atomic.Int64
	run  func(args ...string) *exec.Cmd
}

const pgUser = "smetskit-pg"

func findPGBin() string {
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if _, err := exec.LookPath("initdb"); err == nil {
			return filepath.Dir(p)
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Sort(sort.Reverse(sort.StringSlice(dirs)))
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d
		}
	}
	return ""
}

func startPG() {
	pg.bin = findPGBin()
	if pg.bin == "" {
		pg.err = fmt.Errorf("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; install Debian package postgresql")
		return
	}
	dir, err := os.MkdirTemp("", "smetskit-pg-")
	if err != nil {
		pg.err = err
		return
	}
	pg.dir = dir
	cred := (*syscall.Credential)(nil)
	if os.Geteuid() == 0 {
		u, err := user.Lookup(pgUser)
		if err != nil {
			if out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", pgUser).CombinedOutput(); err != nil {
				pg.err = fmt.Errorf("create user %s to run postgres (it refuses root): %v: %s", pgUser, err, out)
				return
			}
			if u, err = user.Lookup(pgUser); err != nil {
				pg.err = err
				return
			}
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			pg.err = err
			return
		}
	}
	pg.run = func(args ...string) *exec.Cmd {
		c := exec.Command(filepath.Join(pg.bin, args[0]), args[1:]...)
		c.Dir = dir
		if cred != nil {
			c.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		}
		return c
	}
	data := filepath.Join(dir, "data")
	if out, err := pg.run("initdb", "-D", data, "-U", "smetskit", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C").CombinedOutput(); err != nil {
		pg.err = fmt.Errorf("initdb: %v: %s", err, out)
		return
	}
	opts := fmt.Sprintf("-k %s -c listen_addresses='' -F -c max_connections=200 -c shared_buffers=32MB", dir)
	if out, err := pg.run("pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start").CombinedOutput(); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		pg.err = fmt.Errorf("pg_ctl start: %v: %s\n%s", err, out, log)
	}
}

func stopPG() {
	if pg.run != nil && pg.dir != "" {
		pg.run("pg_ctl", "-D", filepath.Join(pg.dir, "data"), "-m", "immediate", "-w", "stop").Run()
	}
	if pg.dir != "" {
		os.RemoveAll(pg.dir)
	}
}

func pgDSN(db string) string {
	return fmt.Sprintf("postgres://smetskit@/%s?host=%s&port=5432&sslmode=disable", db, pg.dir)
}

// postgresDSN returns the DSN of a fresh, empty database on the private
// server, skipping (or failing under CI=true) when there is none.
func postgresDSN(tb testing.TB) string {
	tb.Helper()
	pg.once.Do(startPG)
	if pg.err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatalf("PostgreSQL tests need a server: %v", pg.err)
		}
		tb.Skipf("skip PostgreSQL: %v", pg.err)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), pg.dbs.Add(1))
	admin, err := sql.Open("pgx", pgDSN("postgres"))
	if err != nil {
		tb.Fatal(err)
	}
	defer admin.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		tb.Fatalf("create database: %v", err)
	}
	return pgDSN(name)
}

func TestMain(m *testing.M) {
	code := m.Run()
	stopPG()
	os.Exit(code)
}
