//! Writes out the loops a WGSL file marks with a `// @unroll` line, once their trip count is
//! known from the pipeline's override constants.
//!
//! WGSL has no unroll attribute, and some drivers do not unroll a short constant loop themselves
//! (the H100's Vulkan driver does not, with or without wgpu's runtime checks). Written out, a loop's index becomes a constant in each copy, so
//! addresses fold and the next trip's loads can be issued early: `matmul/unrolled` gains 19 %
//! on the H100 from it (BENCHMARKS.md).
//!
//! The marked text stays an ordinary loop, so a file validates and runs the same whether or not
//! it was written out; only its speed differs. A loop is written out only when that cannot
//! change what it computes, and otherwise left as it is:
//!
//! ```text
//! // @unroll
//! for (var p = 0u; p < BK; p++) {      // or p += 1u; BK an override constant or a literal
//!     body                             // no break or continue, no assignment to p
//! }
//! ```
//!
//! becomes `BK` blocks `{ let p = 0u; body }`, `{ let p = 1u; body }`, …; a body that declares
//! its own `p` (legal in the loop, where the body is a scope of its own) is left as a loop. The
//! bound may also be a module-scope `const NAME: u32 = 4u;` (or `const NAME = 4u;`) of the file.

use std::borrow::Cow;

/// The line (trimmed) that marks the loop on the next line.
pub const MARKER: &str = "// @unroll";
/// Loops of more trips are left as loops: the copies would bloat the module for little gain.
pub const MAX_TRIPS: u32 = 64;

/// `wgsl` with every marked loop whose trip count is known written out; unchanged (borrowed)
/// when there is none. `constants` are the pipeline's override values, which give the trip
/// count when the loop's bound is an override.
pub fn expand<'a>(wgsl: &'a str, constants: &[(&str, f64)]) -> Cow<'a, str> {
    expand_counted(wgsl, constants).0
}

/// [`expand`], and how many loops it wrote out (recorded with each measurement, so a result
/// says what was compiled).
pub fn expand_counted<'a>(wgsl: &'a str, constants: &[(&str, f64)]) -> (Cow<'a, str>, usize) {
    if !wgsl.contains(MARKER) {
        return (Cow::Borrowed(wgsl), 0);
    }
    // The file's own integer consts count as bounds too.
    let mut known = constants.to_vec();
    known.extend(module_consts(wgsl));
    let constants = &known[..];
    let mut out = String::with_capacity(wgsl.len() * 4);
    let mut rest = wgsl;
    let mut loops = 0;
    while let Some(at) = find_marker(rest) {
        // `at` is the start of the line after the marker.
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        if let Some((text, used)) = written_out(rest, constants) {
            out.push_str(&text);
            rest = &rest[used..];
            loops += 1;
        }
    }
    if loops == 0 {
        return (Cow::Borrowed(wgsl), 0);
    }
    out.push_str(rest);
    (Cow::Owned(out), loops)
}

/// The module-scope `const NAME: u32 = Nu;` and `const NAME = Nu;` lines of `wgsl` (at the start
/// of a line, unindented), as (NAME, N).
fn module_consts(wgsl: &str) -> Vec<(&str, f64)> {
    wgsl.lines()
        .filter_map(|line| {
            let (lhs, rhs) = line.strip_prefix("const ")?.split_once('=')?;
            let name = lhs.split(':').next()?.trim();
            let ty_ok = lhs.split_once(':').is_none_or(|(_, ty)| ty.trim() == "u32");
            let value = rhs.trim().strip_suffix(';')?.trim();
            let n = value
                .strip_suffix('u')
                .unwrap_or(value)
                .parse::<u32>()
                .ok()?;
            (is_ident(name) && ty_ok).then_some((name, f64::from(n)))
        })
        .collect()
}

/// The byte offset of the line after the first marker line in `s`.
fn find_marker(s: &str) -> Option<usize> {
    let mut offset = 0;
    for line in s.split_inclusive('\n') {
        offset += line.len();
        if line.trim() == MARKER && line.ends_with('\n') {
            return Some(offset);
        }
    }
    None
}

