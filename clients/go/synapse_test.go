package synapse

// The example client as a test, against a migrated and seeded database (the development
// organisation of sql/seed/dev_seed.sql) named by SYNAPSE_DSN, as a login role in
// synapse_app; SYNAPSE_TRANSACTION_POOLING=1 when SYNAPSE_DSN points at PgBouncer in
// transaction mode. The signed identity mode runs in a second copy of that database no one
// has connected to yet: SYNAPSE_SIGNED_DSN (the same way in, as the same role) and
// SYNAPSE_SIGNED_ADMIN_DSN (a superuser, directly), which configures it.
// scripts/test-clients.sh sets them all.

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v4"
)

var (
	dsn                = os.Getenv("SYNAPSE_DSN")
	signedDSN          = os.Getenv("SYNAPSE_SIGNED_DSN")
	signedAdminDSN     = os.Getenv("SYNAPSE_SIGNED_ADMIN_DSN")
	transactionPooling = os.Getenv("SYNAPSE_TRANSACTION_POOLING") == "1"
	berlin             *time.Location
)

func TestMain(m *testing.M) {
	if dsn == "" || signedDSN == "" || signedAdminDSN == "" {
		fmt.Fprintln(os.Stderr, "SYNAPSE_DSN, SYNAPSE_SIGNED_DSN or SYNAPSE_SIGNED_ADMIN_DSN is not set: run through scripts/test-clients.sh (make test-clients)")
		os.Exit(2)
	}
	var err error
	if berlin, err = time.LoadLocation("Europe/Berlin"); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Exit(m.Run())
}

func connect(t *testing.T) (context.Context, *pgx.Conn) {
	t.Helper()
	return connectTo(t, dsn)
}

