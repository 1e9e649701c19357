//! The #[pg_test]s of src/sql/identity.rs (a file of their own: there are many).

#[pgrx::pg_schema]
mod tests {
    use crate::sql::test_support::sqlstate_of;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use pgrx::prelude::*;
    use ring::signature::{Ed25519KeyPair, KeyPair};

    const SOFIA: &str = "11111111-1111-4111-8111-111111111111";
    const BHARATH: &str = "22222222-2222-4222-8222-222222222222";
    const ADA: &str = "33333333-3333-4333-8333-333333333333";
    const GONE: &str = "44444444-4444-4444-8444-444444444444";
    const ENG: &str = "eeeeeeee-eeee-4eee-8eee-eeeeeeeeeeee";
    const MKT: &str = "dddddddd-dddd-4ddd-8ddd-dddddddddddd";

    /// A minimal synapse.users (the migrations are not applied in pg_tests): Sofia a Member
    /// and Bharath a Manager of ENG, Ada an Admin without a department, one soft-deleted user;
    /// and a login role `identity_app` that is not a superuser.
    fn users() {
        Spi::run(&format!(
            "CREATE TYPE synapse.user_role AS ENUM ('Admin', 'Manager', 'Member');
             CREATE TABLE synapse.users (id uuid PRIMARY KEY, department_id uuid, role synapse.user_role NOT NULL,
                                         deleted_at timestamptz);
             INSERT INTO synapse.users VALUES ('{SOFIA}', '{ENG}', 'Member', NULL), ('{BHARATH}', '{ENG}', 'Manager', NULL),
                                              ('{ADA}', NULL, 'Admin', NULL), ('{GONE}', '{ENG}', 'Admin', now());
             ALTER TABLE synapse.users ENABLE ROW LEVEL SECURITY;
             CREATE ROLE identity_app;
             GRANT USAGE ON SCHEMA synapse TO identity_app;
             GRANT SELECT ON synapse.users TO identity_app;
             GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA synapse TO identity_app;"
        ))
        .expect("users created");
    }

    fn run(sql: &str) {
        Spi::run(sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    fn set_user(user: &str) {
        run(&format!("SELECT synapse._set_current_user('{user}')"));
    }

    fn answer(query: &str) -> String {
        Spi::get_one::<String>(query).expect("query runs").unwrap_or_else(|| "NULL".into())
    }

    /// can_read for ENG and MKT, the read range, can_write for ENG with SOFIA as owner, with
    /// another owner, and for MKT as owner, and the current user and Admin flag: one line.
    fn rules() -> String {
        answer(&format!(
            "SELECT concat_ws(' ',
                    synapse._rls_can_read('{ENG}'), synapse._rls_can_read('{MKT}'),
                    coalesce(synapse._rls_departments_from()::text, 'NULL'),
                    coalesce(synapse._rls_departments_to()::text, 'NULL'),
                    synapse._rls_can_write('{ENG}', '{SOFIA}'),
                    synapse._rls_can_write('{ENG}', gen_random_uuid()),
                    synapse._rls_can_write('{MKT}', '{SOFIA}'),
                    coalesce(synapse._rls_current_user()::text, 'NULL'), synapse._rls_is_admin())"
        ))
    }

    /// The read-only settings that show the identity.
    fn shown() -> String {
        answer(
            "SELECT concat_ws('|', current_setting('synapse.current_user_id'),
                    current_setting('synapse.current_department_id'), current_setting('synapse.current_user_role'))",
        )
    }

    #[pg_test]
    fn nothing_without_a_user() {
        assert_eq!(rules(), "f f NULL NULL f f f NULL f");
        assert_eq!(shown(), "||");
    }

    #[pg_test]
    fn each_role_reads_and_writes_by_the_rules() {
        users();
        set_user(SOFIA);
        assert_eq!(rules(), format!("t f {ENG} {ENG} t f f {SOFIA} f"));
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"));
        set_user(BHARATH);
        assert_eq!(rules(), format!("t f {ENG} {ENG} t t f {BHARATH} f"));
        set_user(ADA);
        assert_eq!(
            rules(),
            format!(
                "t t 00000000-0000-0000-0000-000000000000 ffffffff-ffff-ffff-ffff-ffffffffffff t t t {ADA} t"
            )
        );
        assert_eq!(shown(), format!("{ADA}||Admin"));
        run("SELECT synapse._set_current_user(NULL)");
        assert_eq!(rules(), "f f NULL NULL f f f NULL f");
    }

    #[pg_test]
    fn the_lookup_ignores_the_callers_policies() {
        // users has row-level security and no policy: identity_app sees no row, yet the
        // lookup runs as the table's owner.
        users();
        run("SET LOCAL ROLE identity_app");
        assert_eq!(answer("SELECT count(*)::text FROM synapse.users"), "0");
        set_user(SOFIA);
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"));
    }

