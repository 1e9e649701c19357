// synapse-load: the Synapse work mix from many client connections at once, each its own
// connection (through PgBouncer, or straight to PostgreSQL for the baseline), checking
// every row it sees against the department its user belongs to.
//
// Each client loops until the deadline, picking a random user of tests/ops/load/setup.sql
// and an operation for every transaction, so users interleave on PgBouncer's server
// connections. Operations: set the current user and list my tasks; list open tasks (row-level
// security alone filters them); create, assign and update a task; search; next occurrence
// and a preview; a transaction without a user, which must see no task at all (an identity
// left on the server connection by an earlier client would show here); one bad pattern,
// which must fail with SQLSTATE 22023.
//
// Connections take TLS, the CA and the passwords from the environment, as libpq does
// (PGSSLMODE, PGSSLROOTCERT, PGPASSFILE: scripts/cluster.sh env), and the summary counts
// those that are TLS.
//
// Queries use the simple protocol: PgBouncer 1.18 in transaction mode does not keep
// prepared statements, so pgx's default (named statements, cached per connection) would
// fail as soon as a client's next transaction lands on another server connection.
//
// Prints one summary line (key=value) and exits 1 on any unexpected error, any row outside
// the user's department, a missing 22023, or fewer connections than asked for.
package main

import (
	"context"
	"crypto/md5"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"math/rand"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

type options struct {
	host, db, roles           string
	port, clients             int
	departments, usersPerDept int
	duration                  time.Duration
	connectParallel           int
	holdAfter                 time.Duration
	seed                      int64
}

// leakyIdentity also tries to make every identity session-wide, the design document's
// mistake (SET instead of SET LOCAL): taken, the leak checks would find it on the next
// transactions of the server connection; synapse_ext 0.3.0 refuses it (42501, counted).
var leakyIdentity bool

// md5uuid is PostgreSQL's md5(text)::uuid.
func md5uuid(s string) string {
	h := fmt.Sprintf("%x", md5.Sum([]byte(s)))
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

type user struct{ id, dept string }

type stats struct {
	ops, rowsChecked, leaks, unexpected, bad22023, created int64
	sessionIdentityRefused                                 int64
	firstErrors                                            []string
	mu                                                     sync.Mutex
}

func (s *stats) fail(counter *int64, format string, args ...interface{}) {
	atomic.AddInt64(counter, 1)
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.firstErrors) < 10 {
		s.firstErrors = append(s.firstErrors, fmt.Sprintf(format, args...))
	}
}

const badPattern = `{"frequency":"weekly","daysOfWeek":[8]}`
const goodPattern = `{"frequency":"weekly","daysOfWeek":[1,3,5],"timezone":"Europe/Berlin"}`

var searchWords = []string{"report", "deploy", "onboarding", "budget", "audit", "quartely reprot"}

type client struct {
	conn  *pgx.Conn
	rng   *rand.Rand
	users []user
	st    *stats
	lat   []time.Duration
}

// checkDepartments reads (department_id) rows and counts those outside dept as leaks.
func (c *client) checkDepartments(ctx context.Context, what, dept string, sql string, args ...interface{}) error {
	rows, err := c.conn.Query(ctx, sql, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var d string
		if err := rows.Scan(&d); err != nil {
			return err
		}
		atomic.AddInt64(&c.st.rowsChecked, 1)
		if d != dept {
			c.st.fail(&c.st.leaks, "%s: row of department %s seen by a user of %s", what, d, dept)
		}
	}
	return rows.Err()
}

// asUser runs fn in a transaction acting for u, after checking the identity took.
func (c *client) asUser(ctx context.Context, u user, fn func(pgx.Tx) error) error {
	tx, err := c.conn.Begin(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback(ctx) //nolint:errcheck // after Commit, Rollback is a no-op
	if _, err := tx.Exec(ctx, "SELECT synapse.set_current_user($1::uuid)", u.id); err != nil {
		return err
	}
	if leakyIdentity {
		// In a savepoint: synapse_ext 0.3.0 refuses it (42501), and the transaction goes on.
		sp, err := tx.Begin(ctx)
		if err != nil {
			return err
		}
		_, err = sp.Exec(ctx, "SELECT set_config('synapse.current_user_id', $1, false)", u.id)
		var pgErr *pgconn.PgError
		switch {
		case errors.As(err, &pgErr) && pgErr.Code == "42501":
			atomic.AddInt64(&c.st.sessionIdentityRefused, 1)
			if err := sp.Rollback(ctx); err != nil {
				return err
			}
		case err != nil:
			return err
		default: // taken: the transactions without a user that follow on this server connection see it
			if err := sp.Commit(ctx); err != nil {
				return err
			}
		}
	}
	var seen string
	if err := tx.QueryRow(ctx, "SELECT synapse.current_user_id()::text").Scan(&seen); err != nil {
		return err
	}
	if seen != u.id {
		c.st.fail(&c.st.leaks, "current_user_id is %s right after set_current_user(%s)", seen, u.id)
	}
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit(ctx)
}

func (c *client) step(ctx context.Context) error {
	u := c.users[c.rng.Intn(len(c.users))]
	switch op := c.rng.Intn(100); {
	case op < 25: // my tasks, first page
		return c.asUser(ctx, u, func(tx pgx.Tx) error {
			return c.checkDepartments(ctx, "my_tasks", u.dept,
				"SELECT department_id::text FROM synapse.my_tasks(page_size => 20)")
		})
	case op < 40: // open tasks, no department filter: row-level security alone scopes them
		return c.asUser(ctx, u, func(tx pgx.Tx) error {
			return c.checkDepartments(ctx, "open tasks", u.dept,
				"SELECT department_id::text FROM synapse.tasks WHERE status = 'To Do' AND deleted_at IS NULL ORDER BY due_date LIMIT 20")
		})
	case op < 55: // create, assign, update
		return c.asUser(ctx, u, func(tx pgx.Tx) error {
			var id, dept string
			if err := tx.QueryRow(ctx,
				`INSERT INTO synapse.tasks (department_id, title, creator_id, priority, due_date)
				 VALUES ($1::uuid, $2, $3::uuid, 'High', now() + interval '3 days')
				 RETURNING id::text, department_id::text`,
				u.dept, "Load task "+u.id[:8], u.id).Scan(&id, &dept); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx,
				"INSERT INTO synapse.task_assignees (department_id, task_id, user_id) VALUES ($1::uuid, $2::uuid, $3::uuid)",
				u.dept, id, u.id); err != nil {
				return err
			}
			atomic.AddInt64(&c.st.created, 1)
			return c.checkDepartments(ctx, "update", u.dept,
				"UPDATE synapse.tasks SET status = 'In Progress' WHERE department_id = $1::uuid AND id = $2::uuid RETURNING department_id::text",
				dept, id)
		})
	case op < 65: // search
		return c.asUser(ctx, u, func(tx pgx.Tx) error {
			return c.checkDepartments(ctx, "search_tasks", u.dept,
				"SELECT department_id::text FROM synapse.search_tasks($1, 20)", searchWords[c.rng.Intn(len(searchWords))])
		})
	case op < 80: // next occurrence and a preview, no transaction block
		var next *time.Time
		var n int
		if err := c.conn.QueryRow(ctx,
			`SELECT synapse.calculate_next_occurrence($1::jsonb, now(), '2026-01-05 09:00 Europe/Berlin'),
			        (SELECT count(*) FROM synapse.recurrence_occurrences($1::jsonb, now(), NULL, NULL, 10))`,
			goodPattern).Scan(&next, &n); err != nil {
			return err
		}
		if next == nil || !next.After(time.Now().Add(-time.Minute)) || n != 10 {
			c.st.fail(&c.st.unexpected, "next occurrence %v, preview of %d rows", next, n)
		}
		return nil
	case op < 95: // no user: nothing visible, whatever the server connection did before
		var uid *string
		var visible int
		if err := c.conn.QueryRow(ctx,
			"SELECT synapse.current_user_id()::text, (SELECT count(*) FROM synapse.tasks)").Scan(&uid, &visible); err != nil {
			return err
		}
		if uid != nil || visible != 0 {
			who := "none"
			if uid != nil {
				who = *uid
			}
			c.st.fail(&c.st.leaks, "without set_current_user: current user %s, %d tasks visible", who, visible)
		}
		return nil
	default: // the bad pattern, inside a user's transaction: 22023, then the transaction is rolled back
		err := c.asUser(ctx, u, func(tx pgx.Tx) error {
			_, err := tx.Exec(ctx, "SELECT synapse.validate_recurrence_pattern($1::jsonb)", badPattern)
			return err
		})
		var pgErr *pgconn.PgError
		if errors.As(err, &pgErr) && pgErr.Code == "22023" {
			atomic.AddInt64(&c.st.bad22023, 1)
			return nil
		}
		if err == nil {
			c.st.fail(&c.st.unexpected, "bad pattern %s accepted", badPattern)
			return nil
		}
		return err
	}
}

func percentile(sorted []time.Duration, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p * float64(len(sorted)-1))
	return float64(sorted[i].Microseconds()) / 1000
}

