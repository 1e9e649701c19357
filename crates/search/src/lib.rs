//! Search index keys: a task's lexemes prefixed with its department, so that one GIN
//! posting list holds one department's tasks with one word (migration 10's
//! `tasks_search_keys_idx`), and a search within a department reads only its own matches.
//!
//! Every lexeme becomes `<department>:<lexeme>`; a lexeme of the title (weight A) also
//! `<department>!<lexeme>`, so a title-only match is one index lookup too. The department is
//! its uuid's text, fixed length, so the two kinds of key never collide.
//!
//! Pure Rust, no PostgreSQL: `cargo test -p synapse_search` covers it. The extension's
//! `src/sql/search.rs` is the SQL boundary.

/// Lexemes longer than this are left out: a key must stay within a tsvector lexeme's
/// 2,047 bytes after its 37-byte prefix (to_tsvector skips longer words anyway).
pub const MAX_LEXEME_BYTES: usize = 2000;

/// More key text than any task's tsvector (at most 1 MB) can give is refused before it is
/// built: the function is callable with any arrays, and must not exhaust the server's memory.
pub const MAX_KEY_BYTES: usize = 64 << 20;

/// Arguments no task's keys are made of.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum SearchKeyError {
    #[error("department: \"{0}\" is not a uuid's text")]
    NotADepartment(String),
    #[error("the keys would take {0} bytes, more than the {MAX_KEY_BYTES} any task's search vector gives")]
    TooLarge(usize),
}

/// The keys of one task: `department` (a uuid's text), its lexemes and its title lexemes
/// (each given as a way to iterate them, twice: once to size the keys, once to make them).
pub fn search_keys<'a, L, T>(
    department: &str,
    lexemes: impl Fn() -> L,
    title_lexemes: impl Fn() -> T,
) -> Result<Vec<String>, SearchKeyError>
where
    L: IntoIterator<Item = &'a str>,
    T: IntoIterator<Item = &'a str>,
{
    if !matches!(synapse_identity::parse_uuid(department), Ok(Some(_))) {
        let shown: String = department.chars().take(40).collect();
        return Err(SearchKeyError::NotADepartment(shown));
    }
    let fits = |lexeme: &&str| lexeme.len() <= MAX_LEXEME_BYTES;
    let size: usize = lexemes()
        .into_iter()
        .chain(title_lexemes())
        .filter(fits)
        .map(|lexeme| department.len() + 1 + lexeme.len())
        .sum();
    if size > MAX_KEY_BYTES {
        return Err(SearchKeyError::TooLarge(size));
    }
    let keyed = |kind: char| {
        move |lexeme: &str| {
            let mut key = String::with_capacity(department.len() + 1 + lexeme.len());
            key.push_str(department);
            key.push(kind);
            key.push_str(lexeme);
            key
        }
    };
    Ok(lexemes()
        .into_iter()
        .filter(fits)
        .map(keyed(':'))
        .chain(title_lexemes().into_iter().filter(fits).map(keyed('!')))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPT: &str = "00000000-0000-4000-8000-000000000001";

    #[test]
    fn every_lexeme_once_and_title_lexemes_twice() {
        let keys = search_keys(DEPT, || ["quarter", "report", "number"], || ["quarter", "report"]).unwrap();
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
        let keys = search_keys(DEPT, || [long.as_str(), just_fits.as_str()], || [long.as_str()]).unwrap();
        assert_eq!(keys, [format!("{DEPT}:{just_fits}")]);
        assert!(keys[0].len() <= 2047);
    }

    #[test]
    fn nothing_in_nothing_out() {
        assert!(search_keys(DEPT, || [], || []).unwrap().is_empty());
    }

    #[test]
    fn arguments_no_task_has_are_refused_before_anything_is_built() {
        let wide = "x".repeat(100_000);
        assert_eq!(search_keys(&wide, || ["a"], || []), Err(SearchKeyError::NotADepartment("x".repeat(40))));
        assert_eq!(
            search_keys("engineering", || ["a"], || []),
            Err(SearchKeyError::NotADepartment("engineering".into()))
        );
        let many = vec!["lexeme"; MAX_KEY_BYTES / 40];
        assert!(matches!(
            search_keys(DEPT, || many.iter().copied(), || many.iter().copied()),
            Err(SearchKeyError::TooLarge(_))
        ));
    }
}
