// Command crm-ferretdb runs FerretDB (a MongoDB wire-protocol server) with its SQLite backend,
// for local development and tests of crm-sync. Started and stopped by tools/infra/infra.sh.
//
// Why our own main instead of `go install github.com/FerretDB/FerretDB/cmd/ferretdb`: a binary
// built that way from the module cache panics at start (build/version/version.txt is generated
// in FerretDB's own repo and is absent from the module). The embeddable package
// github.com/FerretDB/FerretDB/ferretdb skips that check and has telemetry switched off.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/FerretDB/FerretDB/ferretdb"
)

func main() {
	listen := flag.String("listen-addr", "127.0.0.1:27027", "TCP address to listen on")
	sqliteURL := flag.String("sqlite-url", "file:data/", "SQLite URI of the data directory (must end with '/')")
	logLevel := flag.String("log-level", "info", "log level: debug, info, warn, error")
	flag.Parse()

	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		fmt.Fprintf(os.Stderr, "crm-ferretdb: bad -log-level: %v\n", err)
		os.Exit(2)
	}

	// Logs go to stderr; infra.sh redirects it to .cache/infra/logs/ferretdb.log.
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	slog.SetDefault(logger)

	if err := run(*listen, *sqliteURL, logger); err != nil {
		logger.Error("crm-ferretdb failed", "error", err)
		os.Exit(1)
	}
}

func run(listen, sqliteURL string, logger *slog.Logger) error {
	// The SQLite backend refuses a data directory that does not exist yet.
	if err := ensureDir(sqliteURL); err != nil {
		return err
	}

	// SIGINT/SIGTERM cancel the context; Run then closes the listener, the open
	// connections and the SQLite databases before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	f, err := ferretdb.New(&ferretdb.Config{
		Listener:  ferretdb.ListenerConfig{TCP: listen},
		Logger:    logger,
		Handler:   "sqlite",
		SQLiteURL: sqliteURL,
	})
	if err != nil {
		return err
	}

	logger.Info("crm-ferretdb starting", "listen", listen, "sqlite", sqliteURL, "pid", os.Getpid())

	if err := f.Run(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}

	logger.Info("crm-ferretdb stopped")

	return nil
}

// ensureDir creates the directory of a "file:<dir>/" SQLite URI.
func ensureDir(sqliteURL string) error {
	u, err := url.Parse(sqliteURL)
	if err != nil {
		return fmt.Errorf("bad -sqlite-url %q: %w", sqliteURL, err)
	}

	dir := u.Path
	if dir == "" {
		dir = u.Opaque
	}

	if u.Scheme != "file" || !strings.HasSuffix(dir, "/") {
		return fmt.Errorf(`bad -sqlite-url %q: expected "file:<directory>/"`, sqliteURL)
	}

	return os.MkdirAll(dir, 0o755)
}
