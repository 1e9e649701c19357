'use strict';
// A small Node client of the synapse_ext SQL surface with pg (node-postgres): the calls a
// service makes, each a thin function over one SQL statement with its values as parameters.
// Patterns go in as plain objects and come back as objects; timestamps go in as Dates (or
// ISO strings with an offset) and come back as Dates; a bad argument (SQLSTATE 22023) throws
// InvalidArgumentError, what an API answers with HTTP 422, and a refused identity (28000,
// 42501) IdentityError. signIdentityToken mints the tokens of the signed identity mode.
//
// PgBouncer in transaction mode (1.18) needs nothing special from pg: a query with values is
// sent as the unnamed statement of the extended protocol, which any server connection
// answers. Never give a query a `name` (that prepares it on one server connection only),
// and keep a transaction on one pooled client (asUser below).
//
// The tests beside it (synapse.test.js) run it against a migrated, seeded database, directly
// and through PgBouncer.

const crypto = require('node:crypto');
const pg = require('pg');

/** A pool of connections for the given connection string. */
function createPool(connectionString) {
  return new pg.Pool({ connectionString, max: 4 });
}

/**
 * SQLSTATE 22023 (invalid_parameter_value) from the extension: a pattern or another
 * argument it refuses. message is the first problem, problems all of them, each
 * "path: what is wrong" (the error's DETAIL, one per line).
 */
class InvalidArgumentError extends Error {
  constructor(sqlstate, message, detail) {
    super(message);
    this.name = 'InvalidArgumentError';
    this.sqlstate = sqlstate;
    this.detail = detail;
    this.problems = detail ? detail.split('\n') : [];
  }
}

/** Runs a query; a 22023 becomes InvalidArgumentError, other errors pass as they are. */
async function query(db, text, values) {
  try {
    return await db.query(text, values);
  } catch (err) {
    if (err instanceof pg.DatabaseError && err.code === '22023') {
      throw new InvalidArgumentError(err.code, err.message, err.detail);
    }
    throw err;
  }
}

/** Every problem of a pattern; empty when it is valid. */
async function patternErrors(db, pattern) {
  const { rows } = await query(db, 'SELECT synapse.recurrence_pattern_errors($1) AS problems', [pattern]);
  return rows[0].problems;
}

/** The normalised pattern (defaults filled in); InvalidArgumentError when it is bad. */
async function validatePattern(db, pattern) {
  const { rows } = await query(db, 'SELECT synapse.validate_recurrence_pattern($1) AS pattern', [pattern]);
  return rows[0].pattern;
}

/** The first occurrence strictly after `after`; null once the series has ended. */
async function nextOccurrence(db, pattern, after, dtstart = null) {
  const { rows } = await query(db, 'SELECT synapse.calculate_next_occurrence($1, $2, $3) AS next',
    [pattern, after, dtstart]);
  return rows[0].next;
}

/** A preview of the series from dtstart: at most maxCount occurrences. */
async function occurrences(db, pattern, dtstart, maxCount) {
  const { rows } = await query(db,
    'SELECT o FROM synapse.recurrence_occurrences($1, $2, max_count => $3) AS o', [pattern, dtstart, maxCount]);
  return rows.map((r) => r.o);
}

/**
 * The server refusing to act for a user. sqlstate 28000 (invalid_authorization_specification):
 * the token is bad, expired, signed by a key synapse.identity_keys does not list, or its user
 * is unknown or deactivated; an API answers HTTP 401. 42501 (insufficient_privilege):
 * set_current_user while the database requires signed tokens
 * (synapse.identity_require_token), a deployment error.
 */
class IdentityError extends Error {
  constructor(sqlstate, message) {
    super(message);
    this.name = 'IdentityError';
    this.sqlstate = sqlstate;
  }
}

/** Runs fn(client) in a transaction on one client of the pool that first sets the identity
 * with identitySql ($1 = value). Returns what fn returns. */
async function actingAs(pool, identitySql, value, fn) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query(identitySql, [value]);
    } catch (err) {
      // Only this call's refusals: a 42501 elsewhere is a missing privilege.
      if (err instanceof pg.DatabaseError && (err.code === '28000' || err.code === '42501')) {
        throw new IdentityError(err.code, err.message);
      }
      throw err;
    }
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

/**
 * Runs fn(client) in one transaction acting for a Synapse user, on one client of the pool:
 * set_current_user records the identity transaction-locally (SET LOCAL), so row-level
 * security applies to everything fn does and the identity is gone after COMMIT or ROLLBACK,
 * also behind PgBouncer. Returns what fn returns. An unknown user, or a database that
 * requires signed tokens (asUserWithToken), throws IdentityError.
 */
function asUser(pool, userId, fn) {
  return actingAs(pool, 'SELECT synapse.set_current_user($1)', userId, fn);
}

/**
 * asUser in signed mode: fn(client) runs in one transaction acting for the user the token
 * names, after synapse.set_current_user_token checked its signature, audience and expiry. A
 * refused token throws IdentityError before fn runs.
 */
function asUserWithToken(pool, token, fn) {
  return actingAs(pool, 'SELECT synapse.set_current_user_token($1)', token, fn);
}

/** The audience the server expects unless synapse.identity_audience says otherwise. */
const DEFAULT_AUDIENCE = 'synapse';

const base64url = (buffer) => Buffer.from(buffer).toString('base64url'); // no padding