func main() {
	var o options
	flag.StringVar(&o.host, "host", "127.0.0.1", "server (PgBouncer or PostgreSQL)")
	flag.IntVar(&o.port, "port", 25503, "its port")
	flag.StringVar(&o.db, "db", "synapse", "database")
	flag.StringVar(&o.roles, "roles", "load_api_a,load_api_b", "LOGIN roles (members of synapse_app), taken in turn by the clients")
	flag.IntVar(&o.clients, "clients", 1000, "client connections, all open at once")
	flag.DurationVar(&o.duration, "duration", 20*time.Second, "how long the mix runs once every client is connected")
	flag.IntVar(&o.departments, "departments", 20, "departments in setup.sql")
	flag.IntVar(&o.usersPerDept, "users-per-department", 10, "users per department in setup.sql")
	flag.IntVar(&o.connectParallel, "connect-parallel", 50, "connections opened at once while connecting")
	flag.DurationVar(&o.holdAfter, "hold", 0, "keep every connection open this long after the mix (for an observer)")
	flag.BoolVar(&leakyIdentity, "leaky-identity", false, "also set the identity session-wide (negative control: leaks must be found)")
	flag.Int64Var(&o.seed, "seed", time.Now().UnixNano(), "random seed")
	flag.Parse()

	users := make([]user, 0, o.departments*o.usersPerDept)
	for n := 1; n <= o.departments*o.usersPerDept; n++ {
		users = append(users, user{md5uuid(fmt.Sprintf("load:user:%d", n)),
			md5uuid(fmt.Sprintf("load:dept:%d", (n-1)%o.departments+1))})
	}
	roles := strings.Split(o.roles, ",")
	ctx := context.Background()
	st := &stats{}

	// Connect every client first, a few at a time, so the mix really runs on all of them.
	clients := make([]*client, o.clients)
	var connectErrs, tlsConns int64
	var wg sync.WaitGroup
	sem := make(chan struct{}, o.connectParallel)
	connectStart := time.Now()
	for i := range clients {
		wg.Add(1)
		sem <- struct{}{}
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			cfg, err := pgx.ParseConfig(fmt.Sprintf("host=%s port=%d dbname=%s user=%s connect_timeout=60",
				o.host, o.port, o.db, roles[i%len(roles)]))
			if err == nil {
				cfg.PreferSimpleProtocol = true
				var conn *pgx.Conn
				if conn, err = pgx.ConnectConfig(ctx, cfg); err == nil {
					if _, ok := conn.PgConn().Conn().(*tls.Conn); ok {
						atomic.AddInt64(&tlsConns, 1)
					}
					clients[i] = &client{conn: conn, rng: rand.New(rand.NewSource(o.seed + int64(i))), users: users, st: st}
					return
				}
			}
			st.fail(&connectErrs, "connect %d: %v", i, err)
		}(i)
	}
	wg.Wait()
	connected := 0
	for _, c := range clients {
		if c != nil {
			connected++
		}
	}
	connectTime := time.Since(connectStart)

	start := time.Now()
	deadline := start.Add(o.duration)
	for _, c := range clients {
		if c == nil {
			continue
		}
		wg.Add(1)
		go func(c *client) {
			defer wg.Done()
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := c.step(ctx)
				c.lat = append(c.lat, time.Since(t0))
				atomic.AddInt64(&st.ops, 1)
				if err != nil {
					st.fail(&st.unexpected, "%v", err)
					if c.conn.IsClosed() {
						return
					}
				}
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	if o.holdAfter > 0 {
		time.Sleep(o.holdAfter)
	}
	var all []time.Duration
	for _, c := range clients {
		if c != nil {
			all = append(all, c.lat...)
			c.conn.Close(ctx)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })

	fmt.Printf("clients=%d connected=%d tls=%d connect_s=%.1f duration_s=%.1f transactions=%d tps=%.0f p50_ms=%.1f p95_ms=%.1f p99_ms=%.1f "+
		"rows_checked=%d tasks_created=%d bad_pattern_22023=%d session_identity_refused=%d leaks=%d unexpected_errors=%d connect_errors=%d\n",
		o.clients, connected, tlsConns, connectTime.Seconds(), elapsed.Seconds(), st.ops, float64(st.ops)/elapsed.Seconds(),
		percentile(all, 0.50), percentile(all, 0.95), percentile(all, 0.99),
		st.rowsChecked, st.created, st.bad22023, st.sessionIdentityRefused, st.leaks, st.unexpected, connectErrs)
	for _, e := range st.firstErrors {
		fmt.Fprintln(os.Stderr, "error:", e)
	}
	if connected != o.clients || st.leaks != 0 || st.unexpected != 0 || st.bad22023 == 0 || st.rowsChecked == 0 {
		os.Exit(1)
	}
}