    #[pg_test]
    fn unknown_and_deleted_users_are_refused_with_28000() {
        users();
        for user in [GONE, "55555555-5555-4555-8555-555555555555"] {
            assert_eq!(
                sqlstate_of(&format!("SELECT synapse._set_current_user('{user}')")).as_deref(),
                Some("28000"),
                "{user}"
            );
        }
    }

    #[pg_test(error = "synapse.set_current_user: 44444444-4444-4444-8444-444444444444 is not an active user")]
    fn a_deleted_user_is_named() {
        users();
        set_user(GONE);
    }

    #[pg_test]
    fn forged_claims_and_the_read_only_settings_are_refused_with_42501() {
        users();
        set_user(SOFIA);
        let claim = answer("SELECT current_setting('synapse.identity_claim')");
        assert!(claim.starts_with(&format!("v1.{SOFIA}.{ENG}.Member.-.")), "{claim}");
        let forged = [
            claim.replace("Member", "Admin"),
            claim.replace(ENG, MKT),
            format!("v1.{SOFIA}.-.Admin.-.AAAA"),
            "Admin".to_owned(),
        ];
        run("SET LOCAL ROLE identity_app");
        for value in &forged {
            for statement in [
                format!("SET LOCAL synapse.identity_claim = '{value}'"),
                format!("SELECT set_config('synapse.identity_claim', '{value}', true)"),
                format!("SET synapse.identity_claim = '{value}'"),
            ] {
                assert_eq!(sqlstate_of(&statement).as_deref(), Some("42501"), "{statement}");
            }
        }
        for statement in [
            "SET LOCAL synapse.current_user_role = 'Admin'",
            &format!("SET LOCAL synapse.current_department_id = '{MKT}'"),
            &format!("SELECT set_config('synapse.current_user_id', '{ADA}', true)"),
            "SET LOCAL synapse.identity_require_token = off",
            "SET LOCAL synapse.identity_keys = ''",
            "SET LOCAL synapse.identity_audience = 'other'",
            "SET LOCAL synapse.identity_secret = '0123456789abcdef0123456789abcdef'",
            "SELECT current_setting('synapse.identity_claim')",
            "SELECT current_setting('synapse.identity_secret')",
        ] {
            let state = sqlstate_of(statement);
            // identity_secret is a server setting: 55P02 (cannot be changed now) before 42501.
            assert!(matches!(state.as_deref(), Some("42501") | Some("55P02")), "{statement}: {state:?}");
        }
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"), "nothing changed");
        // Clearing is always allowed: it only takes rights away.
        run("SET LOCAL synapse.identity_claim = ''");
        assert_eq!(rules(), "f f NULL NULL f f f NULL f");
    }

    #[pg_test]
    fn a_superuser_cannot_write_the_shown_settings_either() {
        assert_eq!(sqlstate_of("SET LOCAL synapse.current_user_role = 'Admin'").as_deref(), Some("42501"));
        // Their empty boot value is accepted, and changes nothing.
        assert_eq!(sqlstate_of("SELECT set_config('synapse.current_user_id', '', true)"), None);
    }

    #[pg_test]
    fn a_rolled_back_savepoint_restores_the_identity() {
        // Subtransactions through PL/pgSQL exception blocks, as SPI cannot run SAVEPOINT.
        users();
        set_user(SOFIA);
        run(&format!(
            "DO $$ BEGIN
               BEGIN
                 PERFORM synapse._set_current_user('{ADA}');
                 RAISE EXCEPTION 'roll back';
               EXCEPTION WHEN raise_exception THEN NULL;
               END;
             END $$"
        ));
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"));
    }

