//! Splitting a text into tokens: words (lower-cased), numbers, ordinals (`2nd`), clock
//! times (`17:00`, `5pm`), ISO dates and date-times, time zone names (`(Europe/Berlin)`
//! or any word with a `/`), commas and `!`. Hyphens separate words, so `2nd-to-last` is
//! three tokens; a trailing full stop ends a sentence and is dropped.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Kind {
    Word(String),
    Number(u64),
    Ordinal(u64),
    Time(NaiveTime),
    Date(NaiveDate),
    DateTime(DateTime<Utc>),
    Zone(String),
    Comma,
    Bang,
}

#[derive(Debug, Clone)]
pub(super) struct Token {
    pub(super) kind: Kind,
    /// As written, for error messages.
    pub(super) text: String,
    /// How many digits a number was written with (a year after a comma has three or more).
    pub(super) digits: usize,
}

impl Token {
    fn new(kind: Kind, text: &str) -> Token {
        let digits = if matches!(kind, Kind::Number(_)) { text.len() } else { 0 };
        Token { kind, text: text.to_string(), digits }
    }
}

/// Characters that end a chunk of text and stand for themselves.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '(' | ')' | '!' | '&' | '@')
}

/// The tokens of `text`. A `(` without its `)` leaves the rest as one zone name, which
/// then fails to be one.
pub(super) fn tokens(text: &str) -> Vec<Token> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        match c {
            c if c.is_whitespace() => rest = &rest[len..],
            ',' | ';' => {
                out.push(Token::new(Kind::Comma, &rest[..len]));
                rest = &rest[len..];
            }
            '!' => {
                out.push(Token::new(Kind::Bang, "!"));
                rest = &rest[len..];
            }
            '&' => {
                out.push(Token::new(Kind::Word("and".into()), "&"));
                rest = &rest[len..];
            }
            '@' => {
                out.push(Token::new(Kind::Word("at".into()), "@"));
                rest = &rest[len..];
            }
            '(' => {
                let inner = &rest[len..];
                let end = inner.find(')').unwrap_or(inner.len());
                let name = inner[..end].trim();
                out.push(Token::new(
                    Kind::Zone(name.to_string()),
                    &rest[..len + end + usize::from(end < inner.len())],
                ));
                rest = &inner[(end + 1).min(inner.len())..];
            }
            _ => {
                let end = rest.find(is_delimiter).unwrap_or(rest.len());
                // A stray ')' is a chunk of its own, so it is quoted in the error.
                let end = if end == 0 { len } else { end };
                chunk(&rest[..end], &mut out);
                rest = &rest[end..];
            }
        }
    }
    out
}

/// One chunk between delimiters: a zone name, an ISO date, a clock time, or words,
/// numbers and ordinals joined by hyphens.
fn chunk(raw: &str, out: &mut Vec<Token>) {
    let text = raw.strip_suffix('.').filter(|t| !t.is_empty()).unwrap_or(raw);
    if text.contains('/') {
        out.push(Token::new(Kind::Zone(text.to_string()), raw));
        return;
    }
    if let Some(kind) = iso(text).or_else(|| time(text).map(Kind::Time)) {
        out.push(Token::new(kind, raw));
        return;
    }
    for part in text.split('-').filter(|p| !p.is_empty()) {
        out.push(Token::new(piece(part), part));
    }
}

/// `2026-12-24` or an RFC 3339 date-time `2026-12-24T14:30:00Z`.
fn iso(text: &str) -> Option<Kind> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    if b.len() == 10 {
        return NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(Kind::Date);
    }
    DateTime::parse_from_rfc3339(text).ok().map(|t| Kind::DateTime(t.with_timezone(&Utc)))
}

