package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/smetskit/smetskit/app/inventory"
	"github.com/smetskit/smetskit/protocol/duis"
	"github.com/smetskit/smetskit/sync/server"
)

const usage = `usage: inventoryd <command> [flags]

commands:
  serve    run the service
  token    create an access token (printed once; only its hash is stored)
  report   performance report per service request variant
  migrate  create or update the database schema
  install-code --device ID --actor NAME
           print a device's install code from the SMI (for a new supplier;
           audited as the actor)
  seal-key show the public X25519 key tablets seal install codes to
           (generated on first use; the private key is kept in the
           database, sealed with the install-code sealing key)
  coverage import FILE.json   load SM WAN coverage by postcode (JSON array of
           {"postcode","cspRegion","coverage"}); all rows or none, audited

run "inventoryd <command> -h" for the flags of a command`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd, args := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "token":
		return token(ctx, args, stdout, stderr)
	case "report":
		return report(ctx, args, stdout, stderr)
	case "coverage":
		return coverage(ctx, args, stdout, stderr)
	case "seal-key":
		return sealKey(ctx, args, stdout, stderr)
	case "install-code":
		return installCode(ctx, args, stdout, stderr)
	case "migrate":
		fs := newFlags("migrate", stderr)
		db := fs.String("db", "inventory.db", "SQLite file or postgres:// URL")
		if err := fs.Parse(args); err != nil {
			return err
		}
		d, err := server.OpenDB(ctx, *db)
		if err != nil {
			return err
		}
		return d.Close()
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q\n%s", cmd, usage)
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

type common struct {
	db, keyFile, rules, cpl *string
	counterWindow           *uint64
}

func commonFlags(fs *flag.FlagSet) common {
	return common{
		db:      fs.String("db", "inventory.db", "SQLite file, or a postgres:// URL for a shared PostgreSQL database"),
		keyFile: fs.String("key-file", "", "file with the 32-byte install-code sealing key (64 hex digits); env INVENTORYD_SEALING_KEY also works; SQLite only: created beside the database when absent"),
		rules:   fs.String("rules", "", "JSON file overriding rows of the SMI transition and permission tables and the installer grants"),
		cpl:     fs.String("cpl", "", "JSON file with the Certified Products List (array of entries)"),
		counterWindow: fs.Uint64("counter-window", 0, "accept a never-used Request ID counter this far below the originator's highest "+
			"(a request held back on a tablet and overtaken); 0: counters must strictly increase (DOMAIN.md §12)"),
	}
}

func isPostgres(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// sealingKey reads the key from --key-file or INVENTORYD_SEALING_KEY; for
// a SQLite database with neither it creates <db>.sealkey (mode 0600).
func sealingKey(c common) ([]byte, error) {
	text := os.Getenv("INVENTORYD_SEALING_KEY")
	path := *c.keyFile
	if path == "" && text == "" {
		if isPostgres(*c.db) {
			return nil, errors.New("a PostgreSQL deployment needs a sealing key (--key-file or INVENTORYD_SEALING_KEY) shared by all instances")
		}
		path = *c.db + ".sealkey"
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			k := make([]byte, 32)
			rand.Read(k)
			if err := os.WriteFile(path, []byte(hex.EncodeToString(k)+"\n"), 0o600); err != nil {
				return nil, fmt.Errorf("create sealing key: %w", err)
			}
		}
	}
	if path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("read sealing key: %w", err)
		}
		text = string(b)
	}
	k, err := hex.DecodeString(strings.TrimSpace(text))
	if err != nil || len(k) != 32 {
		return nil, errors.New("sealing key must be 64 hex digits (32 bytes)")
	}
	return k, nil
}

// openQuiet opens the server for a one-shot command, which logs nothing.
func openQuiet(ctx context.Context, c common) (*server.Server, *server.DB, error) {
	return open(ctx, c, slog.New(slog.DiscardHandler))
}

