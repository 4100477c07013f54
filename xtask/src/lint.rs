//! `cargo xtask lint`: the lint gates of CI. Clippy with `-D warnings` over every target of
//! the workspace (the lint levels live in the root `[workspace.lints]` table), then the
//! library crates' feature matrix: no default features, and each feature alone, so a feature
//! that only compiles beside another is caught.

use crate::util;

/// Each library crate with the features to try one at a time (`""` is none at all).
const MATRIX: &[(&str, &[&str])] = &[
    ("loomfile-hdf5", &["", "fs", "mmap", "ndarray"]),
    ("loomfile-scan", &["", "parallel"]),
    ("loomfile", &["", "fs", "parallel", "json"]),
    ("loomfile-formats", &["", "parallel"]),
];

pub fn run() -> Result<(), String> {
    alloc_gate()?;
    util::cargo(&["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    for (krate, features) in MATRIX {
        for feature in *features {
            let mut args = vec!["clippy", "-q", "-p", krate, "--lib", "--no-default-features"];
            if !feature.is_empty() {
                args.extend(["--features", feature]);
            }
            args.extend(["--", "-D", "warnings"]);
            println!("lint: {krate} features [{feature}]");
            util::cargo(&args)?;
        }
    }
    Ok(())
}

/// The allocation gate: every `with_capacity(n)` and `vec![x; n]` in the library sources
/// whose `n` is not a literal or a named constant carries a `// alloc: <reason>` comment (on
/// its line or one of the 3 above) saying why `n` is bounded, so a size claimed by a file
/// never reaches the allocator unchecked (issue "Hostile shapes: allocation budgets").
fn alloc_gate() -> Result<(), String> {
    let (mut annotated, mut literal, mut bad) = (0, 0, Vec::new());
    let crates = util::root().join("crates");
    let mut files = Vec::new();
    for krate in std::fs::read_dir(&crates).map_err(|e| e.to_string())? {
        collect_rs(&krate.map_err(|e| e.to_string())?.path().join("src"), &mut files);
    }
    files.sort();
    for file in files {
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let shown = file.strip_prefix(util::root()).unwrap_or(&file).display().to_string();
        for site in scan_allocs(&text) {
            match site {
                Site::Annotated => annotated += 1,
                Site::Literal => literal += 1,
                Site::Bare(line, code) => bad.push(format!("{shown}:{line}: {code}")),
            }
        }
    }
    if !bad.is_empty() {
        bad.iter().for_each(|b| println!("{b}"));
        return Err(format!("{} allocation sites without `// alloc: <why bounded>`", bad.len()));
    }
    println!("allocation sites: {annotated} annotated, {literal} literal");
    Ok(())
}

fn collect_rs(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
            out.push(path);
        }
    }
}

#[derive(Debug, PartialEq)]
enum Site {
    Annotated,
    Literal,
    /// Line number (1-based) and the trimmed code.
    Bare(usize, String),
}

/// The allocation sites of one source file, up to its `#[cfg(test)] mod ... {`.
fn scan_allocs(text: &str) -> Vec<Site> {
    let lines: Vec<&str> = text.lines().collect();
    let mut sites = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim();
        if code == "#[cfg(test)]"
            && lines.get(i + 1).is_some_and(|n| n.contains("mod ") && n.ends_with('{'))
        {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        let rest = lines[i..lines.len().min(i + 6)].join("\n");
        let mut args = Vec::new();
        for (at, _) in
            line.match_indices("with_capacity(").filter(|(at, _)| !line[..*at].ends_with("fn "))
        {
            let inner = bracketed(&rest[at + "with_capacity(".len()..], '(', ')').unwrap_or("");
            args.push(&inner[..top_level(inner, ',').unwrap_or(inner.len())]);
        }
        for (at, _) in line.match_indices("vec![") {
            let inner = bracketed(&rest[at + "vec![".len()..], '[', ']').unwrap_or("");
            if let Some(at) = top_level(inner, ';') {
                args.push(&inner[at + 1..]);
            }
        }
        for arg in args.into_iter().map(str::trim) {
            // Literals (`64`, `1 << 16`) and named constants (`BLOCK`, `Self::MAX * 2`).
            let word = |c: char| c.is_ascii_alphanumeric() || c == '_';
            let constant = !arg.is_empty()
                && arg.replace("Self::", "").split(|c: char| !word(c)).all(|t| {
                    t.starts_with(|c: char| c.is_ascii_digit())
                        || t.chars().all(|c| !c.is_ascii_lowercase())
                })
                && arg.chars().all(|c| word(c) || " <>*+-():".contains(c));
            if constant {
                sites.push(Site::Literal);
            } else if lines[i.saturating_sub(3)..=i].iter().any(|l| l.contains("// alloc: ")) {
                sites.push(Site::Annotated);
            } else {
                sites.push(Site::Bare(i + 1, code.to_string()));
            }
        }
    }
    sites
}

/// The first `c` outside any nested brackets.
fn top_level(s: &str, c: char) -> Option<usize> {
    let mut depth = 0i32;
    for (at, ch) in s.char_indices() {
        match ch {
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ if ch == c && depth == 0 => return Some(at),
            _ => {}
        }
    }
    None
}

/// The text before the bracket closing an already-open `open`, if it closes.
fn bracketed(s: &str, open: char, close: char) -> Option<&str> {
    let mut depth = 0;
    for (at, c) in s.char_indices() {
        if c == open {
            depth += 1;
        } else if c == close {
            if depth == 0 {
                return Some(&s[..at]);
            }
            depth -= 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scanner_finds_bare_sites() {
        let src = "fn f(n: usize, m: usize) {\n    // alloc: checked by check_area above\n    let a = Vec::<u8>::with_capacity(n);\n    let c = Vec::<u8>::with_capacity(64);\n    let d = vec![0u8; MAX_LEN];\n    let e = vec![vec![0; 1 << 4], vec![]];\n    let b = vec![0u8; m];\n}\n#[cfg(test)]\nmod tests {\n    let t = vec![0u8; n];\n}\n";
        let sites = scan_allocs(src);
        assert_eq!(
            sites,
            vec![
                Site::Annotated,
                Site::Literal,
                Site::Literal,
                Site::Literal,
                Site::Bare(7, "let b = vec![0u8; m];".into())
            ]
        );
    }
}
