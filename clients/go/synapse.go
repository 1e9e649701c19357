// Package synapse is a small Go client of the synapse_ext SQL surface with pgx v4: the
// calls a Go API makes, each a thin function over one SQL statement with its values as
// parameters. Patterns go in as Go values (a struct or a map) and come back as maps;
// timestamps go in and come back as time.Time; a bad argument (SQLSTATE 22023) comes back
// as *InvalidArgumentError, what an API answers with HTTP 422, and a refused identity
// (28000, 42501) as *IdentityError. identity.go signs the tokens of the signed identity mode.
//
// The tests beside it (synapse_test.go) run it against a migrated, seeded database, directly
// and through PgBouncer in transaction mode: see Connect for the one setting that needs.
package synapse

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgconn/stmtcache"
	"github.com/jackc/pgx/v4"
)

// Connect opens a connection. transactionPooling is true behind PgBouncer in transaction
// mode: PgBouncer 1.18 hands each transaction to any server connection and does not carry
// prepared statements between them, so pgx must not create named prepared statements (its
// default statement cache does). The "describe" cache asks the server for a statement's
// parameter and result types with the unnamed statement and then sends each query with its
// parameters in one round trip, which any server connection can answer; the same is
// spelled statement_cache_mode=describe in the connection string. The simple protocol
// (prefer_simple_protocol=true) would work too, but it formats values as text on the
// client and cannot send a map or struct as jsonb.
func Connect(ctx context.Context, dsn string, transactionPooling bool) (*pgx.Conn, error) {
	config, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if transactionPooling {
		config.BuildStatementCache = func(conn *pgconn.PgConn) stmtcache.Cache {
			return stmtcache.New(conn, stmtcache.ModeDescribe, 512)
		}
	}
	return pgx.ConnectConfig(ctx, config)
}

// Querier is what the functions below need: a *pgx.Conn, a pgx.Tx or a *pgxpool.Pool.
type Querier interface {
	Query(ctx context.Context, sql string, args ...interface{}) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...interface{}) pgx.Row
	Exec(ctx context.Context, sql string, args ...interface{}) (pgconn.CommandTag, error)
}

// InvalidArgumentError is SQLSTATE 22023 (invalid_parameter_value) from the extension: a
// pattern or another argument it refuses. Message is the first problem, Detail all of them,
// one per line, each "path: what is wrong".
type InvalidArgumentError struct {
	SQLState string
	Message  string
	Detail   string
}

func (e *InvalidArgumentError) Error() string { return e.Message }

// Problems lists every problem the server reported (DETAIL, one per line).
func (e *InvalidArgumentError) Problems() []string {
	if e.Detail == "" {
		return nil
	}
	return strings.Split(e.Detail, "\n")
}

// typed turns a 22023 from the server into *InvalidArgumentError; other errors pass as
// they are.
func typed(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "22023" {
		return &InvalidArgumentError{SQLState: pgErr.Code, Message: pgErr.Message, Detail: pgErr.Detail}
	}
	return err
}

// Pattern is a recurrence pattern (docs/recurrence-pattern.md) as a Go struct; zero fields
// are left out so the server fills in its defaults. A map[string]interface{} works as well
// wherever a pattern is taken.
type Pattern struct {
	Frequency  string `json:"frequency"`
	Interval   int    `json:"interval,omitempty"`
	DaysOfWeek []int  `json:"daysOfWeek,omitempty"`
	DayOfMonth int    `json:"dayOfMonth,omitempty"`
	Timezone   string `json:"timezone,omitempty"`
	Count      int    `json:"count,omitempty"`
}

// PatternErrors returns every problem of a pattern; none when it is valid.
func PatternErrors(ctx context.Context, q Querier, pattern interface{}) ([]string, error) {
	var problems []string
	err := q.QueryRow(ctx, "SELECT synapse.recurrence_pattern_errors($1)", pattern).Scan(&problems)
	return problems, err
}

// ValidatePattern returns the normalised pattern (defaults filled in), or
// *InvalidArgumentError.
func ValidatePattern(ctx context.Context, q Querier, pattern interface{}) (map[string]interface{}, error) {
	var normalised map[string]interface{}
	err := q.QueryRow(ctx, "SELECT synapse.validate_recurrence_pattern($1)", pattern).Scan(&normalised)
	return normalised, typed(err)
}

// NextOccurrence is the first occurrence strictly after `after` of the series that started
// at dtstart; ok is false once the series has ended.
func NextOccurrence(ctx context.Context, q Querier, pattern interface{}, after, dtstart time.Time) (next time.Time, ok bool, err error) {
	var t *time.Time
	err = q.QueryRow(ctx, "SELECT synapse.calculate_next_occurrence($1, $2, $3)", pattern, after, dtstart).Scan(&t)
	if err != nil || t == nil {
		return time.Time{}, false, typed(err)
	}
	return *t, true, nil
}

// Occurrences previews the series from dtstart: at most max occurrences.
func Occurrences(ctx context.Context, q Querier, pattern interface{}, dtstart time.Time, max int) ([]time.Time, error) {
	rows, err := q.Query(ctx, "SELECT o FROM synapse.recurrence_occurrences($1, $2, max_count => $3) AS o", pattern, dtstart, max)
	if err != nil {
		return nil, typed(err)
	}
	var out []time.Time
	for rows.Next() {
		var t time.Time
		if err := rows.Scan(&t); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, t)
	}
	return out, typed(rows.Err())
}

