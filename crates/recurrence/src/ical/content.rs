//! RFC 5545 content lines both ways: writing with CRLF, 75-octet folding, TEXT escaping
//! and quoted parameter values; reading with unfolding, parameters (quoted, lists, RFC 6868
//! `^` escapes), unescaping, and BEGIN/END nesting into components.

use std::fmt::Write;

/// RFC 5545 3.1: lines SHOULD NOT be longer than 75 octets, excluding the line break.
pub(crate) const MAX_LINE_OCTETS: usize = 75;

/// Builds iCalendar text, one content line at a time.
#[derive(Default)]
pub(crate) struct Writer {
    out: String,
}

impl Writer {
    /// `NAME;P=V;…:VALUE`, folded. The value is written as given (already escaped when TEXT).
    pub(crate) fn line(&mut self, name: &str, params: &[(&str, &str)], value: &str) {
        let mut line = String::from(name);
        for (param, v) in params {
            let _ = write!(line, ";{param}={}", param_value(v));
        }
        line.push(':');
        line.push_str(value);
        fold(&line, &mut self.out);
    }

    /// A TEXT property: `\`, `;`, `,` and line breaks escaped.
    pub(crate) fn text(&mut self, name: &str, value: &str) {
        self.line(name, &[], &escape_text(value));
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Appends `line` folded into lines of at most 75 octets, each ending in CRLF; a
/// continuation starts with one space (which counts). A character is never split.
pub(crate) fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
}

/// RFC 5545 3.3.11 TEXT: backslash, semicolon and comma escaped, a line break as `\n`;
/// other control characters, which TEXT cannot hold, left out.
pub(crate) fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value: quoted when it holds `:`, `;` or `,`; RFC 6868 for what a quoted
/// value cannot hold (`"` as `^'`, a line break as `^n`, `^` as `^^`).
fn param_value(value: &str) -> String {
    let mut out = String::new();
    for c in value.chars() {
        match c {
            '^' => out.push_str("^^"),
            '"' => out.push_str("^'"),
            '\n' => out.push_str("^n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    if out.contains([':', ';', ',']) {
        format!("\"{out}\"")
    } else {
        out
    }
}

/// TEXT unescaped: `\\`, `\;`, `\,`, `\n`/`\N`; a backslash before anything else stays.
pub(crate) fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(c @ ('\\' | ';' | ',' | ':' | '"')) => out.push(c),
            Some(c) => {
                out.push('\\');
                out.push(c);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// One content line as read.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ContentLine {
    /// Upper-cased.
    pub(crate) name: String,
    /// Names upper-cased; each value list split at unquoted commas, RFC 6868 undone.
    pub(crate) params: Vec<(String, Vec<String>)>,
    /// Raw: TEXT values still escaped.
    pub(crate) value: String,
}

impl ContentLine {
    /// The first value of a parameter.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.first()).map(String::as_str)
    }

    /// The line as it would be written (for messages and for handing on), unfolded.
    pub(crate) fn text(&self) -> String {
        let mut out = self.name.clone();
        for (name, values) in &self.params {
            let values: Vec<String> = values.iter().map(|v| param_value(v)).collect();
            let _ = write!(out, ";{name}={}", values.join(","));
        }
        out.push(':');
        out.push_str(&self.value);
        out
    }
}

/// Logical lines: folding undone (a line starting with a space or a tab continues the one
/// before, without that one character), line ends `\r\n` or `\n`, empty lines dropped.
pub(crate) fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t']) {
            if let Some(last) = lines.last_mut() {
                last.push_str(rest);
                continue;
            }
        }
        lines.push(raw.to_string());
    }
    lines.retain(|l| !l.trim().is_empty());
    lines
}

/// Splits `NAME;PARAM=V1,"V2";…:VALUE`. Delimiters are ASCII, so byte positions are char
/// boundaries.
pub(crate) fn parse_line(line: &str) -> Result<ContentLine, String> {
    let bad = || format!("cannot read the line \"{}\" (expected NAME:VALUE)", crate::message::quote(line));
    let bytes = line.as_bytes();
    let name_end = bytes.iter().position(|&b| b == b';' || b == b':').ok_or_else(bad)?;
    let name = &line[..name_end];
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(bad());
    }
    let mut params = Vec::new();
    let mut pos = name_end;
    while bytes.get(pos) == Some(&b';') {
        let start = pos + 1;
        let eq = start + bytes[start..].iter().position(|&b| b == b'=').ok_or_else(bad)?;
        let param = &line[start..eq];
        if param.is_empty() || !param.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
            return Err(bad());
        }
        let mut values = Vec::new();
        pos = eq + 1;
        loop {
            if bytes.get(pos) == Some(&b'"') {
                let close = pos + 1 + bytes[pos + 1..].iter().position(|&b| b == b'"').ok_or_else(bad)?;
                values.push(caret_decode(&line[pos + 1..close]));
                pos = close + 1;
            } else {
                let end = pos
                    + bytes[pos..]
                        .iter()
                        .position(|&b| matches!(b, b',' | b';' | b':'))
                        .unwrap_or(bytes.len() - pos);
                values.push(caret_decode(&line[pos..end]));
                pos = end;
            }
            if bytes.get(pos) == Some(&b',') {
                pos += 1;
            } else {
                break;
            }
        }
        params.push((param.to_ascii_uppercase(), values));
    }
    if bytes.get(pos) != Some(&b':') {
        return Err(bad());
    }
    Ok(ContentLine { name: name.to_ascii_uppercase(), params, value: line[pos + 1..].to_string() })
}

