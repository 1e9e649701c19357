// synapse-ledger: proves that no acknowledged write is lost and none is made twice.
//
// "write" runs insert-only clients, each adding one comment per transaction to the ledger
// task of one of N ledger departments (tests/citus/growth.sh makes them), every comment
// with an id chosen here. Each attempt is recorded in the log with its outcome:
//
//	acked    the INSERT returned success: the row must be there, once
//	failed   the server answered with an error (autocommit: rolled back): the row must not be there
//	unknown  the connection broke or the server went away before an answer: either is allowed
//
// Clients reconnect after a broken connection and go on until the deadline or the stop
// file; one that cannot reconnect for -reconnect-for gives up with an error.
//
// "check" compares the log with the table: lost (acked, absent), twice (an id more than
// once), failed-but-present, and phantom (a ledger row of this -content no attempt made);
// unknown outcomes are counted as present or absent. Exits 1 when anything is lost, twice,
// failed-but-present or phantom.
//
// Connections take host, port, user, TLS and passwords from the environment, as libpq does
// (PGHOST, PGPORT, PGUSER, PGDATABASE, PGSSLMODE, PGSSLROOTCERT, PGPASSFILE).
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

const insertLedger = `INSERT INTO synapse.comments (department_id, id, task_id, user_id, content)
VALUES (md5('ledger-d-' || $1::int)::uuid, $2::uuid, md5('ledger-t-' || $1::int)::uuid, md5('cc-u')::uuid, $3)`

type outcome string

const (
	acked   outcome = "acked"
	failed  outcome = "failed"
	unknown outcome = "unknown"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	var err error
	switch os.Args[1] {
	case "write":
		err = write(os.Args[2:])
	case "check":
		err = check(os.Args[2:])
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "synapse-ledger:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: synapse-ledger write -log FILE [-clients N] [-duration D] [-stop-file F] [-departments N] [-content TEXT]\n"+
		"       synapse-ledger check -log FILE [-content TEXT]")
	os.Exit(2)
}

func randomUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic(err)
	}
	return int(v.Int64()) + 1
}

// classify tells what an INSERT's error says about its row. A server's error in
// autocommit rolled the statement back, except those that only say the connection or the
// server went away (class 08, 57P01-57P03, and XX000, which Citus raises for a lost
// node connection): then the commit may or may not have happened.
func classify(err error) (outcome, string) {
	if err == nil {
		return acked, ""
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		c := pgErr.Code
		if strings.HasPrefix(c, "08") || strings.HasPrefix(c, "57P0") || c == "XX000" {
			return unknown, c
		}
		return failed, c
	}
	return unknown, "-"
}

func connect(ctx context.Context) (*pgx.Conn, error) {
	cfg, err := pgx.ParseConfig("")
	if err != nil {
		return nil, err
	}
	cfg.PreferSimpleProtocol = true // no prepared plan to go stale when a shard moves
	cfg.ConnectTimeout = 5 * time.Second
	return pgx.ConnectConfig(ctx, cfg)
}

type record struct {
	outcome outcome
	id      string
	dept    int
	code    string
	err     string
}