    #[pg_test]
    fn a_parallel_worker_sees_the_leaders_identity() {
        users();
        set_user(BHARATH);
        run("SET LOCAL force_parallel_mode = on; SET LOCAL parallel_setup_cost = 0; SET LOCAL parallel_tuple_cost = 0");
        let query = format!(
            "SELECT string_agg(synapse._rls_current_user()::text || synapse._rls_can_read('{ENG}'), ',') FROM generate_series(1, 2)"
        );
        run("CREATE FUNCTION pg_temp.analyzed(query text) RETURNS text LANGUAGE plpgsql AS $$
             DECLARE line text; plan text := '';
             BEGIN
               FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
                 plan := plan || line || ' / ';
               END LOOP;
               RETURN plan;
             END $$");
        let plan = Spi::get_one_with_args::<String>("SELECT pg_temp.analyzed($1)", &[query.as_str().into()])
            .expect("explained")
            .unwrap_or_default();
        assert!(plan.contains("Workers Launched: 1"), "the query ran in a parallel worker: {plan}");
        assert_eq!(answer(&query), format!("{BHARATH}true,{BHARATH}true"));
    }

    // --- signed mode -----------------------------------------------------------------------------

    fn key_pair(seed: u8) -> Ed25519KeyPair {
        Ed25519KeyPair::from_seed_unchecked(&[seed; 32]).expect("a 32-byte seed")
    }

    /// `synapse.identity_keys` with the keys of `seeds`, kid "k<seed>".
    fn configure_keys(seeds: &[u8]) {
        let keys: Vec<String> = seeds
            .iter()
            .map(|seed| {
                let x = URL_SAFE_NO_PAD.encode(key_pair(*seed).public_key().as_ref());
                format!(r#"{{"kty":"OKP","crv":"Ed25519","kid":"k{seed}","x":"{x}"}}"#)
            })
            .collect();
        run(&format!("SET LOCAL synapse.identity_keys = '{{\"keys\":[{}]}}'", keys.join(",")));
    }

    fn unix_now() -> i64 {
        Spi::get_one::<i64>("SELECT extract(epoch FROM clock_timestamp())::bigint").unwrap().unwrap()
    }

    /// A token for `sub` signed with the key of `seed`, `header_alg` as its alg, expiring
    /// `ttl` seconds from now.
    fn token(seed: u8, alg: &str, sub: &str, ttl: i64, aud: &str) -> String {
        let header = format!(r#"{{"alg":"{alg}","kid":"k{seed}","typ":"JWT"}}"#);
        let claims = format!(r#"{{"sub":"{sub}","exp":{},"aud":"{aud}"}}"#, unix_now() + ttl);
        let input = format!("{}.{}", URL_SAFE_NO_PAD.encode(header), URL_SAFE_NO_PAD.encode(claims));
        let signature = key_pair(seed).sign(input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
    }

    fn token_state(token: &str) -> Option<String> {
        sqlstate_of(&format!("SELECT synapse.set_current_user_token('{token}')"))
    }

    #[pg_test]
    fn a_signed_token_sets_its_user_with_the_tokens_expiry() {
        users();
        configure_keys(&[1, 2]);
        let good = token(2, "EdDSA", BHARATH, 300, "synapse");
        assert_eq!(answer(&format!("SELECT synapse.set_current_user_token('{good}')::text")), BHARATH);
        assert_eq!(shown(), format!("{BHARATH}|{ENG}|Manager"));
        let claim = answer("SELECT current_setting('synapse.identity_claim')");
        let expiry: i64 = claim.split('.').nth(4).unwrap().parse().unwrap();
        assert!((expiry - unix_now() - 300).abs() <= 2, "{claim}");
    }

    #[pg_test]
    fn bad_tokens_are_refused_with_28000_and_leave_the_identity() {
        users();
        configure_keys(&[1]);
        set_user(SOFIA);
        for (bad, why) in [
            (token(1, "EdDSA", SOFIA, -120, "synapse"), "expired"),
            (token(1, "EdDSA", SOFIA, 300, "other"), "another audience"),
            (token(1, "HS256", ADA, 300, "synapse"), "HS256"),
            (token(3, "EdDSA", ADA, 300, "synapse"), "an unknown key"),
            (token(1, "EdDSA", GONE, 300, "synapse"), "a deleted user"),
            (token(1, "EdDSA", ADA, 300, "synapse").replace('.', ".x"), "tampered"),
            ("not a token".to_owned(), "garbage"),
        ] {
            assert_eq!(token_state(&bad).as_deref(), Some("28000"), "{why}");
        }
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"));
    }

    #[pg_test(
        error = "synapse.set_current_user_token: the token's algorithm is \"none\"; only EdDSA (Ed25519) is accepted"
    )]
    fn an_unsigned_token_is_named_as_such() {
        users();
        configure_keys(&[1]);
        let unsigned = token(1, "none", ADA, 300, "synapse");
        let (input, _) = unsigned.rsplit_once('.').unwrap();
        run(&format!("SELECT synapse.set_current_user_token('{input}.')"));
    }

    #[pg_test]
    fn with_tokens_required_only_a_token_sets_the_identity() {
        users();
        configure_keys(&[1]);
        run("SET LOCAL synapse.identity_require_token = on");
        assert_eq!(
            sqlstate_of(&format!("SELECT synapse._set_current_user('{ADA}')")).as_deref(),
            Some("42501")
        );
        assert_eq!(token_state(&token(1, "EdDSA", SOFIA, 300, "synapse")), None);
        assert_eq!(shown(), format!("{SOFIA}|{ENG}|Member"));
        run("SELECT synapse._set_current_user(NULL)");
        assert_eq!(shown(), "||", "clearing needs no token");
    }

    #[pg_test]
    fn malformed_key_sets_and_short_secrets_are_refused_with_22023() {
        for statement in [
            "SET LOCAL synapse.identity_keys = '{\"keys\":[{\"kty\":\"RSA\"}]}'",
            "SET LOCAL synapse.identity_keys = 'not json'",
            "SET LOCAL synapse.identity_audience = ''",
        ] {
            assert_eq!(sqlstate_of(statement).as_deref(), Some("22023"), "{statement}");
        }
    }
}
