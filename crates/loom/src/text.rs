//! Strings as each spec stores them: spec 3 text is UTF-8 kept verbatim; spec 2 and older
//! text is ASCII with XML numeric character references (`&#233;`, `&#xE9;`) and the five XML
//! entities, decoded on read and produced on write.
//!
//! # Examples
//!
//! ```
//! use loomfile::text::{xml_escape, xml_unescape};
//! let stored = xml_escape("naïve & <b>"); // how a spec-2 file stores it
//! assert_eq!(stored, "na&#239;ve &#38; <b>");
//! assert_eq!(xml_unescape(&stored), "naïve & <b>");
//! ```

/// Decode numeric character references and `&lt; &gt; &amp; &quot; &apos;`; anything else
/// is left as it is.
///
/// # Examples
///
/// ```
/// use loomfile::text::xml_unescape;
/// assert_eq!(xml_unescape("caf&#233; &amp; cr&#xE8;me"), "café & crème");
/// assert_eq!(xml_unescape("R&D &unknown;"), "R&D &unknown;"); // left as it is
/// ```
pub fn xml_unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    // alloc: caller's data
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|&e| e <= 12);
        let decoded = end.and_then(|e| {
            let body = &tail[1..e];
            let c = match body {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                // Digits only: Rust's integer parsers would also take a leading '+'.
                _ if (body.starts_with("#x") || body.starts_with("#X"))
                    && body.len() > 2
                    && body[2..].bytes().all(|b| b.is_ascii_hexdigit()) =>
                {
                    u32::from_str_radix(&body[2..], 16).ok().and_then(char::from_u32)
                }
                _ if body.starts_with('#')
                    && body.len() > 1
                    && body[1..].bytes().all(|b| b.is_ascii_digit()) =>
                {
                    body[1..].parse::<u32>().ok().and_then(char::from_u32)
                }
                _ => None,
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Encode for spec 2: ASCII, non-ASCII characters and `&` as decimal numeric character
/// references (so that decoding gives back exactly the original text).
///
/// # Examples
///
/// ```
/// use loomfile::text::xml_escape;
/// assert_eq!(xml_escape("β-actin"), "&#946;-actin");
/// assert_eq!(xml_escape("plain"), "plain");
/// ```
pub fn xml_escape(s: &str) -> String {
    // alloc: caller's data
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == '&' {
            out.push_str("&#38;");
        } else if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("&#{};", c as u32));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescape_references_and_entities() {
        assert_eq!(xml_unescape("caf&#233;"), "café");
        assert_eq!(xml_unescape("caf&#xE9; &#x65E5;"), "café 日");
        assert_eq!(xml_unescape("&lt;b&gt; &amp; &quot;q&quot; &apos;"), "<b> & \"q\" '");
        assert_eq!(xml_unescape("a & b &unknown; &#zz;"), "a & b &unknown; &#zz;");
        // Only digits make a reference ("&#+65;" is text, not 'A').
        assert_eq!(xml_unescape("&#+65; &#x+41; &#-1; &#65;"), "&#+65; &#x+41; &#-1; A");
    }

    #[test]
    fn escape_round_trips() {
        for s in ["café", "日本 & more", "&amp; literal", "plain", "β-actin", "&#233;"] {
            let e = xml_escape(s);
            assert!(e.is_ascii());
            assert_eq!(xml_unescape(&e), s);
        }
    }
}
