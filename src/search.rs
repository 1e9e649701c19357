//! Search index keys: a task's lexemes prefixed with its department, so that one GIN
//! posting list holds one department's tasks with one word (migration 10's
//! `tasks_search_keys_idx`), and a search within a department reads only its own matches.
//!
//! Every lexeme becomes `<department>:<lexeme>`; a lexeme of the title (weight A) also
//! `<department>!<lexeme>`, so a title-only match is one index lookup too. The department is
//! its uuid's text, fixed length, so the two kinds of key never collide.
//!
//! Pure: no pgrx, plain `cargo test`; `src/sql/search.rs` is the SQL boundary.

/// Lexemes longer than this are left out: a key must stay within a tsvector lexeme's
/// 2,047 bytes after its 37-byte prefix (to_tsvector skips longer words anyway).
pub const MAX_LEXEME_BYTES: usize = 2000;

/// The keys of one task: `department` (a uuid's text), its lexemes and its title lexemes.
pub fn search_keys<'a>(
    department: &str,
    lexemes: impl IntoIterator<Item = &'a str>,
    title_lexemes: impl IntoIterator<Item = &'a str>,
) -> Vec<String> {
    let keyed = |kind: char| {
        move |lexeme: &str| {
            let mut key = String::with_capacity(department.len() + 1 + lexeme.len());
            key.push_str(department);
            key.push(kind);
            key.push_str(lexeme);
            key
        }
    };
    let fits = |lexeme: &&str| lexeme.len() <= MAX_LEXEME_BYTES;
    lexemes
        .into_iter()
        .filter(fits)
        .map(keyed(':'))
        .chain(title_lexemes.into_iter().filter(fits).map(keyed('!')))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPT: &str = "00000000-0000-4000-8000-000000000001";

    #[test]
    fn every_lexeme_once_and_title_lexemes_twice() {
        let keys = search_keys(DEPT, ["quarter", "report", "number"], ["quarter", "report"]);
        assert_eq!(
            keys,
            [
                format!("{DEPT}:quarter"),
                format!("{DEPT}:report"),
                format!("{DEPT}:number"),
                format!("{DEPT}!quarter"),
                format!("{DEPT}!report"),
            ]
        );
    }

    #[test]
    fn a_lexeme_too_long_for_a_key_is_left_out() {
        let long = "x".repeat(MAX_LEXEME_BYTES + 1);
        let just_fits = "y".repeat(MAX_LEXEME_BYTES);
        let keys = search_keys(DEPT, [long.as_str(), just_fits.as_str()], [long.as_str()]);
        assert_eq!(keys, [format!("{DEPT}:{just_fits}")]);
        assert!(keys[0].len() <= 2047);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(search_keys(DEPT, [], []).is_empty());
    }
}