func connectTo(t *testing.T, dsn string) (context.Context, *pgx.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	conn, err := Connect(ctx, dsn, transactionPooling)
	if err != nil {
		t.Fatalf("connecting: %v", err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return ctx, conn
}

// The connection is TLS 1.2 or newer with the server's certificate and host name checked
// (sslmode=verify-full and sslrootcert in SYNAPSE_DSN), directly and to PgBouncer alike.
func TestConnectionUsesVerifiedTLS(t *testing.T) {
	_, conn := connect(t)
	tlsConn, ok := conn.PgConn().Conn().(*tls.Conn)
	if !ok {
		t.Fatalf("the connection is %T, not TLS: SYNAPSE_DSN needs sslmode=verify-full and sslrootcert", conn.PgConn().Conn())
	}
	if v := tlsConn.ConnectionState().Version; v < tls.VersionTLS12 {
		t.Errorf("TLS version %#x, want 1.2 or newer", v)
	}
	// verify-full: pgx checks the chain and the host name (verify-ca would skip the name).
	if cfg := conn.Config().TLSConfig; cfg == nil || cfg.InsecureSkipVerify || cfg.ServerName == "" {
		t.Errorf("the server's certificate is not checked against its host name: %+v", cfg)
	}
}

// seedUsers looks up two users of the development seed: Sofia, a Member in Engineering, and
// Priya, an Admin in Operations.
func seedUsers(ctx context.Context, t *testing.T, conn *pgx.Conn) (sofia, priya User) {
	t.Helper()
	var err error
	if sofia, err = UserByEmail(ctx, conn, "sofia.martins@example.com"); err != nil {
		t.Fatal(err)
	}
	if priya, err = UserByEmail(ctx, conn, "priya.raman@example.com"); err != nil {
		t.Fatal(err)
	}
	return sofia, priya
}

func TestPatternErrorsListsEveryProblem(t *testing.T) {
	ctx, conn := connect(t)
	problems, err := PatternErrors(ctx, conn, map[string]interface{}{"frequncy": "weekly", "daysOfWeek": []int{1, 8, 1}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`frequncy: unknown key (did you mean "frequency"?)`,
		`frequency: required: one of "daily", "weekly", "monthly", "yearly"`,
		`daysOfWeek[1]: 8 is not an ISO weekday (1..7)`,
		`daysOfWeek[2]: 1 repeats daysOfWeek[0]`,
	}
	if !reflect.DeepEqual(problems, want) {
		t.Errorf("problems:\n got %q\nwant %q", problems, want)
	}
	problems, err = PatternErrors(ctx, conn, Pattern{Frequency: "weekly", DaysOfWeek: []int{2, 4}, Timezone: "Europe/Berlin"})
	if err != nil || len(problems) != 0 {
		t.Errorf("a valid pattern: problems %q, err %v", problems, err)
	}
}

func TestBadArgumentsAreTypedErrors(t *testing.T) {
	ctx, conn := connect(t)

	_, err := ValidatePattern(ctx, conn, map[string]interface{}{"frequency": "weekly", "daysOfWeek": []int{1, 8}, "interval": 0})
	var invalid *InvalidArgumentError
	if !errors.As(err, &invalid) {
		t.Fatalf("validate: want *InvalidArgumentError, got %T %v", err, err)
	}
	wantProblems := []string{"interval: 0 is not an integer in 1..999", "daysOfWeek[1]: 8 is not an ISO weekday (1..7)"}
	if invalid.SQLState != "22023" || invalid.Message != wantProblems[0] || !reflect.DeepEqual(invalid.Problems(), wantProblems) {
		t.Errorf("validate: got %+v (problems %q)", invalid, invalid.Problems())
	}

	// One problem: the message, and DETAIL still lists it, so a client reads the problems
	// from one place whatever their number.
	_, _, err = NextOccurrence(ctx, conn, Pattern{Frequency: "weekly", DaysOfWeek: []int{9}}, time.Now(), time.Now())
	if !errors.As(err, &invalid) {
		t.Fatalf("next occurrence: want *InvalidArgumentError, got %T %v", err, err)
	}
	want := "daysOfWeek[0]: 9 is not an ISO weekday (1..7)"
	if invalid.SQLState != "22023" || invalid.Message != want || !reflect.DeepEqual(invalid.Problems(), []string{want}) {
		t.Errorf("next occurrence: got %+v", invalid)
	}

	// Not only patterns: any argument the extension refuses.
	_, err = SearchTasks(ctx, conn, "report", 0)
	if !errors.As(err, &invalid) || invalid.SQLState != "22023" {
		t.Errorf("search with max_results 0: want *InvalidArgumentError, got %T %v", err, err)
	}

	// The connection is usable after each error (no transaction was left aborted).
	if _, err := PatternErrors(ctx, conn, Pattern{Frequency: "daily"}); err != nil {
		t.Errorf("after the errors: %v", err)
	}
}

func TestNativePatternsAndZonedTimes(t *testing.T) {
	ctx, conn := connect(t)

	normalised, err := ValidatePattern(ctx, conn, Pattern{Frequency: "weekly", DaysOfWeek: []int{4, 2}, Timezone: "Europe/Berlin"})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(normalised["daysOfWeek"], []interface{}{2.0, 4.0}) || normalised["interval"] != 1.0 ||
		normalised["timezone"] != "Europe/Berlin" {
		t.Errorf("normalised: %v", normalised)
	}

	// Tuesdays and Thursdays 09:30 in Berlin from Tuesday 24 March 2026; asked after a
	// moment given in New York's zone. Summer time starts on 29 March: the next one is
	// 09:30 CEST, 07:30 UTC.
	pattern := Pattern{Frequency: "weekly", DaysOfWeek: []int{2, 4}, Timezone: "Europe/Berlin"}
	newYork, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Fatal(err)
	}
	dtstart := time.Date(2026, 3, 24, 9, 30, 0, 0, berlin)
	after := time.Date(2026, 3, 27, 8, 0, 0, 0, newYork)
	next, ok, err := NextOccurrence(ctx, conn, pattern, after, dtstart)
	if err != nil || !ok {
		t.Fatalf("next occurrence: %v %v", ok, err)
	}
	want := time.Date(2026, 3, 31, 9, 30, 0, 0, berlin)
	if !next.Equal(want) || next.UTC().Hour() != 7 || next.In(berlin).Hour() != 9 {
		t.Errorf("next occurrence: got %v, want %v", next, want)
	}

	// The same instant as the server sees it: its UTC text, and its comparison with the
	// value sent back.
	var serverText string
	var same bool
	err = conn.QueryRow(ctx, `
		SELECT to_char(n AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), n = $3
		  FROM synapse.calculate_next_occurrence($1, $2, $4) AS n`, pattern, after, want, dtstart).Scan(&serverText, &same)
	if err != nil {
		t.Fatal(err)
	}
	serverTime, err := time.Parse(time.RFC3339, serverText)
	if err != nil || !serverTime.Equal(next) || !same {
		t.Errorf("server: %s (= %v: %v), client: %v", serverText, want, same, next)
	}

	occurrences, err := Occurrences(ctx, conn, pattern, dtstart, 4)
	if err != nil {
		t.Fatal(err)
	}
	wantAll := []time.Time{dtstart, time.Date(2026, 3, 26, 9, 30, 0, 0, berlin), want, time.Date(2026, 4, 2, 9, 30, 0, 0, berlin)}
	if len(occurrences) != len(wantAll) {
		t.Fatalf("occurrences: %v", occurrences)
	}
	for i := range wantAll {
		if !occurrences[i].Equal(wantAll[i]) {
			t.Errorf("occurrence %d: got %v, want %v", i, occurrences[i], wantAll[i])
		}
	}

	// A series with a count ends: no next occurrence.
	_, ok, err = NextOccurrence(ctx, conn, Pattern{Frequency: "daily", Count: 2}, dtstart.Add(48*time.Hour), dtstart)
	if err != nil || ok {
		t.Errorf("ended series: ok %v err %v", ok, err)
	}
}

// One flow in several transactions, as an API serves several requests (behind PgBouncer
// each may run on another server connection): create a template, generate, list, search.
func TestRecurringTemplateMyTasksAndSearch(t *testing.T) {
	ctx, conn := connect(t)
	sofia, priya := seedUsers(ctx, t, conn)

	// Tuesdays and Thursdays at 09:30 Berlin time, assigned to Sofia herself.
	var templateID string
	err := AsUser(ctx, conn, sofia.ID, func(tx pgx.Tx) error {
		var next time.Time
		var err error
		templateID, next, err = CreateTemplate(ctx, tx, Template{
			DepartmentID: sofia.DepartmentID,
			TaskID:       "GO-NOTES",
			Title:        "Update the release notes",
			CreatorID:    sofia.ID,
			Pattern:      Pattern{Frequency: "weekly", DaysOfWeek: []int{2, 4}, Timezone: "Europe/Berlin"},
			Start:        time.Date(2026, 3, 24, 9, 30, 0, 0, berlin),
			Assignees:    []string{sofia.ID},
		})
		if err == nil && !next.Equal(time.Date(2026, 3, 24, 9, 30, 0, 0, berlin)) {
			t.Errorf("template's first occurrence: %v", next)
		}
		return err
	})
	if err != nil {
		t.Fatalf("creating the template: %v", err)
	}
	t.Cleanup(func() {
		_ = AsUser(context.Background(), conn, sofia.ID, func(tx pgx.Tx) error {
			_, err := tx.Exec(context.Background(),
				"DELETE FROM synapse.tasks WHERE department_id = $1 AND (recurrence_parent_id = $2 OR id = $2)",
				sofia.DepartmentID, templateID)
			return err
		})
	})

	// Generation up to Friday 3 April (UTC midnight): four occurrences, across the change to
	// summer time; a second run makes none again.
	asOf := time.Date(2026, 4, 3, 0, 0, 0, 0, time.UTC)
	wantDue := []time.Time{
		time.Date(2026, 3, 24, 9, 30, 0, 0, berlin), time.Date(2026, 3, 26, 9, 30, 0, 0, berlin),
		time.Date(2026, 3, 31, 9, 30, 0, 0, berlin), time.Date(2026, 4, 2, 9, 30, 0, 0, berlin),
	}
	for run := 1; run <= 2; run++ {
		err = AsUser(ctx, conn, sofia.ID, func(tx pgx.Tx) error {
			result, err := GenerateRecurring(ctx, tx, 100, asOf)
			if err == nil && ((run == 1 && result.Generated < 4) || result.Failed != 0) {
				t.Errorf("generation run %d: %+v", run, result)
			}
			return err
		})
		if err != nil {
			t.Fatalf("generation run %d: %v", run, err)
		}
	}
	var instances []Task
	err = AsUser(ctx, conn, sofia.ID, func(tx pgx.Tx) (err error) {
		instances, err = Instances(ctx, tx, sofia.DepartmentID, templateID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(instances) != len(wantDue) {
		t.Fatalf("instances: %+v", instances)
	}
	for i, inst := range instances {
		if inst.Due == nil || !inst.Due.Equal(wantDue[i]) || inst.Title != "Update the release notes" || inst.Status != "To Do" {
			t.Errorf("instance %d: %+v, want due %v", i, inst, wantDue[i])
		}
	}

	// Sofia's tasks, two keyset pages: her open assignments by due date, the instances first.
	err = AsUser(ctx, conn, sofia.ID, func(tx pgx.Tx) error {
		first, err := MyTasks(ctx, tx, nil, 3)
		if err != nil {
			return err
		}
		second, err := MyTasks(ctx, tx, &first[len(first)-1], 3)
		if err != nil {
			return err
		}
		page := append(first, second...)
		if len(first) != 3 || len(second) < 1 {
			t.Fatalf("my tasks: %+v / %+v", first, second)
		}
		for i, due := range wantDue {
			if page[i].ID != instances[i].ID || !page[i].Due.Equal(due) {
				t.Errorf("my tasks row %d: %+v, want instance due %v", i, page[i], due)
			}
		}
		for _, task := range page {
			if task.DepartmentID != sofia.DepartmentID {
				t.Errorf("my tasks: a task of another department: %+v", task)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Search "update": Sofia finds her template and instances, and only in Engineering;
	// Priya, an Admin, finds Marketing's and Sales' "Update …" tasks as well.
	err = AsUser(ctx, conn, sofia.ID, func(tx pgx.Tx) error {
		found, err := SearchTasks(ctx, tx, "update", 50)
		if err != nil {
			return err
		}
		mine := 0
		for _, task := range found {
			if task.DepartmentID != sofia.DepartmentID {
				t.Errorf("search: Sofia sees a task of another department: %+v", task)
			}
			if task.Title == "Update the release notes" {
				mine++
				if task.MatchedBy != "fulltext" || task.Snippet != "<b>Update</b> the release notes" {
					t.Errorf("search hit: %+v", task)
				}
			}
		}
		if mine != 5 {
			t.Errorf("search: %d of the template and its 4 instances found: %+v", mine, found)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = AsUser(ctx, conn, priya.ID, func(tx pgx.Tx) error {
		found, err := SearchTasks(ctx, tx, "update", 50)
		departments := map[string]bool{}
		for _, task := range found {
			departments[task.DepartmentID] = true
		}
		if err == nil && (len(departments) < 3 || !departments[sofia.DepartmentID]) {
			t.Errorf("search as an Admin: departments %v in %+v", departments, found)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	// After COMMIT the identity is gone: no user, no tasks, no search results.
	user, err := CurrentUserID(ctx, conn)
	if err != nil || user != "" {
		t.Errorf("current user after the transaction: %q %v", user, err)
	}
	if mine, err := MyTasks(ctx, conn, nil, 50); err != nil || len(mine) != 0 {
		t.Errorf("my tasks without a user: %+v %v", mine, err)
	}
	if found, err := SearchTasks(ctx, conn, "update", 50); err != nil || len(found) != 0 {
		t.Errorf("search without a user: %+v %v", found, err)
	}
}

// Behind PgBouncer consecutive transactions of one connection run on whichever server
// connection is free. Connection a holds one in a transaction while b works, so b's
// statements land on at least two server connections (pg_backend_pid tells which): with
// pgx's default statement cache b's second server would not know its prepared statements.
func TestStatementsMoveBetweenServerConnections(t *testing.T) {
	ctx, a := connect(t)
	_, b := connect(t)
	pattern := Pattern{Frequency: "weekly", DaysOfWeek: []int{2, 4}, Timezone: "Europe/Berlin"}
	dtstart := time.Date(2026, 3, 24, 9, 30, 0, 0, berlin)
	want := time.Date(2026, 3, 31, 9, 30, 0, 0, berlin)
	backends := map[uint32]bool{}
	for round := 0; round < 4; round++ {
		holding, err := a.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := holding.Exec(ctx, "SELECT pg_backend_pid()"); err != nil {
			t.Fatal(err)
		}
		for _, held := range []bool{true, false} {
			if !held {
				if err := holding.Commit(ctx); err != nil {
					t.Fatal(err)
				}
			}
			var pid uint32
			var next time.Time
			err := b.QueryRow(ctx, "SELECT pg_backend_pid()::bigint, synapse.calculate_next_occurrence($1, $2, $3)",
				pattern, dtstart.Add(72*time.Hour), dtstart).Scan(&pid, &next)
			if err != nil {
				t.Fatalf("round %d (a's transaction open: %v): %v", round, held, err)
			}
			if !next.Equal(want) {
				t.Errorf("round %d: next %v", round, next)
			}
			backends[pid] = true
		}
	}
	if transactionPooling && len(backends) < 2 {
		t.Errorf("through PgBouncer b ran on %d server connection(s): the test shows nothing", len(backends))
	}
}

// The signing key of RFC 8032's first Ed25519 test vector, and the token openssl makes with
// it for these claims (header and claims as compact JSON in this order; openssl pkeyutl
// -sign -rawin): Ed25519 is deterministic, so the Python and Node clients expect the same
// text.
const (
	katSeed  = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
	katX     = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"
	katUser  = "8c9d1d3e-0d8f-4c1a-9f2b-6e7a5b4c3d2e"
	katToken = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImthdC0yMDI2In0." +
		"eyJzdWIiOiI4YzlkMWQzZS0wZDhmLTRjMWEtOWYyYi02ZTdhNWI0YzNkMmUiLCJhdWQiOiJzeW5hcHNlIiwiaWF0IjoxNzkwMDAwMDAwLCJleHAiOjE3OTAwMDAzMDB9." +
		"WYsbBQNeo9AmHsf6Thl2ACa7zlpIyDborM4TgCXMPLzfOdrX_SKYqVJ-sZqfNy1scvmZaKK8qYIlUAWTGgGeBQ"
)

func TestSignIdentityTokenMatchesOpenSSL(t *testing.T) {
	seed, err := hex.DecodeString(katSeed)
	if err != nil {
		t.Fatal(err)
	}
	key := IdentityKey{ID: "kat-2026", Private: ed25519.NewKeyFromSeed(seed)}
	token, err := SignIdentityToken(key, katUser, DefaultAudience, time.Unix(1790000000, 0), 5*time.Minute)
	if err != nil || token != katToken {
		t.Errorf("token:\n got %s (%v)\nwant %s", token, err, katToken)
	}
	jwks, err := IdentityKeySet(map[string]ed25519.PublicKey{"kat-2026": key.Private.Public().(ed25519.PublicKey)})
	want := `{"keys":[{"alg":"EdDSA","crv":"Ed25519","kid":"kat-2026","kty":"OKP","use":"sig","x":"` + katX + `"}]}`
	if err != nil || jwks != want {
		t.Errorf("key set:\n got %s (%v)\nwant %s", jwks, err, want)
	}
	if _, err := SignIdentityToken(IdentityKey{ID: "short", Private: seed}, katUser, DefaultAudience, time.Now(), time.Minute); err == nil {
		t.Error("a 32-byte seed passed as the private key was accepted")
	}
}

// newIdentityKey is a fresh Ed25519 key pair, as an identity service makes one per rotation.
func newIdentityKey(t *testing.T, kid string) IdentityKey {
	t.Helper()
	_, private, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return IdentityKey{ID: kid, Private: private}
}

// requireTokens puts the signed database into signed mode as its superuser: tokens of the
// keys in jwks, set_current_user refused. Database settings apply to sessions that start
// afterwards, and PgBouncer keeps its server connections, so the database must be one no
// one has connected to yet (scripts/test-clients.sh makes a fresh copy for every run).
func requireTokens(t *testing.T, jwks string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	admin, err := pgx.Connect(ctx, signedAdminDSN)
	if err != nil {
		t.Fatalf("connecting as the superuser: %v", err)
	}
	defer admin.Close(ctx)
	var used bool
	err = admin.QueryRow(ctx, `
		SELECT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d ON d.oid = s.setdatabase
		                WHERE d.datname = current_database())
		    OR EXISTS (SELECT FROM pg_catalog.pg_stat_activity
		                WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid())`).
		Scan(&used)
	if err != nil || used {
		t.Fatalf("the signed database must be a fresh copy without settings or sessions (scripts/test-clients.sh makes one): %v", err)
	}
	// ALTER DATABASE takes no parameters: the server quotes the name and the value (format).
	for _, alter := range []struct {
		query string
		args  []interface{}
	}{
		{"SELECT format('ALTER DATABASE %I SET synapse.identity_keys = %L', current_database(), $1::text)", []interface{}{jwks}},
		{"SELECT format('ALTER DATABASE %I SET synapse.identity_require_token = on', current_database())", nil},
	} {
		var statement string
		if err := admin.QueryRow(ctx, alter.query, alter.args...).Scan(&statement); err != nil {
			t.Fatal(err)
		}
		if _, err := admin.Exec(ctx, statement); err != nil {
			t.Fatalf("%s: %v", statement, err)
		}
	}
}

// Signed mode: the identity comes only from a token the identity service signed; the
// wall of the other tests holds the same way.
func TestSignedIdentityMode(t *testing.T) {
	key := newIdentityKey(t, "clients-go")
	jwks, err := IdentityKeySet(map[string]ed25519.PublicKey{key.ID: key.Private.Public().(ed25519.PublicKey)})
	if err != nil {
		t.Fatal(err)
	}
	requireTokens(t, jwks)
	ctx, conn := connectTo(t, signedDSN)
	sofia, priya := seedUsers(ctx, t, conn)
	mint := func(key IdentityKey, userID string, issued time.Time) string {
		token, err := SignIdentityToken(key, userID, DefaultAudience, issued, 5*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}

	// Sofia's token: her open tasks and "stage" (Engineering's and Sales' tasks), only
	// Engineering's.
	err = AsUserWithToken(ctx, conn, mint(key, sofia.ID, time.Now()), func(tx pgx.Tx) error {
		if user, err := CurrentUserID(ctx, tx); err != nil || user != sofia.ID {
			t.Errorf("current user with Sofia's token: %q %v", user, err)
		}
		mine, err := MyTasks(ctx, tx, nil, 50)
		if err != nil {
			return err
		}
		found, err := SearchTasks(ctx, tx, "stage", 50)
		if err != nil {
			return err
		}
		if len(mine) == 0 || len(found) == 0 {
			t.Errorf("Sofia's tasks %+v, her search %+v: both should list her tasks", mine, found)
		}
		for _, task := range append(mine, found...) {
			if task.DepartmentID != sofia.DepartmentID {
				t.Errorf("Sofia sees a task of another department: %+v", task)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Priya's token (an Admin) finds "stage" in Sales too: the search above was filtered.
	err = AsUserWithToken(ctx, conn, mint(key, priya.ID, time.Now()), func(tx pgx.Tx) error {
		found, err := SearchTasks(ctx, tx, "stage", 50)
		departments := map[string]bool{}
		for _, task := range found {
			departments[task.DepartmentID] = true
		}
		if err == nil && (len(departments) < 2 || !departments[sofia.DepartmentID]) {
			t.Errorf("search as an Admin: departments %v", departments)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// After COMMIT the identity is gone.
	if user, err := CurrentUserID(ctx, conn); err != nil || user != "" {
		t.Errorf("current user after the transaction: %q %v", user, err)
	}
	if mine, err := MyTasks(ctx, conn, nil, 50); err != nil || len(mine) != 0 {
		t.Errorf("my tasks after the transaction: %+v %v", mine, err)
	}

	// Refused, each with its SQLSTATE, before fn runs: the trusted way in (42501), an
	// expired token, a key the database does not list, and a stranger's key under the
	// listed kid (28000).
	stranger := newIdentityKey(t, "clients-go-stranger")
	refusals := []struct {
		name, sqlstate, message string
		as                      func(fn func(pgx.Tx) error) error
	}{
		{"set_current_user", "42501", "identity_require_token is on", func(fn func(pgx.Tx) error) error {
			return AsUser(ctx, conn, sofia.ID, fn)
		}},
		{"expired token", "28000", "the token expired at", func(fn func(pgx.Tx) error) error {
			return AsUserWithToken(ctx, conn, mint(key, sofia.ID, time.Now().Add(-10*time.Minute)), fn)
		}},
		{"unknown key", "28000", `no key in synapse.identity_keys has kid "clients-go-stranger"`, func(fn func(pgx.Tx) error) error {
			return AsUserWithToken(ctx, conn, mint(stranger, sofia.ID, time.Now()), fn)
		}},
		{"forged kid", "28000", "the token's signature does not verify", func(fn func(pgx.Tx) error) error {
			return AsUserWithToken(ctx, conn, mint(IdentityKey{ID: key.ID, Private: stranger.Private}, sofia.ID, time.Now()), fn)
		}},
	}
	for _, r := range refusals {
		ran := false
		err := r.as(func(pgx.Tx) error { ran = true; return nil })
		var refused *IdentityError
		if !errors.As(err, &refused) || refused.SQLState != r.sqlstate || !strings.Contains(refused.Message, r.message) || ran {
			t.Errorf("%s: want *IdentityError %s %q before fn, got %T %v (fn ran: %v)", r.name, r.sqlstate, r.message, err, err, ran)
		}
	}
	// The connection is still usable, and the token still accepted.
	err = AsUserWithToken(ctx, conn, mint(key, sofia.ID, time.Now()), func(tx pgx.Tx) error {
		user, err := CurrentUserID(ctx, tx)
		if err == nil && user != sofia.ID {
			t.Errorf("current user after the refusals: %q", user)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