func write(args []string) error {
	fs := flag.NewFlagSet("write", flag.ExitOnError)
	logPath := fs.String("log", "", "file the attempts are appended to (required)")
	clients := fs.Int("clients", 2, "concurrent writers")
	duration := fs.Duration("duration", time.Minute, "stop after this long")
	stopFile := fs.String("stop-file", "", "stop as soon as this file exists")
	departments := fs.Int("departments", 24, "ledger departments 1..N")
	content := fs.String("content", "ledger", "content of every comment (one ledger per text)")
	reconnectFor := fs.Duration("reconnect-for", 120*time.Second, "give up when the server stays unreachable this long")
	pause := fs.Duration("pause", 0, "wait between a client's transactions")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	if *logPath == "" {
		return errors.New("write: -log is required")
	}
	logFile, err := os.OpenFile(*logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer logFile.Close()
	out := bufio.NewWriter(logFile)
	var mu sync.Mutex
	counts := map[outcome]int{}
	var firstErrors []string
	note := func(r record) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Fprintf(out, "%s\t%s\t%d\t%s\n", r.outcome, r.id, r.dept, r.code)
		counts[r.outcome]++
		if r.err != "" && len(firstErrors) < 5 {
			firstErrors = append(firstErrors, r.err)
		}
	}
	deadline := time.Now().Add(*duration)
	stopped := func() bool {
		if time.Now().After(deadline) {
			return true
		}
		if *stopFile != "" {
			if _, err := os.Stat(*stopFile); err == nil {
				return true
			}
		}
		return false
	}
	ctx := context.Background()
	errs := make(chan error, *clients)
	var wg sync.WaitGroup
	for i := 0; i < *clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var conn *pgx.Conn
			var downSince time.Time
			for !stopped() {
				if conn == nil {
					c, err := connect(ctx)
					if err != nil {
						if downSince.IsZero() {
							downSince = time.Now()
						} else if time.Since(downSince) > *reconnectFor {
							errs <- fmt.Errorf("no connection for %s: %v", *reconnectFor, err)
							return
						}
						time.Sleep(200 * time.Millisecond)
						continue
					}
					conn, downSince = c, time.Time{}
				}
				r := record{id: randomUUID(), dept: randomInt(*departments)}
				tctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				_, err := conn.Exec(tctx, insertLedger, r.dept, r.id, *content)
				cancel()
				r.outcome, r.code = classify(err)
				if err != nil {
					r.err = err.Error()
				}
				note(r)
				if r.outcome == unknown || conn.IsClosed() {
					conn.Close(ctx) //nolint:errcheck // broken anyway
					conn = nil
				}
				if *pause > 0 {
					time.Sleep(*pause)
				}
			}
			if conn != nil {
				conn.Close(ctx) //nolint:errcheck // done
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := out.Flush(); err != nil {
		return err
	}
	fmt.Printf("attempts=%d acked=%d failed=%d unknown=%d\n",
		counts[acked]+counts[failed]+counts[unknown], counts[acked], counts[failed], counts[unknown])
	for _, e := range firstErrors {
		fmt.Printf("# %s\n", e)
	}
	for err := range errs {
		return err
	}
	return nil
}

func check(args []string) error {
	fs := flag.NewFlagSet("check", flag.ExitOnError)
	logPath := fs.String("log", "", "the writers' log (required)")
	content := fs.String("content", "ledger", "the ledger's comment text")
	fs.Parse(args) //nolint:errcheck // ExitOnError
	if *logPath == "" {
		return errors.New("check: -log is required")
	}
	attempts := map[string]record{}
	f, err := os.Open(*logPath)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Split(sc.Text(), "\t")
		if len(fields) != 4 {
			return fmt.Errorf("check: malformed log line %q", sc.Text())
		}
		attempts[fields[1]] = record{outcome: outcome(fields[0]), id: fields[1], code: fields[3]}
	}
	if err := sc.Err(); err != nil {
		return err
	}

	ctx := context.Background()
	conn, err := connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close(ctx) //nolint:errcheck // read only
	rows, err := conn.Query(ctx, "SELECT id::text, count(*) FROM synapse.comments WHERE content = $1 GROUP BY id", *content)
	if err != nil {
		return err
	}
	present := map[string]int64{}
	for rows.Next() {
		var id string
		var n int64
		if err := rows.Scan(&id, &n); err != nil {
			return err
		}
		present[id] = n
	}
	if err := rows.Err(); err != nil {
		return err
	}

	var nAcked, lost, twice, failedPresent, phantom, unknownPresent, unknownAbsent int
	var examples []string
	example := func(format string, a ...interface{}) {
		if len(examples) < 10 {
			examples = append(examples, fmt.Sprintf(format, a...))
		}
	}
	for id, r := range attempts {
		n := present[id]
		if n > 1 {
			twice++
			example("twice: %s (%d rows, %s)", id, n, r.outcome)
		}
		switch r.outcome {
		case acked:
			nAcked++
			if n == 0 {
				lost++
				example("lost: %s (acknowledged, not in the table)", id)
			}
		case failed:
			if n > 0 {
				failedPresent++
				example("failed but present: %s (error %s)", id, r.code)
			}
		case unknown:
			if n > 0 {
				unknownPresent++
			} else {
				unknownAbsent++
			}
		}
	}
	for id := range present {
		if _, ok := attempts[id]; !ok {
			phantom++
			example("phantom: %s (no attempt made it)", id)
		}
	}
	fmt.Printf("attempts=%d acked=%d rows=%d lost=%d twice=%d failed_present=%d phantom=%d unknown_present=%d unknown_absent=%d\n",
		len(attempts), nAcked, len(present), lost, twice, failedPresent, phantom, unknownPresent, unknownAbsent)
	for _, e := range examples {
		fmt.Printf("# %s\n", e)
	}
	if lost+twice+failedPresent+phantom > 0 {
		os.Exit(1)
	}
	return nil
}
