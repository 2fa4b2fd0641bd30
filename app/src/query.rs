//! URL query strings as ordered key/value maps: parsing with percent-decoding, and encoding back.
//!
//! Pure string code (no `web_sys`), so the permalink rules are tested natively. Values are only
//! ever used as text or parsed into numbers; nothing here produces HTML.

use std::collections::BTreeMap;

/// Query parameters by key. Later duplicates win; keys are kept sorted so permalinks are stable.
pub type Params = BTreeMap<String, String>;

/// Parses `a=1&b=x%20y` (with or without a leading `?`). `+` means a space, as in forms.
pub fn parse(query: &str) -> Params {
    let q = query.strip_prefix('?').unwrap_or(query);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (decode(k), decode(v))
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// Encodes parameters as `a=1&b=x%20y` (no leading `?`), skipping empty values.
pub fn encode(params: &Params) -> String {
    params
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{}={}", encode_part(k), encode_part(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Percent-decodes one component; malformed escapes are kept literally, invalid UTF-8 is replaced.
pub fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Percent-encodes everything except unreserved characters (RFC 3986).
pub fn encode_part(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_decodes() {
        let p = parse("?model=llama-2-70b&tokens=4096&note=a%20b+c&empty=&=x&bad=%zz%4");
        assert_eq!(p["model"], "llama-2-70b");
        assert_eq!(p["tokens"], "4096");
        assert_eq!(p["note"], "a b c");
        assert_eq!(p["bad"], "%zz%4");
        assert!(!p.contains_key(""));
        let again = parse(&encode(&p));
        let mut expected = p.clone();
        expected.remove("empty");
        assert_eq!(again, expected);
        assert_eq!(encode_part("<script>&"), "%3Cscript%3E%26");
        assert_eq!(decode("%E2%9C%93"), "✓");
    }
}