func open(ctx context.Context, c common, log *slog.Logger) (*server.Server, *server.DB, error) {
	key, err := sealingKey(c)
	if err != nil {
		return nil, nil, err
	}
	sealer, err := inventory.NewSealer(key)
	if err != nil {
		return nil, nil, err
	}
	rules := inventory.DefaultRules()
	if *c.rules != "" {
		b, err := os.ReadFile(*c.rules)
		if err != nil {
			return nil, nil, fmt.Errorf("read rules: %w", err)
		}
		if err := rules.Override(b); err != nil {
			return nil, nil, fmt.Errorf("load rules %s: %w", *c.rules, err)
		}
	}
	var cpl *inventory.CPL
	if *c.cpl != "" {
		b, err := os.ReadFile(*c.cpl)
		if err != nil {
			return nil, nil, fmt.Errorf("read CPL: %w", err)
		}
		var es []inventory.CPLEntry
		if err := json.Unmarshal(b, &es); err != nil {
			return nil, nil, fmt.Errorf("load CPL %s: %w", *c.cpl, err)
		}
		if cpl, err = inventory.NewCPL(es); err != nil {
			return nil, nil, err
		}
	}
	db, err := server.OpenDB(ctx, *c.db)
	if err != nil {
		return nil, nil, err
	}
	srv, err := server.New(server.Config{DB: db, Sealer: sealer, Rules: rules, CPL: cpl, Logger: log,
		CounterWindow: *c.counterWindow})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return srv, db, nil
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", stderr)
	c := commonFlags(fs)
	addr := fs.String("addr", "127.0.0.1:8443", "listen address")
	certFile := fs.String("tls-cert", "", "TLS certificate (PEM); without it a self-signed one is made for local use")
	keyFile := fs.String("tls-key", "", "TLS private key (PEM)")
	hosts := fs.String("hosts", "localhost,127.0.0.1", "host names and IPs for the self-signed certificate")
	plain := fs.Bool("insecure-http", false, "serve plain HTTP (only behind a TLS-terminating proxy)")
	bootstrap := fs.String("bootstrap-admin", "", "create an admin token with this name at start and print it (first run)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	log := slog.New(slog.NewJSONHandler(stderr, nil))
	srv, db, err := open(ctx, c, log)
	if err != nil {
		return err
	}
	defer db.Close()
	if *bootstrap != "" {
		tok, err := srv.CreateToken(ctx, "bootstrap", *bootstrap, server.RoleAdmin)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "admin token for %s: %s\n", *bootstrap, tok)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv.Handler(), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		WriteTimeout: time.Minute, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 16 << 10,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	scheme := "https"
	switch {
	case *plain:
		scheme = "http"
	case *certFile != "":
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
		hs.TLSConfig = server.TLSConfig(cert)
	default:
		cert, err := server.SelfSignedCertificate(strings.Split(*hosts, ","), time.Now())
		if err != nil {
			ln.Close()
			return err
		}
		hs.TLSConfig = server.TLSConfig(cert)
		fmt.Fprintf(stdout, "self-signed certificate, SHA-256 fingerprint %s\n", server.Fingerprint(cert))
	}
	if hs.TLSConfig != nil {
		ln = tls.NewListener(ln, hs.TLSConfig)
	}
	fmt.Fprintf(stdout, "inventoryd listening on %s://%s (%s)\n", scheme, ln.Addr(), db.Dialect())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := hs.Shutdown(shutdown); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

func token(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("token", stderr)
	c := commonFlags(fs)
	name := fs.String("name", "", "who the token is for")
	role := fs.String("role", "installer", "installer, backoffice or admin")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	tok, err := srv.CreateToken(ctx, "cli", *name, server.Role(*role))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func installCode(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("install-code", stderr)
	c := commonFlags(fs)
	device := fs.String("device", "", "the device's EUI-64, e.g. 00-DB-12-34-56-78-90-A0")
	actor := fs.String("actor", "", "who asks (named in the audit log); required")
	if err := fs.Parse(args); err != nil {
		return err
	}
	id, err := duis.ParseEUI64(*device)
	if err != nil {
		return fmt.Errorf("--device: %w", err)
	}
	if *actor == "" {
		return errors.New("--actor is required: reading an install code is audited")
	}
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	code, err := srv.InstallCode(ctx, server.Principal{Name: *actor, Role: server.RoleBackOffice}, id)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, server.InstallCodeHex(code))
	return nil
}

func sealKey(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("seal-key", stderr)
	c := commonFlags(fs)
	asJSON := fs.Bool("json", false, "write the key as sync/api SealKey JSON")
	if err := fs.Parse(args); err != nil {
		return err
	}
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	k, err := srv.SealKey(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(k)
	}
	fmt.Fprintf(stdout, "key id     %s\nalgorithm  %s\npublic key %s\n", k.KeyID, k.Algorithm, k.PublicKey)
	return nil
}

func report(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("report", stderr)
	c := commonFlags(fs)
	from := fs.String("from", "", "start (RFC 3339 or YYYY-MM-DD); default 24 hours before --to")
	to := fs.String("to", "", "end, exclusive (RFC 3339 or YYYY-MM-DD); default now")
	asJSON := fs.Bool("json", false, "write JSON instead of a table")
	if err := fs.Parse(args); err != nil {
		return err
	}
	t1, t2, err := server.ReportPeriod(*from, *to, time.Now())
	if err != nil {
		return err
	}
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := srv.Report(ctx, t1, t2)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	return rep.WriteText(stdout)
}

// coverage imports a WAN coverage file: inventoryd coverage import [flags] FILE.json.
func coverage(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "import" {
		return errors.New("usage: inventoryd coverage import [--db ...] FILE.json")
	}
	fs := newFlags("coverage import", stderr)
	c := commonFlags(fs)
	actor := fs.String("actor", "cli", "who the audit log names as importing")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return errors.New("usage: inventoryd coverage import [--db ...] FILE.json")
	}
	f, err := os.Open(fs.Arg(0))
	if err != nil {
		return fmt.Errorf("open coverage file: %w", err)
	}
	defer f.Close()
	rows, err := server.ParseCoverage(f)
	if err != nil {
		return fmt.Errorf("read %s: %w", fs.Arg(0), err)
	}
	srv, db, err := openQuiet(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := srv.ImportCoverage(ctx, *actor, rows)
	if err != nil {
		return fmt.Errorf("import %s: %w", fs.Arg(0), err)
	}
	fmt.Fprintf(stdout, "%d rows, %d changed\n", len(rows), n)
	return nil
}