/// The loop at the start of `s`, written out, and how many bytes of `s` it replaces; `None`
/// where it is not a loop this module can write out safely.
fn written_out(s: &str, constants: &[(&str, f64)]) -> Option<(String, usize)> {
    let header_end = s.find('\n')?;
    let header = &s[..header_end];
    let indent = &header[..header.len() - header.trim_start().len()];
    let (name, bound) = parse_header(header.trim())?;
    let trips = trip_count(bound, constants)?;
    // The body: from after the header's `{` to its matching `}`, which must end its line.
    let open = header.rfind('{')? + 1;
    let close = matching_brace(s, open)?;
    let after = s[close + 1..]
        .find('\n')
        .map_or(s.len(), |i| close + 1 + i + 1);
    if !s[close + 1..after].trim().is_empty() {
        return None;
    }
    let body = &s[open..close];
    let code = strip_comments(body);
    if has_word(&code, "break")
        || has_word(&code, "continue")
        || assigns(&code, name)
        || declares(&code, name)
    {
        return None;
    }
    let mut text = String::new();
    for i in 0..trips {
        text.push_str(&format!(
            "{indent}{{\n{indent}    let {name} = {i}u;{body}}}\n"
        ));
    }
    Some((text, after))
}

/// `for (var NAME = 0u; NAME < BOUND; NAME++) {` (or `NAME += 1u`) → (NAME, BOUND).
fn parse_header(h: &str) -> Option<(&str, &str)> {
    let inner = h.strip_prefix("for")?.trim_start().strip_prefix('(')?;
    let (inner, tail) = inner.rsplit_once(')')?;
    if tail.trim() != "{" {
        return None;
    }
    let mut parts = inner.split(';').map(str::trim);
    let (init, cond, step) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (name, start) = init.strip_prefix("var ")?.split_once('=')?;
    let name = name.trim();
    if !is_ident(name) || !matches!(start.trim(), "0u" | "0") {
        return None;
    }
    let (lhs, bound) = cond.split_once('<')?;
    let bound = bound.trim();
    if lhs.trim() != name || bound.starts_with('=') {
        return None;
    }
    let step_ok = step == format!("{name}++")
        || step.strip_prefix(name).map(str::trim).is_some_and(|s| {
            s.strip_prefix("+=")
                .is_some_and(|one| matches!(one.trim(), "1u" | "1"))
        });
    step_ok.then_some((name, bound))
}

/// The loop's trip count: a literal, or an override constant the pipeline sets; `None` unless
/// it is a whole number from 1 to [`MAX_TRIPS`].
fn trip_count(bound: &str, constants: &[(&str, f64)]) -> Option<u32> {
    let n = match bound.strip_suffix('u').unwrap_or(bound).parse::<u32>() {
        Ok(n) => f64::from(n),
        Err(_) => constants.iter().find(|(k, _)| *k == bound)?.1,
    };
    (n.fract() == 0.0 && (1.0..=f64::from(MAX_TRIPS)).contains(&n)).then_some(n as u32)
}

fn is_ident(s: &str) -> bool {
    let mut c = s.chars();
    c.next()
        .is_some_and(|f| f.is_ascii_alphabetic() || f == '_')
        && c.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
}

