'use strict';
// The example client as tests (node --test), against a migrated and seeded database (the
// development organisation of sql/seed/dev_seed.sql) named by SYNAPSE_DSN, as a login role
// in synapse_app; SYNAPSE_TRANSACTION_POOLING=1 when SYNAPSE_DSN points at PgBouncer in
// transaction mode (pg needs no other setting there). The signed identity mode runs in a
// second copy of that database no one has connected to yet: SYNAPSE_SIGNED_DSN (the same way
// in, as the same role) and SYNAPSE_SIGNED_ADMIN_DSN (a superuser, directly), which
// configures it. scripts/test-clients.sh sets them all.

const { test, before, after } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const pg = require('pg');
const synapse = require('./synapse');

const { SYNAPSE_DSN: dsn, SYNAPSE_SIGNED_DSN: signedDsn, SYNAPSE_SIGNED_ADMIN_DSN: signedAdminDsn } = process.env;
if (!dsn || !signedDsn || !signedAdminDsn) {
  throw new Error('SYNAPSE_DSN, SYNAPSE_SIGNED_DSN or SYNAPSE_SIGNED_ADMIN_DSN is not set: '
    + 'run through scripts/test-clients.sh (make test-clients)');
}

let pool;
before(() => { pool = synapse.createPool(dsn); });
after(() => pool.end());