/// RFC 6868: `^n` a line break, `^'` a double quote, `^^` a caret.
fn caret_decode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('^', Some('n')) => {
                chars.next();
                out.push('\n');
            }
            ('^', Some('\'')) => {
                chars.next();
                out.push('"');
            }
            ('^', Some('^')) => {
                chars.next();
                out.push('^');
            }
            (c, _) => out.push(c),
        }
    }
    out
}

/// A component (`BEGIN:VTODO` … `END:VTODO`): its properties and subcomponents.
#[derive(Debug, Clone, Default)]
pub(crate) struct Component {
    /// Upper-cased.
    pub(crate) name: String,
    pub(crate) properties: Vec<ContentLine>,
    pub(crate) components: Vec<Component>,
}

impl Component {
    pub(crate) fn property(&self, name: &str) -> Option<&ContentLine> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// The top-level components of a text; an error when BEGIN and END do not match or a
/// line cannot be read.
pub(crate) fn components(text: &str) -> Result<Vec<Component>, String> {
    let mut stack: Vec<Component> = vec![Component::default()];
    for line in unfold(text) {
        let line = parse_line(&line)?;
        match line.name.as_str() {
            "BEGIN" => {
                stack.push(Component { name: line.value.trim().to_ascii_uppercase(), ..Component::default() })
            }
            "END" => {
                let name = line.value.trim().to_ascii_uppercase();
                if stack.len() < 2 || stack.last().map(|c| c.name.as_str()) != Some(name.as_str()) {
                    return Err(format!("END:{name} does not close the component that is open"));
                }
                let done = stack.pop().unwrap_or_default();
                if let Some(parent) = stack.last_mut() {
                    parent.components.push(done);
                }
            }
            _ if stack.len() < 2 => {
                return Err(format!("the property {} is outside any component (BEGIN:VCALENDAR)", line.name))
            }
            _ => {
                if let Some(open) = stack.last_mut() {
                    open.properties.push(line);
                }
            }
        }
    }
    if stack.len() > 1 {
        let open = stack.last().map(|c| c.name.clone()).unwrap_or_default();
        return Err(format!("BEGIN:{open} is never closed (END:{open})"));
    }
    Ok(stack.pop().map(|root| root.components).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        fold(&format!("DESCRIPTION:{}", "é".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= MAX_LINE_OCTETS, "{line:?} is {} octets", line.len());
        }
        assert!(out.ends_with("\r\n"));
        assert_eq!(unfold(&out), vec![format!("DESCRIPTION:{}", "é".repeat(60))]);
        let mut short = String::new();
        fold("SUMMARY:x", &mut short);
        assert_eq!(short, "SUMMARY:x\r\n");
    }

    #[test]
    fn escapes_and_unescapes_text() {
        let text = "a\\b; c, d\r\ne\nf\u{7}";
        assert_eq!(escape_text(text), "a\\\\b\\; c\\, d\\ne\\nf");
        assert_eq!(unescape_text(&escape_text(text)), "a\\b; c, d\ne\nf");
        assert_eq!(unescape_text("x\\Ny\\:z\\q"), "x\ny:z\\q");
    }

    #[test]
    fn reads_parameters_quoted_and_listed() {
        let line = parse_line(
            "ATTENDEE;ROLE=REQ-PARTICIPANT;MEMBER=\"mailto:a@x\",\"mailto:b@x\";CN=^'Bo^' ^^:mailto:c@x",
        )
        .unwrap();
        assert_eq!(line.name, "ATTENDEE");
        assert_eq!(line.param("CN"), Some("\"Bo\" ^"));
        assert_eq!(line.params[1].1, vec!["mailto:a@x".to_string(), "mailto:b@x".to_string()]);
        assert_eq!(line.value, "mailto:c@x");
        assert!(parse_line("no colon").is_err());
        assert!(parse_line("X;P=\"open:x").is_err());
        let mut w = Writer::default();
        w.line("DTSTART", &[("TZID", "A:B")], "1");
        assert_eq!(w.finish(), "DTSTART;TZID=\"A:B\":1\r\n");
    }

    #[test]
    fn nests_components_and_refuses_mismatches() {
        let tree = components(
            "BEGIN:VCALENDAR\nBEGIN:VTODO\nUID:1\nBEGIN:VALARM\nEND:VALARM\nEND:VTODO\nEND:VCALENDAR\n",
        )
        .unwrap();
        assert_eq!(tree.len(), 1);
        assert_eq!(tree[0].components[0].name, "VTODO");
        assert_eq!(tree[0].components[0].components[0].name, "VALARM");
        assert_eq!(
            components("BEGIN:VCALENDAR\nEND:VTODO").unwrap_err(),
            "END:VTODO does not close the component that is open"
        );
        assert_eq!(
            components("BEGIN:VCALENDAR\n").unwrap_err(),
            "BEGIN:VCALENDAR is never closed (END:VCALENDAR)"
        );
        assert_eq!(
            components("UID:1").unwrap_err(),
            "the property UID is outside any component (BEGIN:VCALENDAR)"
        );
    }
}