/**
 * The token synapse.set_current_user_token accepts for userId: a compact JWT (base64url
 * without padding) signed with Ed25519, header alg "EdDSA" and kid (the key's id in
 * synapse.identity_keys; null leaves it out), claims sub, aud, iat now and exp now + ttl in
 * whole seconds. privateKey: an Ed25519 KeyObject (crypto.generateKeyPairSync('ed25519') or
 * crypto.createPrivateKey(pem)). Keep ttlSeconds short (minutes): the token is the user's
 * identity for as long as it is valid.
 */
function signIdentityToken(privateKey, userId, { kid, audience = DEFAULT_AUDIENCE, ttlSeconds = 300, now = new Date() } = {}) {
  const issued = Math.floor(now.getTime() / 1000);
  const header = { alg: 'EdDSA', typ: 'JWT', ...(kid != null ? { kid } : {}) };
  const claims = { sub: String(userId), aud: audience, iat: issued, exp: issued + Math.floor(ttlSeconds) };
  const signed = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  // Ed25519 signs the message itself (JWS EdDSA, RFC 8037): no digest, hence algorithm null.
  return `${signed}.${base64url(crypto.sign(null, Buffer.from(signed), privateKey))}`;
}

/**
 * The JWKS document of Ed25519 public keys by key id ({ kid: KeyObject }): the value of
 * synapse.identity_keys (during a rotation, the old key and the new one). The private keys
 * stay with the identity service.
 */
function identityKeySet(keys) {
  return JSON.stringify({
    keys: Object.keys(keys).sort().map((kid) => { // the same keys, the same text
      const { kty, crv, x } = keys[kid].export({ format: 'jwk' });
      if (kty !== 'OKP' || crv !== 'Ed25519') throw new Error(`identity key ${kid}: not an Ed25519 key`);
      return { alg: 'EdDSA', crv, kid, kty, use: 'sig', x };
    }),
  });
}

/** The user the transaction acts for; null when none. */
async function currentUserId(db) {
  const { rows } = await query(db, 'SELECT synapse.current_user_id() AS id');
  return rows[0].id;
}

// Before any identity (login): login_lookup, the one read of synapse.users that row-level
// security lets the application make without a current user (docs/security.md).
async function userByEmail(db, email) {
  const { rows } = await query(db,
    'SELECT user_id AS id, department_id AS "departmentId" FROM synapse.login_lookup($1)', [email]);
  if (rows.length === 0) throw new Error(`no active user ${email}`);
  return rows[0];
}

/**
 * Inserts a recurring template and its assignees; the database sets next_occurrence from
 * the pattern. Returns { id, nextOccurrence }.
 */
async function createTemplate(db, { departmentId, taskId, title, creatorId, pattern, start, assignees = [] }) {
  const { rows } = await query(db,
    `INSERT INTO synapse.tasks (department_id, task_id, title, creator_id, is_recurring,
                                recurrence_pattern, recurrence_start)
     VALUES ($1, $2, $3, $4, true, $5, $6)
     RETURNING id, next_occurrence AS "nextOccurrence"`,
    [departmentId, taskId, title, creatorId, pattern, start]);
  for (const user of assignees) {
    await query(db,
      `INSERT INTO synapse.task_assignees (department_id, task_id, user_id, assigned_by)
       VALUES ($1, $2, $3, $4)`, [departmentId, rows[0].id, user, creatorId]);
  }
  return rows[0];
}

/**
 * One batch of generation for the templates due at asOf (default: now), every
 * department's: it runs as the owner of synapse.tasks whoever calls it (an asOf in the
 * future needs that owner's rights).
 */
async function generateRecurring(db, batchSize = 100, asOf = null) {
  const { rows } = await query(db,
    `SELECT tasks_generated AS "tasksGenerated", tasks_failed AS "tasksFailed",
            execution_time_ms AS "executionTimeMs"
       FROM synapse.generate_recurring_tasks($1, $2)`, [batchSize, asOf]);
  return rows[0];
}

const TASK_COLUMNS = `department_id AS "departmentId", id, task_id AS "taskId", title, status, priority`;

/** A template's generated instances by occurrence. */
async function instances(db, departmentId, templateId) {
  const { rows } = await query(db,
    `SELECT ${TASK_COLUMNS}, occurrence_at AS "dueDate" FROM synapse.tasks
      WHERE department_id = $1 AND recurrence_parent_id = $2 ORDER BY occurrence_at`, [departmentId, templateId]);
  return rows;
}

/** One keyset page of the current user's open tasks; after: the previous page's last row. */
async function myTasks(db, { after = null, pageSize = 50 } = {}) {
  const keys = after ? [after.dueDate, after.priority, after.id] : [null, null, null];
  const { rows } = await query(db,
    `SELECT ${TASK_COLUMNS}, due_date AS "dueDate" FROM synapse.my_tasks($1, $2, $3, $4)`, [...keys, pageSize]);
  return rows;
}

/** Searches the tasks the current user may read (web-search syntax). */
async function searchTasks(db, text, maxResults = 50) {
  const { rows } = await query(db,
    `SELECT ${TASK_COLUMNS}, due_date AS "dueDate", rank, snippet, matched_by AS "matchedBy"
       FROM synapse.search_tasks($1, $2)`, [text, maxResults]);
  return rows;
}

module.exports = {
  createPool, InvalidArgumentError, IdentityError, patternErrors, validatePattern, nextOccurrence, occurrences,
  asUser, asUserWithToken, signIdentityToken, identityKeySet, DEFAULT_AUDIENCE,
  currentUserId, userByEmail, createTemplate, generateRecurring, instances, myTasks, searchTasks,
};
