//! The one place for how error messages show things: quoted input cut to one readable
//! line, JSON values described, "did you mean" suggestions, lists.

use serde_json::Value;

/// Longer quoted input is cut, so a message stays one readable line.
const MAX_QUOTED_CHARS: usize = 40;
/// Longer unknown names get no suggestion (the edit distance costs their length squared).
const MAX_SUGGESTED_LEN: usize = 40;
/// Names further apart than this are not suggested.
const MAX_SUGGESTION_EDITS: usize = 2;

/// Input as a message quotes it: cut to a readable length, control characters escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX_QUOTED_CHARS {
            out.push('…');
            break;
        }
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// A JSON value as a message quotes it: JSON text, cut to a readable length; arrays and
/// objects by their kind.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Array(a) if a.is_empty() => "[]".to_string(),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
        _ => quote(&value.to_string()),
    }
}

/// A JSON key as a path shows it: plain when it is a plain name, else as a JSON string.
pub fn quote_key(key: &str) -> String {
    let plain = !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if plain {
        key.to_string()
    } else {
        quote(&Value::String(key.to_string()).to_string())
    }
}

/// The candidate closest to a misspelt name (at most two edits, case ignored).
pub fn suggestion(name: &str, candidates: &[&'static str]) -> Option<&'static str> {
    if name.len() > MAX_SUGGESTED_LEN {
        return None;
    }
    let lower = name.to_ascii_lowercase();
    candidates
        .iter()
        .map(|k| (edit_distance(&lower, &k.to_ascii_lowercase()), *k))
        .filter(|(d, _)| *d <= MAX_SUGGESTION_EDITS)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// Levenshtein distance, in chars.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Names as a message offers them: `A, B or C`.
pub fn alternatives(names: &[&str]) -> String {
    match names.split_last() {
        Some((last, [])) => last.to_string(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
        None => String::new(),
    }
}

/// Values joined by `separator`.
pub fn list<T: ToString>(values: &[T], separator: &str) -> String {
    values.iter().map(ToString::to_string).collect::<Vec<_>>().join(separator)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_briefly() {
        assert_eq!(quote("a\nb"), "a\\nb");
        assert_eq!(quote(&"x".repeat(41)), format!("{}…", "x".repeat(40)));
        assert_eq!(quote(&"x".repeat(40)), "x".repeat(40));
        assert_eq!(suggestion("frequncy", &["frequency", "interval"]), Some("frequency"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }
}
