package synapse

// Signed identity mode (synapse_ext 0.3.0): the identity service signs a short-lived token
// for the user of each request, and the application sets the transaction's identity from it
// with synapse.set_current_user_token. The database holds only the public keys
// (synapse.identity_keys), so whoever runs SQL on the application's connection can act only
// as the users whose tokens it holds, for as long as they are valid.

import (
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/jackc/pgconn"
	"github.com/jackc/pgx/v4"
)

// DefaultAudience is the audience the server expects unless synapse.identity_audience says
// otherwise.
const DefaultAudience = "synapse"

// IdentityKey is an Ed25519 signing key of the identity service and its key id, the "kid"
// its public key has in synapse.identity_keys (a token names the key that signed it).
type IdentityKey struct {
	ID      string
	Private ed25519.PrivateKey
}

// IdentityKeySet is the JWKS document of Ed25519 public keys by key id: the value of
// synapse.identity_keys (during a rotation, the old key and the new one). The database
// needs only the public halves; the private keys stay with the identity service.
func IdentityKeySet(keys map[string]ed25519.PublicKey) (string, error) {
	kids := make([]string, 0, len(keys))
	for kid, public := range keys {
		if len(public) != ed25519.PublicKeySize {
			return "", fmt.Errorf("identity key %q: not an Ed25519 public key", kid)
		}
		kids = append(kids, kid)
	}
	sort.Strings(kids) // the same keys, the same text
	set := struct {
		Keys []map[string]string `json:"keys"`
	}{Keys: []map[string]string{}}
	for _, kid := range kids {
		set.Keys = append(set.Keys, map[string]string{
			"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "use": "sig",
			"kid": kid, "x": base64.RawURLEncoding.EncodeToString(keys[kid]),
		})
	}
	text, err := json.Marshal(set)
	return string(text), err
}

// SignIdentityToken mints the token synapse.set_current_user_token accepts for userID: a
// compact JWT (base64url without padding) signed with Ed25519, header alg "EdDSA" and kid
// key.ID, claims sub userID, aud audience (the server expects synapse.identity_audience,
// "synapse" unless configured), iat now and exp now + ttl in whole seconds. Keep ttl short
// (minutes): the token is the user's identity for as long as it is valid.
func SignIdentityToken(key IdentityKey, userID, audience string, now time.Time, ttl time.Duration) (string, error) {
	// ed25519.Sign panics on a key of the wrong size.
	if len(key.Private) != ed25519.PrivateKeySize {
		return "", fmt.Errorf("identity key %q: not an Ed25519 private key", key.ID)
	}
	header, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
		Kid string `json:"kid,omitempty"`
	}{"EdDSA", "JWT", key.ID})
	if err != nil {
		return "", err
	}
	claims, err := json.Marshal(struct {
		Sub string `json:"sub"`
		Aud string `json:"aud"`
		Iat int64  `json:"iat"`
		Exp int64  `json:"exp"`
	}{userID, audience, now.Unix(), now.Add(ttl).Unix()})
	if err != nil {
		return "", err
	}
	b64 := base64.RawURLEncoding.EncodeToString
	signed := b64(header) + "." + b64(claims)
	// Ed25519 signs the message itself (JWS EdDSA, RFC 8037): no digest first.
	return signed + "." + b64(ed25519.Sign(key.Private, []byte(signed))), nil
}

// IdentityError is the server refusing to act for a user. SQLState 28000
// (invalid_authorization_specification): the token is bad, expired, signed by a key
// synapse.identity_keys does not list, or its user is unknown or deactivated; an API
// answers HTTP 401. 42501 (insufficient_privilege): set_current_user(uuid) while the
// database requires signed tokens (synapse.identity_require_token), a deployment error.
type IdentityError struct {
	SQLState string
	Message  string
}

func (e *IdentityError) Error() string { return e.Message }

// identityError types the refusals of set_current_user and set_current_user_token; other
// errors pass as they are. Only these two calls: a 42501 elsewhere is a missing privilege.
func identityError(err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "28000" || pgErr.Code == "42501") {
		return &IdentityError{SQLState: pgErr.Code, Message: pgErr.Message}
	}
	return err
}

// AsUserWithToken is AsUser in signed mode: fn runs in one transaction acting for the user
// the token names, after synapse.set_current_user_token checked its signature, audience and
// expiry. A refused token is *IdentityError and fn does not run.
func AsUserWithToken(ctx context.Context, conn *pgx.Conn, token string, fn func(pgx.Tx) error) error {
	return actAs(ctx, conn, "SELECT synapse.set_current_user_token($1)", token, fn)
}

// actAs runs fn in a transaction that first sets the identity with identitySQL($1 = arg).
func actAs(ctx context.Context, conn *pgx.Conn, identitySQL string, arg interface{}, fn func(pgx.Tx) error) error {
	return conn.BeginFunc(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, identitySQL, arg); err != nil {
			return identityError(err)
		}
		return fn(tx)
	})
}