/// `17:00`, `9:30:15.25`, `5pm`, `9:30am`, `12am`.
pub(super) fn time(text: &str) -> Option<NaiveTime> {
    let lower = text.to_ascii_lowercase();
    let (clock, meridiem) = match lower.strip_suffix("am").or_else(|| lower.strip_suffix("a.m")) {
        Some(c) => (c.to_string(), Some(false)),
        None => match lower.strip_suffix("pm").or_else(|| lower.strip_suffix("p.m")) {
            Some(c) => (c.to_string(), Some(true)),
            None => (lower.clone(), None),
        },
    };
    if clock.is_empty() || !clock.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    if meridiem.is_none() && !clock.contains(':') {
        return None;
    }
    let mut parts = clock.splitn(3, ':');
    let number = |s: &str| {
        (!s.is_empty() && s.len() <= 2 && s.bytes().all(|b| b.is_ascii_digit()))
            .then(|| s.parse::<u32>().ok())
            .flatten()
    };
    let hour = number(parts.next()?)?;
    let minute = match parts.next() {
        Some(m) if m.len() == 2 => number(m)?,
        Some(_) => return None,
        None => 0,
    };
    let (second, nano) = match parts.next() {
        None => (0, 0),
        Some(s) => {
            let (whole, fraction) = s.split_once('.').unwrap_or((s, ""));
            if whole.len() != 2 || fraction.len() > 9 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            let nano = if fraction.is_empty() { 0 } else { format!("{fraction:0<9}").parse().ok()? };
            (number(whole)?, nano)
        }
    };
    let hour = match meridiem {
        Some(pm) if (1..=12).contains(&hour) => hour % 12 + if pm { 12 } else { 0 },
        Some(_) => return None,
        None => hour,
    };
    NaiveTime::from_hms_nano_opt(hour, minute, second, nano)
}

/// One hyphen-separated piece: an ordinal (`2nd`), a number, or a word.
fn piece(part: &str) -> Kind {
    let lower = part.to_lowercase().replace('’', "'");
    let digits = lower.bytes().take_while(u8::is_ascii_digit).count();
    if digits > 0 {
        let value = lower[..digits]
            .bytes()
            .fold(0u64, |n, b| n.saturating_mul(10).saturating_add(u64::from(b - b'0')));
        match &lower[digits..] {
            "" => return Kind::Number(value),
            "st" | "nd" | "rd" | "th" => return Kind::Ordinal(value),
            _ => {}
        }
        if let Some(t) = time(&lower) {
            return Kind::Time(t);
        }
    }
    Kind::Word(lower)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<Kind> {
        tokens(text).into_iter().map(|t| t.kind).collect()
    }

    fn word(w: &str) -> Kind {
        Kind::Word(w.to_string())
    }

    #[test]
    fn splits_words_numbers_times_and_zones() {
        let t = |h, m| Kind::Time(NaiveTime::from_hms_opt(h, m, 0).unwrap());
        assert_eq!(
            kinds("Every 2nd-to-last FRIDAY at 5pm (Europe/Berlin), 10 times."),
            vec![
                word("every"),
                Kind::Ordinal(2),
                word("to"),
                word("last"),
                word("friday"),
                word("at"),
                t(17, 0),
                Kind::Zone("Europe/Berlin".into()),
                Kind::Comma,
                Kind::Number(10),
                word("times"),
            ]
        );
        assert_eq!(
            kinds("every! day @ 9:30am & month’s"),
            vec![word("every"), Kind::Bang, word("day"), word("at"), t(9, 30), word("and"), word("month's")]
        );
        assert_eq!(
            kinds("until 2027-06-30"),
            vec![word("until"), Kind::Date(NaiveDate::from_ymd_opt(2027, 6, 30).unwrap())]
        );
        assert_eq!(
            kinds("in America/Argentina/Buenos_Aires"),
            vec![word("in"), Kind::Zone("America/Argentina/Buenos_Aires".into())]
        );
        assert_eq!(kinds("(Etc/GMT+5"), vec![Kind::Zone("Etc/GMT+5".into())]);
        assert_eq!(kinds("x)"), vec![word("x"), word(")")]);
    }

    #[test]
    fn reads_clock_times() {
        let t = |text| time(text).map(|t| t.to_string());
        assert_eq!(t("17:00").as_deref(), Some("17:00:00"));
        assert_eq!(t("12am").as_deref(), Some("00:00:00"));
        assert_eq!(t("12pm").as_deref(), Some("12:00:00"));
        assert_eq!(t("9:30:15.25").as_deref(), Some("09:30:15.250"));
        assert_eq!(t("13pm"), None);
        assert_eq!(t("24:00"), None);
        assert_eq!(t("9:5"), None);
        assert_eq!(t("17"), None);
    }
}
