//! The reader of the layering checks (`tests/layering.rs` for the crate, devstack's
//! `tests/it/layering.rs` for devstack): the module each path of a Rust source starts with. A text scan,
//! not a parser: comment lines are skipped, `use` brace groups are followed, string contents are not
//! told apart from code.

/// A byte of an identifier.
fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// The first path segment of each item of a `use` brace group (`a::b, c, d::{e, f}` → a, c, d).
fn group_heads(group: &str) -> Vec<String> {
    let mut heads = Vec::new();
    let mut depth = 0;
    let mut item = String::new();
    for c in group.chars().chain([',']) {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                let head: String = item
                    .trim()
                    .bytes()
                    .take_while(|b| is_ident(*b))
                    .map(char::from)
                    .collect();
                if !head.is_empty() {
                    heads.push(head);
                }
                item.clear();
                continue;
            }
            _ => {}
        }
        if depth == 0 {
            item.push(c);
        }
    }
    heads
}

/// The first segment after each `<prefix>::` that starts a path in `text` (not `a::<prefix>::`; comment
/// lines excluded), with its line number.
pub fn references(text: &str, prefix: &str) -> Vec<(String, usize)> {
    let code: String = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("//") {
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let bytes = code.as_bytes();
    let needle = format!("{prefix}::");
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = code[from..].find(&needle).map(|i| i + from) {
        from = i + needle.len();
        if i > 0 && (is_ident(bytes[i - 1]) || bytes[i - 1] == b':') {
            continue;
        }
        let line = code[..i].matches('\n').count() + 1;
        let rest = code[from..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 1;
            let end = group
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    depth == 0
                })
                .map_or(group.len(), |(j, _)| j);
            out.extend(group_heads(&group[..end]).into_iter().map(|h| (h, line)));
        } else {
            let head: String = rest
                .bytes()
                .take_while(|b| is_ident(*b))
                .map(char::from)
                .collect();
            if !head.is_empty() {
                out.push((head, line));
            }
        }
    }
    out
}