// Local wall-clock time of an instant in Berlin, e.g. "09:30".
const berlinClock = (date) => new Intl.DateTimeFormat('en-GB',
  { timeZone: 'Europe/Berlin', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(date);

test('the connection is TLS 1.2+ with the certificate and host name checked (sslmode=verify-full)', async () => {
  const client = await pool.connect();
  try {
    const socket = client.connection.stream;
    assert.equal(socket.encrypted, true, 'not TLS: SYNAPSE_DSN needs sslmode=verify-full and sslrootcert');
    assert.match(socket.getProtocol(), /^TLSv1\.[23]$/);
    // Node checked the chain against sslrootcert and the host name (rejectUnauthorized).
    assert.equal(socket.authorized, true, String(socket.authorizationError));
  } finally {
    client.release();
  }
});

test('pattern errors list every problem', async () => {
  assert.deepEqual(await synapse.patternErrors(pool, { frequncy: 'weekly', daysOfWeek: [1, 8, 1] }), [
    'frequncy: unknown key (did you mean "frequency"?)',
    'frequency: required: one of "daily", "weekly", "monthly", "yearly"',
    'daysOfWeek[1]: 8 is not an ISO weekday (1..7)',
    'daysOfWeek[2]: 1 repeats daysOfWeek[0]',
  ]);
  assert.deepEqual(await synapse.patternErrors(pool, { frequency: 'weekly', daysOfWeek: [2, 4] }), []);
});

test('bad arguments throw InvalidArgumentError with SQLSTATE, message and DETAIL', async () => {
  await assert.rejects(
    synapse.validatePattern(pool, { frequency: 'weekly', daysOfWeek: [1, 8], interval: 0 }),
    (err) => {
      assert.ok(err instanceof synapse.InvalidArgumentError);
      assert.equal(err.sqlstate, '22023');
      assert.equal(err.message, 'interval: 0 is not an integer in 1..999');
      assert.deepEqual(err.problems, ['interval: 0 is not an integer in 1..999',
        'daysOfWeek[1]: 8 is not an ISO weekday (1..7)']);
      return true;
    });
  // One problem: the message, and DETAIL lists it too.
  await assert.rejects(
    synapse.nextOccurrence(pool, { frequency: 'weekly', daysOfWeek: [9] }, new Date()),
    (err) => {
      assert.ok(err instanceof synapse.InvalidArgumentError);
      assert.deepEqual([err.sqlstate, err.message, err.problems],
        ['22023', 'daysOfWeek[0]: 9 is not an ISO weekday (1..7)', ['daysOfWeek[0]: 9 is not an ISO weekday (1..7)']]);
      return true;
    });
  // Not only patterns: any argument the extension refuses.
  await assert.rejects(synapse.searchTasks(pool, 'report', 0),
    (err) => err instanceof synapse.InvalidArgumentError && err.sqlstate === '22023');
  // The pool is usable after each error.
  assert.deepEqual(await synapse.patternErrors(pool, { frequency: 'daily' }), []);
});

test('patterns are plain objects, timestamps instants that equal the server\'s', async () => {
  assert.deepEqual(
    await synapse.validatePattern(pool, { frequency: 'weekly', daysOfWeek: [4, 2], timezone: 'Europe/Berlin' }),
    { anchor: 'schedule', catchUp: 'all', exdates: [], interval: 1, timezone: 'Europe/Berlin', frequency: 'weekly',
      weekStart: 1, daysOfWeek: [2, 4], monthDayOverflow: 'skip' });

  // Tuesdays and Thursdays 09:30 in Berlin from Tuesday 24 March 2026 (written with its
  // offset: a Date is an instant without a zone); asked after a moment in New York. Summer
  // time starts on 29 March: the next one is 09:30 CEST, 07:30 UTC.
  const pattern = { frequency: 'weekly', daysOfWeek: [2, 4], timezone: 'Europe/Berlin' };
  const dtstart = new Date('2026-03-24T09:30:00+01:00');
  const afterMoment = '2026-03-27T08:00:00-04:00';
  const next = await synapse.nextOccurrence(pool, pattern, afterMoment, dtstart);
  assert.ok(next instanceof Date);
  assert.equal(next.toISOString(), '2026-03-31T07:30:00.000Z');
  assert.equal(berlinClock(next), '09:30');

  // The same instant as the server sees it: its UTC text, and its comparison with the value
  // sent back.
  const { rows } = await pool.query(
    `SELECT to_char(n AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS text, n = $4 AS same
       FROM synapse.calculate_next_occurrence($1, $2, $3) AS n`, [pattern, afterMoment, dtstart, next]);
  assert.equal(new Date(rows[0].text).getTime(), next.getTime());
  assert.equal(rows[0].same, true);

  const all = await synapse.occurrences(pool, pattern, dtstart, 4);
  assert.deepEqual(all.map((d) => d.toISOString()), ['2026-03-24T08:30:00.000Z', '2026-03-26T08:30:00.000Z',
    '2026-03-31T07:30:00.000Z', '2026-04-02T07:30:00.000Z']);
  assert.deepEqual(all.map(berlinClock), ['09:30', '09:30', '09:30', '09:30']);

  // A series with a count ends: no next occurrence.
  assert.equal(await synapse.nextOccurrence(pool, { frequency: 'daily', count: 2 },
    new Date(dtstart.getTime() + 2 * 86400e3), dtstart), null);
});

// One flow in several transactions, as a service handles several requests (behind PgBouncer
// each may run on another server connection).
test('template, generation, my tasks and search as a user, only her department', async (t) => {
  const sofia = await synapse.userByEmail(pool, 'sofia.martins@example.com');
  const priya = await synapse.userByEmail(pool, 'priya.raman@example.com'); // Admin, Operations

  // Tuesdays and Thursdays at 09:30 Berlin time, assigned to Sofia herself.
  const template = await synapse.asUser(pool, sofia.id, (db) => synapse.createTemplate(db, {
    departmentId: sofia.departmentId, taskId: 'NODE-NOTES', title: 'Update the release notes', creatorId: sofia.id,
    pattern: { frequency: 'weekly', daysOfWeek: [2, 4], timezone: 'Europe/Berlin' },
    start: new Date('2026-03-24T09:30:00+01:00'), assignees: [sofia.id],
  }));
  assert.equal(template.nextOccurrence.toISOString(), '2026-03-24T08:30:00.000Z');
  t.after(() => synapse.asUser(pool, sofia.id, (db) => db.query(
    'DELETE FROM synapse.tasks WHERE department_id = $1 AND $2 IN (id, recurrence_parent_id)',
    [sofia.departmentId, template.id])));

  // Generation up to Friday 3 April (UTC midnight): four occurrences, across the change to
  // summer time; a second run makes none again.
  const asOf = new Date('2026-04-03T00:00:00Z');
  const first = await synapse.asUser(pool, sofia.id, (db) => synapse.generateRecurring(db, 100, asOf));
  assert.ok(first.tasksGenerated >= 4, JSON.stringify(first));
  assert.equal(first.tasksFailed, 0);
  const second = await synapse.asUser(pool, sofia.id, (db) => synapse.generateRecurring(db, 100, asOf));
  assert.equal(second.tasksFailed, 0);
  const made = await synapse.asUser(pool, sofia.id, (db) => synapse.instances(db, sofia.departmentId, template.id));
  assert.deepEqual(made.map((i) => i.dueDate.toISOString()), ['2026-03-24T08:30:00.000Z', '2026-03-26T08:30:00.000Z',
    '2026-03-31T07:30:00.000Z', '2026-04-02T07:30:00.000Z']);
  assert.ok(made.every((i) => i.title === 'Update the release notes' && i.status === 'To Do'));

  // Sofia's tasks, two keyset pages: her open assignments by due date, the instances first.
  const page = await synapse.asUser(pool, sofia.id, async (db) => {
    const one = await synapse.myTasks(db, { pageSize: 3 });
    assert.equal(one.length, 3);
    return one.concat(await synapse.myTasks(db, { after: one[one.length - 1], pageSize: 3 }));
  });
  assert.deepEqual(page.slice(0, 4).map((r) => r.id), made.map((i) => i.id));
  assert.deepEqual([...new Set(page.map((r) => r.departmentId))], [sofia.departmentId]);

  // Search "update": Sofia finds her template and instances, and only in Engineering; Priya,
  // an Admin, finds Marketing's and Sales' "Update …" tasks as well.
  const found = await synapse.asUser(pool, sofia.id, (db) => synapse.searchTasks(db, 'update'));
  assert.deepEqual([...new Set(found.map((r) => r.departmentId))], [sofia.departmentId]);
  const mine = found.filter((r) => r.title === 'Update the release notes');
  assert.equal(mine.length, 5);
  assert.ok(mine.every((r) => r.matchedBy === 'fulltext' && r.snippet === '<b>Update</b> the release notes'));
  const adminFound = await synapse.asUser(pool, priya.id, (db) => synapse.searchTasks(db, 'update'));
  const departments = new Set(adminFound.map((r) => r.departmentId));
  assert.ok(departments.has(sofia.departmentId) && departments.size >= 3, [...departments].join());

  // After COMMIT the identity is gone from the connection: no user, no tasks, no results.
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT synapse.set_current_user($1)', [sofia.id]);
    assert.equal(await synapse.currentUserId(client), sofia.id);
    await client.query('COMMIT');
    assert.equal(await synapse.currentUserId(client), null);
    assert.deepEqual(await synapse.myTasks(client), []);
    assert.deepEqual(await synapse.searchTasks(client, 'update'), []);
  } finally {
    client.release();
  }
});

// Behind PgBouncer consecutive transactions of one connection run on whichever server
// connection is free. Client a holds one in a transaction while b works, so b's statements
// land on at least two server connections (pg_backend_pid tells which): a query given a
// `name` would be prepared on one of them only and fail on the next.
test('statements move between server connections', async (t) => {
  const a = await pool.connect();
  const b = await pool.connect();
  t.after(() => { a.release(); b.release(); });
  const pattern = { frequency: 'weekly', daysOfWeek: [2, 4], timezone: 'Europe/Berlin' };
  const dtstart = new Date('2026-03-24T09:30:00+01:00');
  const backends = new Set();
  const onB = async () => {
    const { rows } = await b.query(
      'SELECT pg_backend_pid() AS pid, synapse.calculate_next_occurrence($1, $2, $3) AS next',
      [pattern, new Date(dtstart.getTime() + 3 * 86400e3), dtstart]);
    assert.equal(rows[0].next.toISOString(), '2026-03-31T07:30:00.000Z');
    backends.add(rows[0].pid);
  };
  for (let round = 0; round < 4; round++) {
    await a.query('BEGIN');
    await a.query('SELECT pg_backend_pid()');
    await onB(); // while a holds a server connection
    await a.query('COMMIT');
    await onB(); // after a released it
  }
  if (process.env.SYNAPSE_TRANSACTION_POOLING === '1') {
    assert.ok(backends.size >= 2, 'through PgBouncer b ran on one server connection: the test shows nothing');
  }
});

// The signing key of RFC 8032's first Ed25519 test vector (a PKCS #8 DER prefix before the
// seed), and the token openssl makes with it for these claims (header and claims as compact
// JSON in this order; openssl pkeyutl -sign -rawin): Ed25519 is deterministic, so the Go and
// Python clients expect the same text.
const KAT_KEY = crypto.createPrivateKey({ format: 'der', type: 'pkcs8', key: Buffer.from(
  '302e020100300506032b657004220420' + '9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60', 'hex') });
const KAT_TOKEN = 'eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCIsImtpZCI6ImthdC0yMDI2In0.'
  + 'eyJzdWIiOiI4YzlkMWQzZS0wZDhmLTRjMWEtOWYyYi02ZTdhNWI0YzNkMmUiLCJhdWQiOiJzeW5hcHNlIiwiaWF0IjoxNzkwMDAwMDAwLCJleHAiOjE3OTAwMDAzMDB9.'
  + 'WYsbBQNeo9AmHsf6Thl2ACa7zlpIyDborM4TgCXMPLzfOdrX_SKYqVJ-sZqfNy1scvmZaKK8qYIlUAWTGgGeBQ';

test('signIdentityToken makes the token openssl makes', () => {
  assert.equal(synapse.signIdentityToken(KAT_KEY, '8c9d1d3e-0d8f-4c1a-9f2b-6e7a5b4c3d2e',
    { kid: 'kat-2026', now: new Date(1790000000e3) }), KAT_TOKEN);
  assert.equal(synapse.identityKeySet({ 'kat-2026': crypto.createPublicKey(KAT_KEY) }),
    '{"keys":[{"alg":"EdDSA","crv":"Ed25519","kid":"kat-2026","kty":"OKP","use":"sig",'
    + '"x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}]}');
});

// Puts the signed database into signed mode as its superuser: tokens of the keys in jwks,
// set_current_user refused. Database settings apply to sessions that start afterwards, and
// PgBouncer keeps its server connections, so the database must be one no one has connected
// to yet (scripts/test-clients.sh makes a fresh copy for every run).
async function requireTokens(jwks) {
  const admin = new pg.Client({ connectionString: signedAdminDsn });
  await admin.connect();
  try {
    const { rows } = await admin.query(`
      SELECT EXISTS (SELECT FROM pg_catalog.pg_db_role_setting s JOIN pg_catalog.pg_database d
                                 ON d.oid = s.setdatabase WHERE d.datname = current_database())
          OR EXISTS (SELECT FROM pg_catalog.pg_stat_activity
                      WHERE datname = current_database() AND backend_type = 'client backend'
                        AND pid <> pg_backend_pid()) AS used`);
    assert.equal(rows[0].used, false,
      'the signed database must be a fresh copy without settings or sessions (scripts/test-clients.sh makes one)');
    // ALTER DATABASE takes no parameters: pg quotes the name and the value.
    const database = admin.escapeIdentifier(admin.database);
    await admin.query(`ALTER DATABASE ${database} SET synapse.identity_keys = ${admin.escapeLiteral(jwks)}`);
    await admin.query(`ALTER DATABASE ${database} SET synapse.identity_require_token = on`);
  } finally {
    await admin.end();
  }
}

// Signed mode: the identity comes only from a token the identity service signed; the wall of
// the other tests holds the same way.
test('signed identity mode: tokens only, the user\'s department only', async (t) => {
  const { privateKey: key, publicKey } = crypto.generateKeyPairSync('ed25519');
  await requireTokens(synapse.identityKeySet({ 'clients-node': publicKey }));
  const signedPool = synapse.createPool(signedDsn);
  t.after(() => signedPool.end());
  const sofia = await synapse.userByEmail(signedPool, 'sofia.martins@example.com');
  const priya = await synapse.userByEmail(signedPool, 'priya.raman@example.com'); // Admin, Operations
  const mint = (user, { signingKey = key, kid = 'clients-node', now } = {}) =>
    synapse.signIdentityToken(signingKey, user.id, { kid, now });

  // Sofia's token: her open tasks and "stage" (Engineering's and Sales' tasks), only
  // Engineering's.
  const seen = await synapse.asUserWithToken(signedPool, mint(sofia), async (db) => ({
    user: await synapse.currentUserId(db),
    mine: await synapse.myTasks(db),
    found: await synapse.searchTasks(db, 'stage'),
  }));
  assert.equal(seen.user, sofia.id);
  assert.ok(seen.mine.length > 0 && seen.found.length > 0, JSON.stringify(seen));
  assert.deepEqual([...new Set([...seen.mine, ...seen.found].map((r) => r.departmentId))], [sofia.departmentId]);
  // Priya's token (an Admin) finds "stage" in Sales too: the search above was filtered.
  const adminFound = await synapse.asUserWithToken(signedPool, mint(priya), (db) => synapse.searchTasks(db, 'stage'));
  const departments = new Set(adminFound.map((r) => r.departmentId));
  assert.ok(departments.has(sofia.departmentId) && departments.size >= 2, [...departments].join());

  // After COMMIT the identity is gone from the connection.
  const client = await signedPool.connect();
  try {
    const token = mint(sofia);
    await client.query('BEGIN');
    assert.equal((await client.query('SELECT synapse.set_current_user_token($1) AS id', [token])).rows[0].id, sofia.id);
    await client.query('COMMIT');
    assert.equal(await synapse.currentUserId(client), null);
    assert.deepEqual(await synapse.myTasks(client), []);
  } finally {
    client.release();
  }

  // Refused, each with its SQLSTATE, before fn runs: the trusted way in (42501), an expired
  // token, a key the database does not list, and a stranger's key under the listed kid
  // (28000).
  const { privateKey: stranger } = crypto.generateKeyPairSync('ed25519');
  const refusals = [
    ['set_current_user', (fn) => synapse.asUser(signedPool, sofia.id, fn), '42501', 'identity_require_token is on'],
    ['expired token', (fn) => synapse.asUserWithToken(signedPool, mint(sofia, { now: new Date(Date.now() - 600e3) }), fn),
      '28000', 'the token expired at'],
    ['unknown key', (fn) => synapse.asUserWithToken(signedPool,
      mint(sofia, { signingKey: stranger, kid: 'clients-node-stranger' }), fn),
    '28000', 'no key in synapse.identity_keys has kid "clients-node-stranger"'],
    ['forged kid', (fn) => synapse.asUserWithToken(signedPool, mint(sofia, { signingKey: stranger }), fn),
      '28000', 'the token\'s signature does not verify'],
  ];
  for (const [name, acting, sqlstate, message] of refusals) {
    await assert.rejects(acting(() => assert.fail(`${name}: fn ran`)), (err) => {
      assert.ok(err instanceof synapse.IdentityError, `${name}: ${err}`);
      assert.equal(err.sqlstate, sqlstate, name);
      assert.ok(err.message.includes(message), `${name}: ${err.message}`);
      return true;
    });
  }
  // The pool is still usable, and the token still accepted.
  assert.equal(await synapse.asUserWithToken(signedPool, mint(sofia), (db) => synapse.currentUserId(db)), sofia.id);
});