/// The index of the `}` that closes the `{` at `open`, skipping comments.
fn matching_brace(s: &str, open: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 1;
    let mut i = open;
    while i < b.len() {
        match (b[i], b.get(i + 1)) {
            (b'/', Some(b'/')) => i = s[i..].find('\n').map_or(b.len(), |n| i + n),
            (b'/', Some(b'*')) => i = block_comment_end(s, i)?,
            (b'{', _) => {
                depth += 1;
                i += 1;
            }
            (b'}', _) => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

/// The index just past the (possibly nested) block comment that starts at `start`.
fn block_comment_end(s: &str, start: usize) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0;
    let mut i = start;
    while i + 1 < b.len() {
        match (b[i], b[i + 1]) {
            (b'/', b'*') => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => i += 1,
        }
    }
    None
}

/// `s` without its comments (each replaced by a space).
fn strip_comments(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    let mut kept = 0;
    while i < b.len() {
        let end = match (b[i], b.get(i + 1)) {
            (b'/', Some(b'/')) => s[i..].find('\n').map_or(b.len(), |n| i + n),
            (b'/', Some(b'*')) => block_comment_end(s, i).unwrap_or(b.len()),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&s[kept..i]);
        out.push(' ');
        i = end;
        kept = end;
    }
    out.push_str(&s[kept..]);
    out
}

/// Whether `word` occurs in `code` as a whole identifier.
fn has_word(code: &str, word: &str) -> bool {
    word_ends(code, word).next().is_some()
}

/// The byte offsets just past each whole-identifier occurrence of `word` in `code`.
fn word_ends<'a>(code: &'a str, word: &'a str) -> impl Iterator<Item = usize> + 'a {
    let ident = |c: char| c.is_ascii_alphanumeric() || c == '_';
    code.match_indices(word).filter_map(move |(i, _)| {
        let before = code[..i].chars().next_back();
        let end = i + word.len();
        let after = code[end..].chars().next();
        (!before.is_some_and(ident) && !after.is_some_and(ident)).then_some(end)
    })
}

/// Whether `code` declares its own `name` (`let`, `var` or `const`), which in a copy would
/// clash with the copy's `let` of the index.
fn declares(code: &str, name: &str) -> bool {
    word_ends(code, name).any(|end| {
        let before = code[..end - name.len()].trim_end();
        ["let", "var", "const"]
            .iter()
            .any(|kw| word_ends(before, kw).any(|e| e == before.len()))
    })
}

/// Whether `code` assigns to, increments or decrements `name` (which the copies bind with
/// `let`, so any of those would no longer compile, or would change what the loop does).
fn assigns(code: &str, name: &str) -> bool {
    word_ends(code, name).any(|end| {
        let next = code[end..].trim_start();
        let compound = [
            "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "<<=", ">>=", "++", "--",
        ];
        compound.iter().any(|op| next.starts_with(op))
            || (next.starts_with('=') && !next.starts_with("=="))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOOP: &str = "\
fn f() {
    var s = 0u;
    // @unroll
    for (var p = 0u; p < BK; p++) {
        s += p; // a comment with a } brace
        if (s > 3u) { s = 0u; }
    }
    let t = s;
}
";

    #[test]
    fn writes_out_a_marked_loop_with_its_override_bound() {
        let out = expand(LOOP, &[("BM", 64.0), ("BK", 3.0)]);
        let body = "\n        s += p; // a comment with a } brace\n        if (s > 3u) { s = 0u; }\n    }\n";
        let copies: String = (0..3)
            .map(|i| format!("    {{\n        let p = {i}u;{body}"))
            .collect();
        let want =
            format!("fn f() {{\n    var s = 0u;\n    // @unroll\n{copies}    let t = s;\n}}\n");
        assert_eq!(out, want);
    }

    #[test]
    fn a_module_const_bound_works() {
        let src = "const DEPTH: u32 = 2u;\nconst F = 1.5;\nfn f() {\n    // @unroll\n    \
                   for (var j = 0u; j < DEPTH; j++) {\n        x[j] = 1.0;\n    }\n}\n";
        let want = "const DEPTH: u32 = 2u;\nconst F = 1.5;\nfn f() {\n    // @unroll\n    {\n        \
                    let j = 0u;\n        x[j] = 1.0;\n    }\n    {\n        let j = 1u;\n        \
                    x[j] = 1.0;\n    }\n}\n";
        assert_eq!(expand(src, &[]), want);
        assert_eq!(module_consts(src), vec![("DEPTH", 2.0)]);
        // An f32 const, an indented (function-scope) const and a non-literal are not bounds.
        let other = "const D: f32 = 2.0;\nfn g() {\n    const E = 3u;\n}\nconst G = D + 1u;\n";
        assert!(module_consts(other).is_empty());
    }

    #[test]
    fn literal_bounds_and_plus_equals_steps_work_too() {
        let src =
            "    // @unroll\n    for (var j = 0u; j < 2u; j += 1u) {\n        x[j] = 1.0;\n    }\n";
        assert_eq!(
            expand(src, &[]),
            "    // @unroll\n    {\n        let j = 0u;\n        x[j] = 1.0;\n    }\n    \
             {\n        let j = 1u;\n        x[j] = 1.0;\n    }\n"
        );
    }

    #[test]
    fn leaves_loops_it_cannot_write_out_safely() {
        // Unknown bound (the pipeline does not set BK), too many trips, not an integer.
        for constants in [
            &[][..],
            &[("BK", 65.0)][..],
            &[("BK", 2.5)][..],
            &[("BK", 0.0)][..],
        ] {
            assert!(
                matches!(expand(LOOP, constants), Cow::Borrowed(_)),
                "{constants:?}"
            );
        }
        // break, continue, an assignment to the index, a step other than 1, an unmarked loop.
        for src in [
            LOOP.replace("s = 0u;", "break;"),
            LOOP.replace("s = 0u;", "continue;"),
            LOOP.replace("s += p;", "p += 1u;"),
            LOOP.replace("s += p;", "p = 2u;"),
            LOOP.replace("p++", "p += 2u"),
            LOOP.replace("var p = 0u", "var p = 1u"),
            LOOP.replace("p < BK", "p <= BK"),
            LOOP.replace("// @unroll", "// unroll"),
            LOOP.replace("    }\n    let t", "    } let u = 1u;\n    let t"),
        ] {
            assert!(
                matches!(expand(&src, &[("BK", 3.0)]), Cow::Borrowed(_)),
                "{src}"
            );
        }
        // Comparisons and identifiers that merely contain the index or a keyword are fine.
        let src = LOOP.replace("s += p;", "s += select(0u, 1u, p == 2u) + p_break;");
        assert!(matches!(expand(&src, &[("BK", 2.0)]), Cow::Owned(_)));
    }

    #[test]
    fn the_written_out_module_is_valid_wgsl() {
        let src = "\
override BK: u32 = 4u;
@group(0) @binding(0) var<storage, read_write> o: array<u32>;
@compute @workgroup_size(1)
fn main() {
    var s = 0u;
    // @unroll
    for (var p = 0u; p < BK; p++) {
        let q = p * 2u;
        s += q;
    }
    o[0] = s;
}
";
        let valid = |text: &str| {
            let module =
                naga::front::wgsl::parse_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            naga::valid::Validator::new(Default::default(), Default::default())
                .validate(&module)
                .unwrap_or_else(|e| panic!("{e:?}\n{text}"));
        };
        let out = expand(src, &[("BK", 3.0)]);
        assert_eq!(out.matches("let q = p * 2u;").count(), 3, "{out}");
        valid(&out);
        // A body that declares its own index, as a loop body may, is left as a loop: written
        // out, its declaration would clash with the copy's.
        let shadowing = src.replace(
            "let q = p * 2u;\n        s += q;",
            "let p = p * 2u;\n        s += p;",
        );
        valid(&shadowing);
        assert!(matches!(
            expand(&shadowing, &[("BK", 3.0)]),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn braces_and_keywords_in_comments_are_ignored() {
        let src = LOOP.replace(
            "s += p; // a comment with a } brace",
            "s += p; /* break { /* continue */ } */",
        );
        let out = expand(&src, &[("BK", 2.0)]);
        assert_eq!(out.matches("let p =").count(), 2, "{out}");
    }

    #[test]
    fn every_marked_loop_in_the_kernels_is_written_out_at_its_block_depth() {
        let marks = |s: &str| s.lines().filter(|l| l.trim() == MARKER).count();
        let marked: Vec<_> = crate::REGISTRY
            .iter()
            .filter(|s| marks(s.source) > 0)
            .collect();
        assert!(marked.iter().any(|s| s.id() == "matmul/unrolled"));
        for spec in marked {
            // Each with the constants that bound its marked loops, as its host passes them:
            // the matmul's depth BK, the split attention's staging count KV_LOADS.
            // (The tensor-core matmuls' rings are bounded by each file's own const DEPTH.)
            let (out, loops) = expand_counted(spec.source, &[("BK", 8.0), ("KV_LOADS", 8.0)]);
            assert_eq!(loops, marks(spec.source), "{}", spec.id());
            // The last copy is there: index 7 of the eight BK or KV_LOADS trips, or DEPTH − 1
            // of a ring (the copy `let s = …` of its main loop).
            let last = match module_consts(spec.source)
                .iter()
                .find(|(k, _)| *k == "DEPTH")
            {
                Some((_, depth)) => format!("let s = {}u;", depth - 1.0),
                None => "= 7u;".to_string(),
            };
            assert!(out.contains(&last), "{}: no {last}", spec.id());
            let lines: Vec<_> = out.lines().collect();
            for (i, line) in lines.iter().enumerate() {
                if line.trim() == MARKER {
                    assert!(
                        !lines[i + 1].trim().starts_with("for"),
                        "{}: {}",
                        spec.id(),
                        lines[i + 1]
                    );
                }
            }
            assert!(!out.contains("let p = 8u;"), "{}", spec.id());
            assert!(!out.contains("let i = 8u;"), "{}", spec.id());
            assert!(!out.contains("for (var p = 0u; p < BK"), "{}", spec.id());
            assert!(!out.contains("i < KV_LOADS"), "{}", spec.id());
        }
    }
}