// AsUser runs fn in one transaction acting for a Synapse user: set_current_user records the
// identity transaction-locally (SET LOCAL), so row-level security applies to everything fn
// does and the identity is gone after COMMIT or ROLLBACK, also behind PgBouncer. An unknown
// user, or a database that requires signed tokens (AsUserWithToken), is *IdentityError.
func AsUser(ctx context.Context, conn *pgx.Conn, userID string, fn func(pgx.Tx) error) error {
	return actAs(ctx, conn, "SELECT synapse.set_current_user($1)", userID, fn)
}

// CurrentUserID is the user the transaction acts for; "" when none.
func CurrentUserID(ctx context.Context, q Querier) (string, error) {
	var id *string
	err := q.QueryRow(ctx, "SELECT synapse.current_user_id()").Scan(&id)
	if err != nil || id == nil {
		return "", err
	}
	return *id, nil
}

// User is the part of synapse.users a client needs to act for someone.
type User struct {
	ID           string
	DepartmentID string
}

// UserByEmail looks an active user up (any case), before any identity: through
// synapse.login_lookup, as row-level security shows no user without a current one.
func UserByEmail(ctx context.Context, q Querier, email string) (User, error) {
	var u User
	err := q.QueryRow(ctx,
		"SELECT user_id, department_id FROM synapse.login_lookup($1)", email).
		Scan(&u.ID, &u.DepartmentID)
	return u, err
}

// Template is a recurring task template to create.
type Template struct {
	DepartmentID string
	TaskID       string
	Title        string
	CreatorID    string
	Pattern      interface{}
	Start        time.Time
	Assignees    []string
}

// CreateTemplate inserts a recurring template and its assignees; the database sets its
// next_occurrence from the pattern. Returns its id and first occurrence.
func CreateTemplate(ctx context.Context, q Querier, t Template) (id string, next time.Time, err error) {
	err = q.QueryRow(ctx, `
		INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring,
		                           recurrence_pattern, recurrence_start)
		VALUES ($1, $2, $3, $4, true, $5, $6)
		RETURNING id, next_occurrence`,
		t.DepartmentID, t.TaskID, t.Title, t.CreatorID, t.Pattern, t.Start).Scan(&id, &next)
	if err != nil {
		return "", time.Time{}, typed(err)
	}
	for _, user := range t.Assignees {
		if _, err = q.Exec(ctx, `
			INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
			VALUES ($1, $2, $3, $4)`, t.DepartmentID, id, user, t.CreatorID); err != nil {
			return "", time.Time{}, err
		}
	}
	return id, next, nil
}

// GenerationResult is one batch of generate_recurring_tasks.
type GenerationResult struct {
	Generated, Failed, ElapsedMs int32
}

// GenerateRecurring runs one batch of generation for the templates due at asOf, every
// department's (it runs as the owner of synapse.tasks whoever calls it; an asOf in the
// future needs that owner's rights).
func GenerateRecurring(ctx context.Context, q Querier, batchSize int, asOf time.Time) (GenerationResult, error) {
	var r GenerationResult
	err := q.QueryRow(ctx, "SELECT * FROM synapse.generate_recurring_tasks($1, $2)", batchSize, asOf).
		Scan(&r.Generated, &r.Failed, &r.ElapsedMs)
	return r, typed(err)
}

// Task is a row of a task list (instances, my tasks, search results).
type Task struct {
	DepartmentID string
	ID           string
	TaskID       string
	Title        string
	Status       string
	Priority     string
	Due          *time.Time
	// Search only.
	Rank      float32
	Snippet   string
	MatchedBy string
}

// Instances lists a template's generated instances by occurrence.
func Instances(ctx context.Context, q Querier, departmentID, templateID string) ([]Task, error) {
	return tasks(ctx, q, `
		SELECT department_id, id, task_id, title, status, priority, occurrence_at
		  FROM synapse.tasks
		 WHERE department_id = $1 AND recurrence_parent_id = $2
		 ORDER BY occurrence_at`, departmentID, templateID)
}

// MyTasks is one keyset page of the current user's open tasks; after is the last row of
// the previous page (nil for the first).
func MyTasks(ctx context.Context, q Querier, after *Task, pageSize int) ([]Task, error) {
	const sql = `SELECT department_id, id, task_id, title, status, priority, due_date
	               FROM synapse.my_tasks($1, $2, $3, $4)`
	if after == nil {
		return tasks(ctx, q, sql, nil, nil, nil, pageSize)
	}
	return tasks(ctx, q, sql, after.Due, after.Priority, after.ID, pageSize)
}

// SearchTasks searches the tasks the current user may read (web-search syntax).
func SearchTasks(ctx context.Context, q Querier, query string, maxResults int) ([]Task, error) {
	rows, err := q.Query(ctx, `
		SELECT department_id, id, task_id, title, status, priority, due_date, rank, snippet, matched_by
		  FROM synapse.search_tasks($1, $2)`, query, maxResults)
	if err != nil {
		return nil, typed(err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.DepartmentID, &t.ID, &t.TaskID, &t.Title, &t.Status, &t.Priority, &t.Due,
			&t.Rank, &t.Snippet, &t.MatchedBy); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, typed(rows.Err())
}

func tasks(ctx context.Context, q Querier, sql string, args ...interface{}) ([]Task, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, typed(err)
	}
	defer rows.Close()
	var out []Task
	for rows.Next() {
		var t Task
		if err := rows.Scan(&t.DepartmentID, &t.ID, &t.TaskID, &t.Title, &t.Status, &t.Priority, &t.Due); err != nil {
			return nil, fmt.Errorf("reading a task: %w", err)
		}
		out = append(out, t)
	}
	return out, typed(rows.Err())
}
